import { isIP } from 'node:net';
import type { DnsAddress, DnsDriver } from '../loop/dns-driver.js';
import type { EventLoop } from '../loop/event-loop.js';
import type { SocketAddress } from '../loop/raw-stream.js';
import { describeValue } from '../sync/describe-value.js';
import { codeError, familyName, parseAddress, parsePort } from './addresses.js';
import { driverCall } from './driver-call.js';

// getaddrinfo and getnameinfo flags, with Linux's values (Python's socket.AI_* and NI_*).
/** The address is for binding (a wildcard when `host` is null). */
export const AI_PASSIVE = 0x1;
/** Ask for the canonical name (simloop always gives `''`: Node's resolver has none). */
export const AI_CANONNAME = 0x2;
/** `host` must be a numeric address: no name resolution. */
export const AI_NUMERICHOST = 0x4;
/** With family IPv6: IPv4-mapped addresses when there is no IPv6 one. */
export const AI_V4MAPPED = 0x8;
/** With AI_V4MAPPED: both IPv6 and IPv4-mapped addresses. */
export const AI_ALL = 0x10;
/** Only families the machine has a configured address of. */
export const AI_ADDRCONFIG = 0x20;
/** `port` must be numeric (simloop's ports always are). */
export const AI_NUMERICSERV = 0x400;
/** getnameinfo: the numeric host, no reverse lookup. */
export const NI_NUMERICHOST = 0x1;
/** getnameinfo: the numeric port, no service name. */
export const NI_NUMERICSERV = 0x2;
/** getnameinfo: only the first label of a local host's name. */
export const NI_NOFQDN = 0x4;
/** getnameinfo: fail (`EAI_NONAME`) when the address has no name. */
export const NI_NAMEREQD = 0x8;
/** getnameinfo: the service is a datagram one (the same names on Linux). */
export const NI_DGRAM = 0x10;

/** A socket type, as getaddrinfo takes and returns it. */
export type SocketType = 'stream' | 'dgram';

/** One result of `getaddrinfo` (asyncio's 5-tuple as an object). */
export interface AddrInfo {
  family: 'IPv4' | 'IPv6';
  type: SocketType;
  /** 6 (TCP) for 'stream', 17 (UDP) for 'dgram'. */
  proto: number;
  /** Always `''` (see AI_CANONNAME). */
  canonname: string;
  address: SocketAddress;
}

/** `getaddrinfo`'s options, asyncio's keyword arguments. */
export interface GetaddrinfoOptions {
  /** 0 or absent: both families. */
  family?: 'IPv4' | 'IPv6' | 0 | 4 | 6;
  /** Absent: a 'stream' and a 'dgram' entry per address. */
  type?: SocketType;
  /** 0, 6 (TCP) or 17 (UDP); absent or 0: any. */
  proto?: number;
  /** AI_* flags, or-ed. */
  flags?: number;
}

const PROTO: Record<SocketType, number> = { stream: 6, dgram: 17 };

/** Family as 0, 4 or 6. */
export function parseFamily(value: unknown, what: string): 0 | 4 | 6 {
  switch (value) {
    case undefined:
    case null:
    case 0:
      return 0;
    case 4:
    case 'IPv4':
      return 4;
    case 6:
    case 'IPv6':
      return 6;
  }
  throw new TypeError(`${what} must be 'IPv4', 'IPv6', 0, 4 or 6, got ${describeValue(value)}`);
}

function parseFlags(value: unknown, what: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new TypeError(`${what} must be a non-negative integer (AI_* or NI_* constants or-ed), got ${describeValue(value)}`);
  }
  return value;
}

function socketTypes(type: unknown, proto: unknown): SocketType[] {
  if (type !== undefined && type !== null && type !== 0 && type !== 'stream' && type !== 'dgram') {
    throw new TypeError(`getaddrinfo: type must be 'stream' or 'dgram', got ${describeValue(type)}`);
  }
  if (proto !== undefined && proto !== null && proto !== 0 && proto !== 6 && proto !== 17) {
    throw new RangeError(`getaddrinfo: proto must be 0, 6 (TCP) or 17 (UDP), got ${describeValue(proto)}`);
  }
  const byProto: SocketType | null = proto === 6 ? 'stream' : proto === 17 ? 'dgram' : null;
  if (type === 'stream' || type === 'dgram') {
    if (byProto !== null && byProto !== type) {
      throw new RangeError(`getaddrinfo: proto ${proto as number} does not fit type '${type}' (ai_socktype not supported)`);
    }
    return [type];
  }
  return byProto !== null ? [byProto] : ['stream', 'dgram'];
}

/** The DNS driver of `loop`'s OS, or a TypeError naming the call. */
export function dnsDriver(loop: EventLoop, where: string): DnsDriver {
  const dns = loop._os?.dns;
  if (dns === undefined) throw new TypeError(`${where}: this loop's OS has no DNS driver (OS.dns)`);
  return dns;
}

/**
 * The addresses `host` stands for, as getaddrinfo gives them: numeric
 * addresses as they are (no lookup), null for loopback (or the wildcards
 * with AI_PASSIVE), names through the loop's DNS driver.
 */
