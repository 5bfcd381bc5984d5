import type { TimerHandle } from '../../../loop/handle.js';
import { CONNECT_TIMEOUT_MS, describeEnd, familyOf, isWildcard, loopbackOf, netError, normalizeAddress, socketAddress } from './hosts.js';
import type { HealWaiter, NetworkCore } from './network-core.js';
import { TcpConnection, type EndPoint } from './tcp-connection.js';
import type { TcpEnd } from './tcp-end.js';
import type { TcpListenerEntry } from './tcp-listener.js';
import { reverse, route as makeRoute, type Route } from './topology.js';

/** One connection attempt: both ends' places, where to look for the listener, and how to give up. */
interface ConnectRequest {
  client: EndPoint;
  server: EndPoint;
  /** The SYN's way (null: a unix socket). */
  route: Route | null;
  /** The listener the SYN reaches, if any (looked up when it arrives). */
  lookup(): TcpListenerEntry | undefined;
  /** The client's ephemeral port, held while connecting (handed to the end, else released). */
  heldPort: number | null;
  signal?: AbortSignal;
}

/**
 * asyncio's connect in the simulated network: the SYN takes the link's
 * one-way time to reach the listener, the SYN-ACK as long to come back
 * (the connection is made then). Where nothing listens the answer is a
 * reset: `ECONNREFUSED` after the round trip. An address that is no host,
 * or across a partition, never answers: `ETIMEDOUT` after 75 s of virtual
 * time (a heal before that lets the SYN through). Aborting the signal gives
 * up at once with its reason; a connection made meanwhile is reset.
 */
class ConnectAttempt implements HealWaiter {
  private _done = false;
  private _timeout: TimerHandle | null = null;
  private _syn: TimerHandle | null = null;
  private _conn: TcpConnection | null = null;
  private readonly _id: number;
  private readonly _tag: string;

  constructor(
    private readonly _core: NetworkCore,
    private readonly _req: ConnectRequest,
    private readonly _resolve: (end: TcpEnd) => void,
    private readonly _reject: (err: unknown) => void,
  ) {
    this._id = _core.newId();
    this._tag = `conn#${this._id} ${describeEnd(_req.client.address)} -> ${describeEnd(_req.server.address)}`;
  }

  begin(): void {
    const signal = this._req.signal;
    if (signal?.aborted === true) {
      this._fail(signal.reason);
      return;
    }
    signal?.addEventListener('abort', this._onAbort, { once: true });
    this._timeout = this._core.at(this._core.now() + CONNECT_TIMEOUT_MS, this._onTimeout);
    this._sendSyn();
  }

  onHeal(): void {
    if (!this._done && this._syn === null && this._conn === null) this._sendSyn();
  }

  private _sendSyn(): void {
    const core = this._core;
    const route = this._req.route;
    if (route !== null && (!core.topology.isHost(route.to) || core.topology.partitioned(route))) {
      core.waitForHeal(this);
      return;
    }
    this._syn = core.at(core.now() + core.oneWay(route), this._onSyn);
  }

  private readonly _onSyn = (): void => {
    this._syn = null;
    if (this._done) return;
    const core = this._core;
    const route = this._req.route;
    if (route !== null && core.topology.partitioned(route)) {
      core.waitForHeal(this);
      return;
    }
    const listener = this._req.lookup();
    if (listener === undefined || !listener.accepting()) {
      this._refuse();
      return;
    }
    const conn = new TcpConnection(core, this._id, this._req.client, this._req.server);
    this._conn = conn;
    if (this._req.heldPort !== null) conn.client.holdsPort = true;
    conn.client.onSynAck = this._established;
    listener.accept(conn.server);
    conn.server.out.sendSynAck();
  };

  private _refuse(): void {
    const core = this._core;
    const route = this._req.route;
    const back = route === null ? null : reverse(route);
    core.at(core.now() + core.oneWay(back), () => {
      if (this._done) return;
      core.trace('connect', `${this._tag} refused`);
      this._fail(netError('ECONNREFUSED', 'connect', this._req.server.address));
    });
  }

