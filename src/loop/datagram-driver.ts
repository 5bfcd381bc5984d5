/** Datagram sockets (UDP, unix datagram). (Being designed: filled in by the engineer who owns it.) */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface DatagramDriver {}