export async function resolveHost(loop: EventLoop, host: string | null, family: 0 | 4 | 6, flags: number, where: string): Promise<DnsAddress[]> {
  if (host === null || host === '') {
    // glibc's order: the wildcards IPv4 first, loopback IPv6 first.
    const all: DnsAddress[] =
      (flags & AI_PASSIVE) !== 0
        ? [
            { address: '0.0.0.0', family: 4 },
            { address: '::', family: 6 },
          ]
        : [
            { address: '::1', family: 6 },
            { address: '127.0.0.1', family: 4 },
          ];
    return family === 0 ? all : all.filter((a) => a.family === family);
  }
  const version = isIP(host);
  if (version !== 0) {
    if (family === 0 || family === version) return [{ address: host, family: version as 4 | 6 }];
    if (family === 6 && (flags & AI_V4MAPPED) !== 0) return [{ address: `::ffff:${host}`, family: 6 }];
    throw codeError('EAI_ADDRFAMILY', `getaddrinfo EAI_ADDRFAMILY ${host}: address family for hostname not supported`, { hostname: host });
  }
  if ((flags & AI_NUMERICHOST) !== 0) {
    throw codeError('EAI_NONAME', `getaddrinfo EAI_NONAME ${host}: not a numeric address (AI_NUMERICHOST)`, { hostname: host });
  }
  const dns = dnsDriver(loop, where);
  const opts = {
    family,
    addrconfig: (flags & AI_ADDRCONFIG) !== 0,
    v4mapped: (flags & AI_V4MAPPED) !== 0,
    all: (flags & AI_ALL) !== 0,
  };
  return driverCall(loop, () => dns.lookup(host, opts), { label: `getaddrinfo(${JSON.stringify(host)})` });
}

/**
 * asyncio's `loop.getaddrinfo`: `host` (a name, a numeric address, or null)
 * and `port` as a list of addresses to connect or bind to. Without `type`
 * (and `proto`), each address gives a 'stream' (proto 6) and a 'dgram'
 * (proto 17) entry, in the resolver's order; `canonname` is `''`.
 */
export function getaddrinfo(
  loop: EventLoop,
  host: string | null | undefined,
  port: number | string | null | undefined,
  opts: GetaddrinfoOptions = {},
): Promise<AddrInfo[]> {
  if (host !== null && host !== undefined && typeof host !== 'string') {
    throw new TypeError(`getaddrinfo: host must be a string or null, got ${describeValue(host)}`);
  }
  const { port: p, family, types, flags } = checkGetaddrinfoArgs(port, opts);
  return resolveHost(loop, host ?? null, family, flags, 'getaddrinfo').then((addresses) => addrInfos(addresses, types, p));
}

/** getaddrinfo's port and options, checked (TypeError/RangeError at the call). */
export function checkGetaddrinfoArgs(
  port: unknown,
  opts: GetaddrinfoOptions,
): { port: number; family: 0 | 4 | 6; types: SocketType[]; flags: number } {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`getaddrinfo: opts must be an object, got ${describeValue(opts)}`);
  return {
    port: port === null || port === undefined ? 0 : parsePort(port, 'getaddrinfo: port'),
    family: parseFamily(opts.family, 'getaddrinfo: family'),
    types: socketTypes(opts.type, opts.proto),
    flags: parseFlags(opts.flags, 'getaddrinfo: flags'),
  };
}

function addrInfos(addresses: DnsAddress[], types: SocketType[], p: number): AddrInfo[] {
  const infos: AddrInfo[] = [];
  for (const a of addresses) {
    const fam = familyName(a.family);
    for (const type of types) {
      infos.push({ family: fam, type, proto: PROTO[type], canonname: '', address: { address: a.address, port: p, family: fam } });
    }
  }
  return infos;
}

/**
 * asyncio's `loop.getnameinfo`: an address (`[host, port]` or `{ address,
 * port }`) as `[host, service]`, by reverse lookup unless NI_NUMERICHOST and
 * NI_NUMERICSERV say otherwise. An address without a name gives its numeric
 * form (`EAI_NONAME` with NI_NAMEREQD).
 */
export function getnameinfo(loop: EventLoop, addr: unknown, flags?: number): Promise<[host: string, service: string]> {
  const { host, port } = parseAddress(addr, 'getnameinfo: addr');
  const f = parseFlags(flags, 'getnameinfo: flags');
  return nameInfo(loop, host, port, f);
}

async function nameInfo(loop: EventLoop, host: string, port: number, f: number): Promise<[host: string, service: string]> {
  let address = host;
  if (isIP(host) === 0) {
    const found = await resolveHost(loop, host, 0, 0, 'getnameinfo');
    if (found.length !== 1) throw codeError('EINVAL', `getnameinfo: ${host} resolved to ${found.length} addresses; pass one numeric address`);
    address = found[0]!.address;
  }
  const numericHost = (f & NI_NUMERICHOST) !== 0;
  const numericServ = (f & NI_NUMERICSERV) !== 0;
  if (numericHost && numericServ) return [address, String(port)];
  const dns = dnsDriver(loop, 'getnameinfo');
  const r = await driverCall(loop, () => dns.lookupService(address, port), { label: `getnameinfo(${address})` });
  let hostname = numericHost ? address : r.hostname;
  if (!numericHost && (f & NI_NAMEREQD) !== 0 && (hostname === address || isIP(hostname) !== 0)) {
    throw codeError('EAI_NONAME', `getnameinfo EAI_NONAME ${address}: the address has no name (NI_NAMEREQD)`, { hostname: address });
  }
  if (!numericHost && (f & NI_NOFQDN) !== 0 && isIP(hostname) === 0) hostname = hostname.split('.')[0]!;
  return [hostname, numericServ ? String(port) : r.service];
}
