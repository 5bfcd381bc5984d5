import { isWildcard } from './hosts.js';

/** What holds a port: a listening socket, a bound UDP socket. */
export interface PortBinding {
  readonly address: string;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
  /** An IPv6 wildcard that does not take IPv4 too. */
  readonly v6Only: boolean;
  /** SO_REUSEPORT: sockets that all set it may share an address and port. */
  readonly reusePort: boolean;
}

/** The first and last port the simulated OS picks for port 0 (Linux's ip_local_port_range). */
export const EPHEMERAL_FIRST = 32768;
export const EPHEMERAL_LAST = 60999;

/**
 * The ports of one protocol (TCP listeners, or UDP sockets): who holds
 * which address and port, with the wildcard rules of a real OS, and which
 * free port to give for port 0 (in order from 32768, so equal runs get
 * equal ports). A wildcard holds the port on the code's addresses only:
 * peers are other machines.
 */
export class PortTable<T extends PortBinding> {
  private readonly _byPort = new Map<number, T[]>();
  private _next = EPHEMERAL_FIRST;
  /** Round-robin position among sockets sharing a port (SO_REUSEPORT). */
  private _turn = 0;

  constructor(
    private readonly _isCodeAddress: (address: string) => boolean,
    /** Ports in use some other way (connections' local ports), skipped when picking one. */
    private readonly _alsoInUse: (port: number) => boolean = () => false,
  ) {}

  /** Whether `b` may bind beside what holds its port now. */
  conflicts(b: PortBinding): boolean {
    const list = this._byPort.get(b.port);
    if (list === undefined) return false;
    return list.some((x) => this._overlap(x, b) && !(x.reusePort && b.reusePort));
  }

  /** Record `b` (the caller checked `conflicts`). */
  add(b: T): void {
    let list = this._byPort.get(b.port);
    if (list === undefined) {
      list = [];
      this._byPort.set(b.port, list);
    }
    list.push(b);
  }

  remove(b: T): void {
    const list = this._byPort.get(b.port);
    if (list === undefined) return;
    const i = list.indexOf(b);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this._byPort.delete(b.port);
  }

  /**
   * Who takes what arrives at `address`:`port`: an exact binding first, else
   * a wildcard of the family when `address` is the code's. Several sharing
   * the port take turns.
   */
  lookup(address: string, port: number, family: 'IPv4' | 'IPv6'): T | undefined {
    const list = this._byPort.get(port);
    if (list === undefined) return undefined;
    let found = list.filter((x) => x.address === address);
    if (found.length === 0 && this._isCodeAddress(address)) found = list.filter((x) => isWildcard(x.address) && this._wildcardTakes(x, family));
    if (found.length <= 1) return found[0];
    return found[this._turn++ % found.length];
  }

  /** Everything bound on `port` (a broadcast's receivers). */
  onPort(port: number): readonly T[] {
    return this._byPort.get(port) ?? [];
  }

  /** A free port for `address` (never 0): the next in the ephemeral range that nothing holds. */
  ephemeral(): number {
    const span = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
    for (let i = 0; i < span; i++) {
      const port = this._next;
      this._next = port === EPHEMERAL_LAST ? EPHEMERAL_FIRST : port + 1;
      if (!this._byPort.has(port) && !this._alsoInUse(port)) return port;
    }
    return 0;
  }

  private _wildcardTakes(w: PortBinding, family: 'IPv4' | 'IPv6'): boolean {
    return w.family === family || (w.family === 'IPv6' && !w.v6Only);
  }

  /** Whether two bindings claim some address in common. */
  private _overlap(x: PortBinding, y: PortBinding): boolean {
    if (x.address === y.address) return true;
    const xw = isWildcard(x.address);
    const yw = isWildcard(y.address);
    if (xw && yw) return this._wildcardTakes(x, y.family) || this._wildcardTakes(y, x.family);
    if (xw) return this._isCodeAddress(y.address) && this._wildcardTakes(x, y.family);
    if (yw) return this._isCodeAddress(x.address) && this._wildcardTakes(y, x.family);
    return false;
  }
}
