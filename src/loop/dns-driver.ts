/** One address a name resolves to. */
export interface DnsAddress {
  address: string;
  family: 4 | 6;
}

/** What `DnsDriver.lookup` resolves, and how (getaddrinfo's family and hints). */
export interface DnsLookupOptions {
  /** 0: both families; 4 or 6: only that one. */
  family: 0 | 4 | 6;
  /** AI_ADDRCONFIG: only families the machine has a non-loopback address of. */
  addrconfig?: boolean;
  /** AI_V4MAPPED: with `family` 6 and no IPv6 address, IPv4-mapped IPv6 addresses. */
  v4mapped?: boolean;
  /** AI_ALL (with `v4mapped`): IPv6 and IPv4-mapped addresses both. */
  all?: boolean;
}

/**
 * Name resolution: getaddrinfo and getnameinfo. Numeric addresses, ports,
 * socket types and the shape of asyncio's results are the io layer's; a
 * driver only resolves names. Promises may settle from any context (Node's
 * threadpool callbacks, or a simulation's loop callbacks).
 */
export interface DnsDriver {
  /**
   * The addresses `host` (a name, never a numeric address) resolves to, in
   * the resolver's order (getaddrinfo's, as asyncio returns them). Rejects
   * with an `Error` whose `code` is `'ENOTFOUND'` (no such name),
   * `'EAI_AGAIN'` (try again), ... and whose `hostname` is `host`.
   */
  lookup(host: string, options: DnsLookupOptions): Promise<DnsAddress[]>;
  /**
   * Reverse resolution of an address and port (getnameinfo without flags):
   * the host name (the numeric address when it has none) and the service
   * name (the port's digits when it has none).
   */
  lookupService(address: string, port: number): Promise<{ hostname: string; service: string }>;
}
