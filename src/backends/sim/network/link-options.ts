import { describeValue } from '../../../sync/describe-value.js';

/**
 * How a link between two hosts behaves (both directions alike), as
 * `network.link(a, b, options)` and `network.setDefaults(options)` take it.
 */
export interface LinkOptions {
  /** One-way delay in ms (default 0). */
  latency?: number;
  /** Each delivery adds a seeded uniform extra delay in [0, jitter] ms (default 0); one TCP connection's bytes stay in order. */
  jitter?: number;
  /** Bytes per second each direction can carry (default Infinity: no serialisation delay). */
  bandwidth?: number;
  /** UDP: probability 0..1 that a datagram is lost (default 0). */
  loss?: number;
  /** UDP: probability 0..1 that a datagram arrives twice (default 0). */
  duplicate?: number;
  /** UDP: probability 0..1 that a datagram is held back so that the next one on its path overtakes it (default 0). */
  reorder?: number;
  /** TCP: bytes a connection's sending end holds in its (kernel) send buffer (default 256 KiB). */
  sendBuffer?: number;
  /** TCP: bytes a connection's receiving end holds unread in its (kernel) receive buffer (default 256 KiB). */
  recvBuffer?: number;
}

/** Every option with its value: what a link's behaviour is computed from. */
export type LinkSettings = Required<LinkOptions>;

/** Default send and receive buffer of a simulated TCP connection (API.md: 256 KiB each). */
export const DEFAULT_SOCKET_BUFFER = 256 * 1024;

/** What a link is before any `link()` or `setDefaults()`: instant, lossless, unlimited. */
export const BUILTIN_LINK: LinkSettings = Object.freeze({
  latency: 0,
  jitter: 0,
  bandwidth: Infinity,
  loss: 0,
  duplicate: 0,
  reorder: 0,
  sendBuffer: DEFAULT_SOCKET_BUFFER,
  recvBuffer: DEFAULT_SOCKET_BUFFER,
});

const KEYS = new Set(Object.keys(BUILTIN_LINK));

function number(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${where}: ${name} must be a number, got ${describeValue(value)}`);
  return value;
}

/**
 * Check `options` (TypeError for a wrong type, NaN or an unknown key;
 * RangeError for a value out of range, each naming the option) and return
 * the options it sets, undefined ones left out.
 */
export function checkLinkOptions(options: unknown, where: string): LinkOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${where}: options must be an object, got ${describeValue(options)}`);
  }
  const out: LinkOptions = {};
  for (const [key, value] of Object.entries(options as Record<string, unknown>)) {
    if (!KEYS.has(key)) {
      throw new TypeError(`${where}: unknown option ${JSON.stringify(key)} (expected ${[...KEYS].join(', ')})`);
    }
    if (value === undefined) continue;
    const v = number(where, key, value);
    switch (key) {
      case 'latency':
      case 'jitter':
        if (v < 0 || !Number.isFinite(v)) throw new RangeError(`${where}: ${key} must be a finite number of ms >= 0, got ${v}`);
        break;
      case 'bandwidth':
        if (!(v > 0)) throw new RangeError(`${where}: bandwidth must be a positive number of bytes per second (or Infinity), got ${v}`);
        break;
      case 'loss':
      case 'duplicate':
      case 'reorder':
        if (v < 0 || v > 1) throw new RangeError(`${where}: ${key} must be a probability from 0 to 1, got ${v}`);
        break;
      case 'sendBuffer':
      case 'recvBuffer':
        if (!Number.isInteger(v) || v < 1) throw new RangeError(`${where}: ${key} must be a whole number of bytes >= 1, got ${v}`);
        break;
    }
    (out as Record<string, number>)[key] = v;
  }
  return out;
}
