import { BUILTIN_LINK, type LinkOptions, type LinkSettings } from './link-options.js';
import { LOOPBACK_V4, LOOPBACK_V6 } from './hosts.js';

/** One direction between two hosts: what a byte crosses (with its lookup keys, made once). */
export interface Route {
  readonly from: string;
  readonly to: string;
  /** The link's key (the same both ways). */
  readonly pair: string;
  /** This direction's key. */
  readonly dir: string;
  /** @internal the link's settings when the topology's settings were at `_version` (looked up per segment: cached) */
  _settings: LinkSettings;
  /** @internal */
  _version: number;
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** The route from host `from` to host `to`. */
export function route(from: string, to: string): Route {
  return { from, to, pair: pairKey(from, to), dir: `${from}>${to}`, _settings: BUILTIN_LINK, _version: -1 };
}

/** The same link the other way. */
export function reverse(r: Route): Route {
  return { from: r.to, to: r.from, pair: r.pair, dir: `${r.to}>${r.from}`, _settings: BUILTIN_LINK, _version: -1 };
}

/**
 * The hosts of the simulated network and what lies between them: link
 * settings (defaults, then per pair), partitions, extra delays, and how busy
 * each direction of each link is (bandwidth is shared by everything that
 * crosses it). Links are symmetric; each direction serialises on its own.
 */
export class Topology {
  /** Addresses that answer (a connect to any other gets no answer). */
  private readonly _hosts = new Set<string>([LOOPBACK_V4, LOOPBACK_V6]);
  /** The code under test's own addresses: what a wildcard listener or socket accepts on. */
  private readonly _code = new Set<string>([LOOPBACK_V4, LOOPBACK_V6]);
  private _defaults: LinkSettings = BUILTIN_LINK;
  private readonly _links = new Map<string, LinkOptions>();
  /** Effective settings per pair, rebuilt after any change. */
  private readonly _cache = new Map<string, LinkSettings>();
  private readonly _partitions = new Set<string>();
  private readonly _delays = new Map<string, number>();
  /** Per direction (`from>to`): when the link is free to start the next transmission. */
  private readonly _busy = new Map<string, number>();
  /** Bumped by every change of link settings: what routes cached before is stale. */
  private _version = 0;

  /** Whether `address` is a host of the network. */
  isHost(address: string): boolean {
    return this._hosts.has(address);
  }

  /** Make `address` a host (something listens or binds there, or a peer lives there). */
  addHost(address: string): void {
    this._hosts.add(address);
  }

  /** Whether `address` is one of the code under test's addresses. */
  isCodeAddress(address: string): boolean {
    return this._code.has(address);
  }

  /** The code under test listens, binds or connects from `address`: it is the code's, and a host. */
  addCodeAddress(address: string): void {
    this._code.add(address);
    this._hosts.add(address);
  }

  /** Set options for every link (merged over the earlier defaults). */
  setDefaults(options: LinkOptions): void {
    this._defaults = Object.freeze({ ...this._defaults, ...options });
    this._cache.clear();
    this._version++;
  }

  /** Set options for the link between `a` and `b` (merged over what it had). */
  setLink(a: string, b: string, options: LinkOptions): void {
    const key = pairKey(a, b);
    this._links.set(key, { ...this._links.get(key), ...options });
    this._cache.delete(key);
    this._version++;
  }

  /** The settings of the link between `a` and `b`. */
  settings(a: string, b: string): LinkSettings {
    return this.settingsOf(pairKey(a, b));
  }

  /** The settings of the link with key `key` (a Route's `pair`). */
  settingsOf(key: string): LinkSettings {
    let s = this._cache.get(key);
    if (s === undefined) {
      const own = this._links.get(key);
      s = own === undefined ? this._defaults : Object.freeze({ ...this._defaults, ...own });
      this._cache.set(key, s);
    }
    return s;
  }

  /** The settings of `route`'s link (`settingsOf(route.pair)`, without a lookup while nothing changed). */
  linkOf(route: Route): LinkSettings {
    if (route._version !== this._version) {
      route._settings = this.settingsOf(route.pair);
      route._version = this._version;
    }
    return route._settings;
  }

  /** The default settings (what a unix socket's buffers follow). */
  get defaults(): LinkSettings {
    return this._defaults;
  }

  partition(a: string, b: string): void {
    this._partitions.add(pairKey(a, b));
  }

  /** Heal one pair, every pair of `a`, or all; returns whether anything was healed. */
  heal(a?: string, b?: string): boolean {
    const before = this._partitions.size;
    if (a === undefined) this._partitions.clear();
    else if (b !== undefined) this._partitions.delete(pairKey(a, b));
    else {
      for (const key of [...this._partitions]) {
        const [x, y] = key.split('|');
        if (x === a || y === a) this._partitions.delete(key);
      }
    }
    return this._partitions.size !== before;
  }

  /** Whether `route` crosses a partition. */
  partitioned(route: Route): boolean {
    return this._partitions.size > 0 && this._partitions.has(route.pair);
  }

  /** Set (ms > 0) or clear (0) the extra one-way delay between `a` and `b`. */
  setDelay(a: string, b: string, ms: number): void {
    if (ms === 0) this._delays.delete(pairKey(a, b));
    else this._delays.set(pairKey(a, b), ms);
  }

  /**
   * How long one delivery along `route` takes once on the wire: latency,
   * extra delay, and a draw of jitter from `random` (only when the link has
   * jitter, so that other runs' draws do not shift).
   */
  oneWay(route: Route, random: () => number): number {
    const s = this.linkOf(route);
    let ms = s.latency;
    if (this._delays.size > 0) ms += this._delays.get(route.pair) ?? 0;
    if (s.jitter > 0) ms += random() * s.jitter;
    return ms;
  }

  /** When `route`'s direction is free to start a transmission. */
  busyUntil(route: Route): number {
    return this._busy.get(route.dir) ?? -Infinity;
  }

  /**
   * Put `n` bytes on `route`'s wire starting `now` (the caller checked it is
   * free): returns when the last byte is on it. Unlimited bandwidth: `now`.
   */
  transmit(route: Route, n: number, now: number): number {
    const bw = this.linkOf(route).bandwidth;
    if (bw === Infinity || n === 0) return now;
    const end = now + (n * 1000) / bw;
    this._busy.set(route.dir, end);
    return end;
  }
}