  private readonly _established = (): void => {
    const conn = this._conn!;
    if (this._done) {
      // The caller gave up meanwhile: the half-made connection is reset.
      conn.client.abort();
      return;
    }
    this._settle();
    this._core.trace('connect', this._tag);
    this._resolve(conn.client);
  };

  private readonly _onTimeout = (): void => {
    this._timeout = null;
    if (this._done) return;
    this._core.trace('connect', `${this._tag} timed out`);
    this._fail(netError('ETIMEDOUT', 'connect', this._req.server.address));
  };

  private readonly _onAbort = (): void => {
    if (this._done) return;
    this._core.trace('connect', `${this._tag} aborted`);
    this._fail(this._req.signal!.reason);
  };

  private _fail(err: unknown): void {
    if (this._done) return;
    this._settle();
    // Without a connection the port was never handed to an end.
    if (this._conn === null && this._req.heldPort !== null) this._core.useLocalPort(this._req.heldPort, -1);
    this._reject(err);
  }

  private _settle(): void {
    this._done = true;
    this._timeout?.cancel();
    this._timeout = null;
    this._syn?.cancel();
    this._syn = null;
    this._core.stopWaitingForHeal(this);
    this._req.signal?.removeEventListener('abort', this._onAbort);
  }
}

function attempt(core: NetworkCore, req: ConnectRequest): Promise<TcpEnd> {
  return new Promise<TcpEnd>((resolve, reject) => new ConnectAttempt(core, req, resolve, reject).begin());
}

/** Where and how an IP connection is opened. */
export interface IpConnectOptions {
  /** The address connected to (`0.0.0.0`/`::` mean the code's own). */
  host: string;
  port: number;
  /** The address connected from: the code's loopback of the family when absent or a wildcard. */
  localAddress?: string;
  /** The port connected from: a free one when absent or 0. */
  localPort?: number;
  signal?: AbortSignal;
  /** The code under test connects (its local address becomes one of the code's), else a peer. */
  code: boolean;
}

/**
 * Open a TCP connection in the simulated network and resolve to the
 * connecting end once connected. Rejects as Node does: `ECONNREFUSED`,
 * `ETIMEDOUT`, `EADDRINUSE` for a local port a listener holds, the
 * signal's reason when aborted.
 */
export function connectIp(core: NetworkCore, o: IpConnectOptions): Promise<TcpEnd> {
  let host = normalizeAddress(o.host);
  const family = familyOf(host);
  if (isWildcard(host)) host = loopbackOf(family);
  let local = o.localAddress === undefined ? undefined : normalizeAddress(o.localAddress);
  if (local === undefined || isWildcard(local)) local = loopbackOf(family);
  else if (familyOf(local) !== family) {
    return Promise.reject(netError('EINVAL', 'connect', socketAddress(host, o.port)));
  }
  let localPort = o.localPort ?? 0;
  if (localPort !== 0 && core.tcp.conflicts({ address: local, port: localPort, family, v6Only: false, reusePort: false })) {
    return Promise.reject(netError('EADDRINUSE', 'bind', socketAddress(local, localPort)));
  }
  if (localPort === 0) {
    localPort = core.tcp.ephemeral();
    if (localPort === 0) return Promise.reject(netError('EADDRNOTAVAIL', 'connect', socketAddress(host, o.port)));
  }
  if (o.code) core.topology.addCodeAddress(local);
  else core.topology.addHost(local);
  core.useLocalPort(localPort, 1);
  const dst = host;
  const port = o.port;
  return attempt(core, {
    client: { address: socketAddress(local, localPort), host: local },
    server: { address: socketAddress(dst, port), host: dst },
    route: makeRoute(local, dst),
    lookup: () => core.tcp.lookup(dst, port, family),
    heldPort: localPort,
    signal: o.signal,
  });
}

/** Connect to the unix socket at `path`: `ENOENT` when nothing listens there. */
export function connectUnix(core: NetworkCore, path: string, signal?: AbortSignal): Promise<TcpEnd> {
  if (!core.unix.has(path)) return Promise.reject(netError('ENOENT', 'connect', path));
  return attempt(core, {
    client: { address: '', host: null },
    server: { address: path, host: null },
    route: null,
    lookup: () => core.unix.get(path),
    heldPort: null,
    signal,
  });
}
