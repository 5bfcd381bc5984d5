import type { PeerAddress, SocketAddress } from '../loop/raw-stream.js';
import { describeValue } from '../sync/describe-value.js';

/**
 * An address as callers may pass it: Node's `{ address, port }` or asyncio's
 * `[host, port]` (API.md, Conventions). The host may be a name where the
 * call resolves names.
 */
export type AddressLike = { address: string; port: number; family?: string } | readonly [host: string, port: number];

export type { PeerAddress, SocketAddress };

/** `[host, port]` or `{ address, port }` as `{ host, port }`; `TypeError`/`RangeError` naming `what` otherwise. */
export function parseAddress(value: unknown, what: string): { host: string; port: number } {
  let host: unknown;
  let port: unknown;
  if (Array.isArray(value)) {
    if (value.length !== 2) throw new TypeError(`${what} must be [host, port] or { address, port }, got an array of ${value.length}`);
    [host, port] = value as unknown[];
  } else if (value !== null && typeof value === 'object') {
    host = (value as { address?: unknown }).address;
    port = (value as { port?: unknown }).port;
  } else {
    throw new TypeError(`${what} must be [host, port] or { address, port }, got ${describeValue(value)}`);
  }
  if (typeof host !== 'string') throw new TypeError(`${what}: the host must be a string, got ${describeValue(host)}`);
  return { host, port: parsePort(port, `${what}: the port`) };
}

/** A port number 0..65535, or the digits of one. */
export function parsePort(value: unknown, what: string): number {
  let port = value;
  if (typeof port === 'string' && /^\d+$/.test(port)) port = Number(port);
  if (typeof port !== 'number' || Number.isNaN(port)) {
    throw new TypeError(`${what} must be a port number (service names are not supported), got ${describeValue(value)}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`${what} must be an integer from 0 to 65535, got ${port}`);
  return port;
}

/** Node's family name for an IP address of version 4 or 6. */
export function familyName(version: 4 | 6): 'IPv4' | 'IPv6' {
  return version === 6 ? 'IPv6' : 'IPv4';
}

/** `host:port` (`[host]:port` for IPv6), or the unix path, for messages. */
export function formatAddress(addr: PeerAddress | undefined): string {
  if (addr === undefined) return '?';
  if (typeof addr === 'string') return addr === '' ? '(unnamed)' : addr;
  return addr.family === 'IPv6' ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`;
}

/** An `Error` with a Node-style `code`, as the network calls reject with. */
export function codeError(code: string, message: string, props?: Record<string, unknown>): Error & { code: string } {
  return Object.assign(new Error(message), { code }, props);
}
