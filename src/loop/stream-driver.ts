/** Stream connections (TCP, unix sockets, TLS): connect, listen, startTls, adopting an accepted socket. (Being designed: filled in by the engineer who owns it.) */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface StreamDriver {}
