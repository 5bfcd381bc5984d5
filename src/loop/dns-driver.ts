/** Name resolution: getaddrinfo and getnameinfo. (Being designed: filled in by the engineer who owns it.) */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface DnsDriver {}
