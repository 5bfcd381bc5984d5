import { isIP } from 'node:net';
import type { DatagramDriver, DatagramOpenOptions, RawDatagramSocket } from '../loop/datagram-driver.js';
import { EventLoop } from '../loop/event-loop.js';
import type { PeerAddress, SocketAddress } from '../loop/raw-stream.js';
import { EventLoopError } from '../errors.js';
import { afterConnectionMade } from './connection-made.js';
import { LoopDatagramTransport, splitAddress } from './datagram-transport.js';
import type { DatagramProtocol } from './protocols.js';

/** An address a caller passes: `{ address, port }` (family optional) or asyncio's `[host, port]`. */
export type AddressInput = PeerAddress | { address: string; port: number; family?: 'IPv4' | 'IPv6' } | [host: string, port: number];

/** `createDatagramEndpoint`'s options (asyncio's keyword arguments). */
export interface DatagramEndpointOptions {
  /** Bind here; without it the socket binds to the wildcard address of its family on a port the OS picks. */
  localAddr?: AddressInput | null;
  /** Connect here: `sendto` then sends only there and only its datagrams arrive. */
  remoteAddr?: AddressInput | null;
  /** Restrict name resolution and the socket to one family; required when neither address is given. */
  family?: 'IPv4' | 'IPv6' | 0 | 4 | 6;
  /** Only `false` is accepted (a no-op): asyncio refuses `reuse_address=True` for UDP as a security risk. */
  reuseAddress?: boolean;
  /** `SO_REUSEPORT`; on Node below 22.12 the call rejects with a RangeError. */
  reusePort?: boolean;
  /** `SO_BROADCAST`: allow sending to broadcast addresses. */
  allowBroadcast?: boolean;
}

declare module '../loop/event-loop.js' {
  interface EventLoop {
    /**
     * asyncio's `create_datagram_endpoint`: make a UDP socket (bound to
     * `localAddr`, connected to `remoteAddr` when given) and resolve to
     * `[transport, protocol]` once the protocol's `connectionMade` has run.
     * Names are resolved with `loop.getaddrinfo` when the loop has it;
     * otherwise only IP literals and `'localhost'` are accepted. Bad options
     * throw at the call; socket errors (`EADDRINUSE`, ...) reject.
     */
    createDatagramEndpoint<P extends DatagramProtocol>(protocolFactory: () => P, options?: DatagramEndpointOptions): Promise<[LoopDatagramTransport, P]>;
  }
}

type Family = 'IPv4' | 'IPv6';

function checkFamily(family: unknown): Family | null {
  if (family === undefined || family === null || family === 0) return null;
  if (family === 'IPv4' || family === 4) return 'IPv4';
  if (family === 'IPv6' || family === 6) return 'IPv6';
  throw new RangeError(`createDatagramEndpoint: family must be 'IPv4', 'IPv6', 0, 4 or 6, got ${String(family)}`);
}

function checkBoolean(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`createDatagramEndpoint: ${name} must be a boolean, got ${typeof value}`);
  return value;
}

/** The addresses `addr` names, of `family` if given, in resolution order. */
async function resolveAddress(loop: EventLoop, host: string, port: number, family: Family | null, where: string): Promise<SocketAddress[]> {
  if (host === 'localhost') {
    // As in the simulated network, 'localhost' is the loopback address:
    // never a lookup whose order depends on the machine.
    const all: SocketAddress[] = [
      { address: '127.0.0.1', port, family: 'IPv4' },
      { address: '::1', port, family: 'IPv6' },
    ];
    return all.filter((a) => family === null || a.family === family);
  }
  const v = isIP(host);
  if (v !== 0) {
    const a: SocketAddress = { address: host, port, family: v === 6 ? 'IPv6' : 'IPv4' };
    return family === null || a.family === family ? [a] : [];
  }
  const getaddrinfo = (loop as unknown as { getaddrinfo?: unknown }).getaddrinfo;
  if (typeof getaddrinfo !== 'function') {
    throw new TypeError(`createDatagramEndpoint: ${where} ${JSON.stringify(host)} is a name, and this loop has no getaddrinfo to resolve it: pass an IP address or 'localhost'`);
  }
  const infos = (await getaddrinfo.call(loop, host, port, { family: family ?? 0, type: 'dgram' })) as { family: Family; address: SocketAddress }[];
  const out: SocketAddress[] = [];
  for (const info of infos) {
    const a: SocketAddress = { address: info.address.address, port, family: info.family };
    if (!out.some((b) => b.address === a.address && b.family === a.family)) out.push(a);
  }
  return out;
}

