import dns from 'node:dns';
import type { DnsAddress, DnsDriver, DnsLookupOptions } from '../../loop/dns-driver.js';

/**
 * Name resolution on `node:dns`: `dns.lookup` (the system's getaddrinfo, on
 * libuv's threadpool, so /etc/hosts and nsswitch apply as they do for
 * asyncio) in the resolver's own order, and `dns.lookupService`.
 */
export class NodeDnsDriver implements DnsDriver {
  lookup(host: string, options: DnsLookupOptions): Promise<DnsAddress[]> {
    let hints = 0;
    if (options.addrconfig === true) hints |= dns.ADDRCONFIG;
    if (options.v4mapped === true) hints |= dns.V4MAPPED;
    if (options.all === true) hints |= dns.ALL;
    return new Promise((resolve, reject) => {
      // `verbatim`/`order`: the resolver's order, whatever --dns-result-order says.
      dns.lookup(host, { family: options.family, hints, all: true, verbatim: true, order: 'verbatim' } as dns.LookupAllOptions, (err, addresses) => {
        if (err !== null) reject(err);
        else resolve(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })));
      });
    });
  }

  async lookupService(address: string, port: number): Promise<{ hostname: string; service: string }> {
    try {
      return await lookupService(address, port);
    } catch (err) {
      // Node asks getnameinfo for NI_NAMEREQD, so an address without a name
      // fails; getnameinfo without flags gives its numeric form instead. The
      // service name does not depend on the host: ask it about loopback.
      if ((err as NodeJS.ErrnoException).code !== 'ENOTFOUND') throw err;
      const service = await lookupService('127.0.0.1', port).then(
        (r) => r.service,
        () => String(port),
      );
      return { hostname: address, service };
    }
  }
}

function lookupService(address: string, port: number): Promise<{ hostname: string; service: string }> {
  return new Promise((resolve, reject) => {
    dns.lookupService(address, port, (err, hostname, service) => {
      if (err !== null) reject(err);
      else resolve({ hostname, service });
    });
  });
}
