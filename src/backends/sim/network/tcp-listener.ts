import type { PeerAddress } from '../../../loop/raw-stream.js';
import type { StreamListener } from '../../../loop/stream-driver.js';
import { familyOf, isWildcard, netError, socketAddress } from './hosts.js';
import type { NetworkCore } from './network-core.js';
import type { PortBinding } from './port-table.js';
import type { EndOwner, TcpEnd } from './tcp-end.js';

/** What a listening socket does with a connection that reached it. */
export interface Acceptor {
  /** Whether the next connection would be taken (false: it is refused, as a full list of scripts refuses). */
  accepting(): boolean;
  /** Take the server end of a new connection. */
  accept(end: TcpEnd): void;
}

/**
 * A listening socket in the simulated network (TCP on an address and port,
 * or a unix path): it accepts while open, and knows the connections it
 * accepted, so that closing it can wait until they are all gone (Node's
 * `server.close` callback).
 */
export class TcpListenerEntry implements PortBinding, EndOwner {
  readonly family: 'IPv4' | 'IPv6';
  private _closed = false;
  private readonly _ends = new Set<TcpEnd>();
  /** What `close()` returns, and how it is resolved once no accepted connection is left. */
  private _closing: Promise<void> | null = null;
  private _released: (() => void) | null = null;

  constructor(
    private readonly _core: NetworkCore,
    /** The IP address listened on (a wildcard, or `''` for a unix socket). */
    readonly address: string,
    readonly port: number,
    readonly path: string | null,
    readonly v6Only: boolean,
    readonly reusePort: boolean,
    private readonly _acceptor: Acceptor,
  ) {
    this.family = path !== null ? 'IPv4' : familyOf(address);
  }

  /** The address as a StreamListener gives it: `{ address, port, family }`, or the unix path. */
  get boundAddress(): PeerAddress {
    return this.path ?? socketAddress(this.address, this.port);
  }

  /** This listener as the io layer's StreamListener. */
  asStreamListener(): StreamListener {
    return { address: this.boundAddress, close: () => this.close() };
  }

  /** Whether a connection arriving now would be accepted. */
  accepting(): boolean {
    return !this._closed && this._acceptor.accepting();
  }

  accept(end: TcpEnd): void {
    this._ends.add(end);
    end.owner = this;
    this._acceptor.accept(end);
  }

  endFinished(end: TcpEnd): void {
    if (this._ends.delete(end) && this._ends.size === 0) this._released?.();
  }

  /** Stop listening at once (the address is free again); resolves once every accepted connection is gone. */
  close(): Promise<void> {
    if (this._closing !== null) return this._closing;
    this._closed = true;
    if (this.path !== null) {
      if (this._core.unix.get(this.path) === this) this._core.unix.delete(this.path);
    } else {
      this._core.tcp.remove(this);
    }
    this._closing = new Promise<void>((resolve) => {
      this._released = resolve;
    });
    if (this._ends.size === 0) this._released!();
    return this._closing;
  }
}

/** How to listen: an IP address and port (0: a free one), or a unix path. */
export type ListenPlace = { host: string; port: number; ipv6Only?: boolean; reusePort?: boolean; path?: undefined } | { path: string; host?: undefined };

/**
 * Open a listening socket: `EADDRINUSE` (thrown) when the address and port
 * or the path is taken. Listening on a specific address makes it a host;
 * `code` says whether the code under test listens (its address is then one
 * of the code's) or a peer does.
 */
export function openListener(core: NetworkCore, place: ListenPlace, acceptor: Acceptor, code: boolean): TcpListenerEntry {
  if (place.path !== undefined) {
    if (core.unix.has(place.path)) throw netError('EADDRINUSE', 'listen', place.path);
    const entry = new TcpListenerEntry(core, '', 0, place.path, false, false, acceptor);
    core.unix.set(place.path, entry);
    return entry;
  }
  const host = place.host;
  const family = familyOf(host);
  const v6Only = family === 'IPv6' && place.ipv6Only === true;
  const reusePort = place.reusePort === true;
  let port = place.port;
  if (port === 0) {
    port = core.tcp.ephemeral();
    if (port === 0) throw netError('EADDRINUSE', 'listen', socketAddress(host, 0));
  }
  const probe: PortBinding = { address: host, port, family, v6Only, reusePort };
  if (!isWildcard(host)) {
    if (code) core.topology.addCodeAddress(host);
    else core.topology.addHost(host);
  }
  if (core.tcp.conflicts(probe)) throw netError('EADDRINUSE', 'listen', socketAddress(host, port));
  const entry = new TcpListenerEntry(core, host, port, null, v6Only, reusePort, acceptor);
  core.tcp.add(entry);
  return entry;
}