async function openEndpoint<P extends DatagramProtocol>(
  loop: EventLoop,
  driver: DatagramDriver,
  protocolFactory: () => P,
  local: { host: string; port: number } | null,
  remote: { host: string; port: number } | null,
  family: Family | null,
  base: Omit<DatagramOpenOptions, 'family' | 'localAddr' | 'remoteAddr'>,
): Promise<[LoopDatagramTransport, P]> {
  const ctx = loop._captureContext();
  const locals = local === null ? null : await resolveAddress(loop, local.host, local.port, family, 'localAddr');
  const remotes = remote === null ? null : await resolveAddress(loop, remote.host, remote.port, family, 'remoteAddr');
  // asyncio pairs the local and remote addresses by family, in resolution order.
  const families: Family[] = [];
  for (const a of [...(locals ?? []), ...(remotes ?? [])]) if (!families.includes(a.family)) families.push(a.family);
  if (locals === null && remotes === null) families.push(family!);
  const pairs: DatagramOpenOptions[] = [];
  for (const f of families) {
    const l = locals === null ? null : locals.find((a) => a.family === f);
    const r = remotes === null ? null : remotes.find((a) => a.family === f);
    if (l === undefined || r === undefined) continue;
    pairs.push({ ...base, family: f, localAddr: l, remoteAddr: r });
  }
  if (pairs.length === 0) {
    throw new RangeError('createDatagramEndpoint: cannot get address information (no local and remote address of one family)');
  }
  let raw: RawDatagramSocket | null = null;
  const errors: unknown[] = [];
  for (const pair of pairs) {
    try {
      raw = await driver.open(pair);
      break;
    } catch (err) {
      errors.push(err);
    }
  }
  if (raw === null) throw errors[0];
  if (loop.isClosed()) {
    raw.abort();
    throw new EventLoopError('Event loop is closed');
  }
  let protocol: P;
  try {
    protocol = protocolFactory();
  } catch (err) {
    raw.abort();
    throw err;
  }
  const transport = new LoopDatagramTransport(loop, raw, protocol, ctx);
  await afterConnectionMade(loop, ctx, () => transport.abort());
  return [transport, protocol];
}

EventLoop.prototype.createDatagramEndpoint = function createDatagramEndpoint<P extends DatagramProtocol>(
  this: EventLoop,
  protocolFactory: () => P,
  options: DatagramEndpointOptions = {},
): Promise<[LoopDatagramTransport, P]> {
  if (typeof protocolFactory !== 'function') {
    throw new TypeError(`createDatagramEndpoint: protocolFactory must be a function, got ${typeof protocolFactory}`);
  }
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`createDatagramEndpoint: options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  if (this.isClosed()) throw new EventLoopError('Event loop is closed');
  const family = checkFamily(options.family);
  const local = options.localAddr == null ? null : splitAddress(options.localAddr, 'createDatagramEndpoint: localAddr');
  const remote = options.remoteAddr == null ? null : splitAddress(options.remoteAddr, 'createDatagramEndpoint: remoteAddr');
  if (local === null && remote === null && family === null) {
    throw new RangeError('createDatagramEndpoint: unexpected address family: pass family, localAddr or remoteAddr');
  }
  if (checkBoolean(options.reuseAddress, 'reuseAddress')) {
    throw new RangeError('createDatagramEndpoint: reuseAddress: true is not supported, as SO_REUSEADDR on UDP poses a security risk (asyncio refuses it too)');
  }
  const base = {
    reuseAddress: false,
    reusePort: checkBoolean(options.reusePort, 'reusePort'),
    allowBroadcast: checkBoolean(options.allowBroadcast, 'allowBroadcast'),
  };
  const driver = this._selector.datagram;
  if (driver === undefined) {
    throw new TypeError('createDatagramEndpoint: this loop\'s selector has no datagram driver (Selector.datagram)');
  }
  return openEndpoint(this, driver, protocolFactory, local, remote, family, base);
};
