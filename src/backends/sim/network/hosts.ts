import { isIP } from 'node:net';
import { codeError, formatAddress } from '../../../io/addresses.js';
import type { PeerAddress, SocketAddress } from '../../../loop/raw-stream.js';
import { describeValue } from '../../../sync/describe-value.js';

/** The code under test's IPv4 address (and what `'localhost'` names). */
export const LOOPBACK_V4 = '127.0.0.1';
/** The code under test's IPv6 address. */
export const LOOPBACK_V6 = '::1';
/** Where a scripted client connects from unless told otherwise (API.md). */
export const DEFAULT_PEER_CLIENT_HOST = '10.0.0.2';
/** How long a connect waits for an answer that never comes before `ETIMEDOUT` (virtual ms). */
export const CONNECT_TIMEOUT_MS = 75_000;
/** The IPv4 limited broadcast address. */
export const BROADCAST_V4 = '255.255.255.255';
/** The broadcast address of the loopback network (127.0.0.0/8), which Linux delivers on `lo`. */
export const LOOPBACK_BROADCAST = '127.255.255.255';

/** Whether a datagram to `address` is a broadcast (it needs SO_BROADCAST). */
export function isBroadcast(address: string): boolean {
  return address === BROADCAST_V4 || address === LOOPBACK_BROADCAST;
}

/**
 * Whether a socket bound to `bound` gets a broadcast to `to`: every socket
 * on the port for the limited broadcast (the network's hosts are one
 * segment); for the loopback broadcast, those bound to a wildcard or to an
 * address of 127.0.0.0/8 (the broadcast address included).
 */
export function takesBroadcast(to: string, bound: string): boolean {
  return to === BROADCAST_V4 || isWildcard(bound) || bound.startsWith('127.');
}

/** An IP address's family. */
export function familyOf(address: string): 'IPv4' | 'IPv6' {
  return isIP(address) === 6 ? 'IPv6' : 'IPv4';
}

/** Whether `address` is a wildcard (every interface). */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** The code's own address of `family` (where it sends from when bound to no address). */
export function loopbackOf(family: 'IPv4' | 'IPv6'): string {
  return family === 'IPv6' ? LOOPBACK_V6 : LOOPBACK_V4;
}

/**
 * A host as the public API takes it: an IP address, `'localhost'` meaning
 * 127.0.0.1. TypeError for anything else (the simulated network has no
 * names: SimDns maps names to addresses).
 */
export function checkHost(host: unknown, where: string, name = 'host'): string {
  if (typeof host !== 'string') throw new TypeError(`${where}: ${name} must be an IP address or 'localhost', got ${describeValue(host)}`);
  if (host === 'localhost') return LOOPBACK_V4;
  if (isIP(host) === 0) throw new TypeError(`${where}: ${name} must be an IP address or 'localhost', got ${JSON.stringify(host)}`);
  return host.toLowerCase();
}

/** A port the public API takes: an integer 0..65535. */
export function checkPort(port: unknown, where: string): number {
  if (typeof port !== 'number' || Number.isNaN(port)) throw new TypeError(`${where}: port must be a number, got ${describeValue(port)}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`${where}: port must be an integer 0..65535, got ${port}`);
  return port;
}

/** An address as a driver is given it: `'localhost'` is 127.0.0.1, IPv6 in lower case. */
export function normalizeAddress(address: string): string {
  return address === 'localhost' ? LOOPBACK_V4 : address.toLowerCase();
}

/** `{ address, port, family }` for an IP address and port. */
export function socketAddress(address: string, port: number): SocketAddress {
  return { address, port, family: familyOf(address) };
}

/** An end's address in traces and messages: `host:port` (`[v6]:port`), a unix path, `(unnamed)`. */
export function describeEnd(addr: PeerAddress): string {
  return formatAddress(addr);
}

/** A Node-style network error: `<syscall> <code> <where>`, with `code`, `syscall` and the address. */
export function netError(code: string, syscall: string, addr?: PeerAddress): Error & { code: string } {
  if (addr === undefined) return codeError(code, `${syscall} ${code}`, { syscall });
  if (typeof addr === 'string') return codeError(code, `${syscall} ${code} ${addr}`, { syscall, address: addr });
  return codeError(code, `${syscall} ${code} ${formatAddress(addr)}`, { syscall, address: addr.address, port: addr.port });
}
