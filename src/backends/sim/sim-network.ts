import { parseAddress } from '../../io/addresses.js';
import type { Task } from '../../tasks/task.js';
import { describeValue } from '../../sync/describe-value.js';
import { Script } from './scripted-peer.js';
import type { SimContext, SimIo, SimOs, SimPart } from './sim-context.js';
import { checkHost, checkPort, DEFAULT_PEER_CLIENT_HOST, describeEnd, isWildcard } from './network/hosts.js';
import { checkLinkOptions, type LinkOptions } from './network/link-options.js';
import { NetworkCore } from './network/network-core.js';
import { connectPeer, listenPeer, type ListenPeer, type PeerListener, type StreamHandler } from './network/peers.js';
import { SimDatagramDriver } from './network/sim-datagram-driver.js';
import { SimStreamDriver } from './network/sim-stream-driver.js';
import type { TcpConnection } from './network/tcp-connection.js';

export type { LinkOptions } from './network/link-options.js';
export type { ListenPeer, PeerListener, StreamHandler } from './network/peers.js';

/** `network.connect`'s options. */
export interface PeerConnectOptions {
  /** Where the scripted client connects from: a host (`'10.0.0.2'` by default), or `[host, port]` / `{ address, port }`. */
  localAddr?: string | { address: string; port: number } | readonly [host: string, port: number];
}

function checkMs(ms: unknown, where: string): number {
  if (typeof ms !== 'number' || Number.isNaN(ms)) throw new TypeError(`${where}: ms must be a number, got ${describeValue(ms)}`);
  if (ms < 0 || !Number.isFinite(ms)) throw new RangeError(`${where}: ms must be a finite number >= 0, got ${ms}`);
  return ms;
}

function checkOffset(offsetMs: unknown): number {
  if (typeof offsetMs !== 'number' || Number.isNaN(offsetMs)) throw new TypeError(`setClockSkew: offsetMs must be a number, got ${describeValue(offsetMs)}`);
  if (!Number.isFinite(offsetMs)) throw new RangeError(`setClockSkew: offsetMs must be a finite number of ms, got ${offsetMs}`);
  return offsetMs;
}

/** A host whose clock is asked for: one host, not a wildcard. */
function checkClockHost(host: unknown, where: string): string {
  const h = checkHost(host, where);
  if (isWildcard(h)) throw new RangeError(`${where}: host must be one host, got the wildcard ${h}`);
  return h;
}

function checkPair(a: unknown, b: unknown, where: string): [string, string] {
  return [checkHost(a, where, 'a'), checkHost(b, where, 'b')];
}

/**
 * The world's in-memory network. Hosts are IP addresses (`'localhost'`
 * names 127.0.0.1): the code under test is on 127.0.0.1 (and ::1) unless it
 * binds elsewhere, and any address becomes a host when something listens or
 * binds there. The loop's TCP, unix socket and UDP methods run on it with
 * the Node backend's semantics, in virtual time, deterministically from the
 * world's seed: links give latency, jitter, bandwidth and UDP loss,
 * duplication and reordering; faults partition hosts, delay, reset and stop
 * reading; peers (`listen`, `connect`) are handlers or scripts run as world
 * tasks. Traces: `connect`, `send`, `recv`, `close`, `reset` with detail
 * `conn#<id> <src> -> <dst>` (and ` <n>B` for bytes, ` lost`/` dup`/` held`
 * for UDP faults, never payload), and `fault` for each fault.
 *
 * Each host has a wall clock, skewed by `setClockSkew`: with the world's
 * fake globals, `Date` (and `Date.now()`) read by code on a skewed host
 * shows virtual time plus that host's offset. Peers run on their host
 * (`listen(host, ...)`'s handlers and scripts, `connect`'s clients on their
 * `localAddr` host, and what they start); the code under test is on
 * 127.0.0.1. The loop's monotonic time (`loop.time()`, `performance.now()`)
 * is never skewed. `hostTime(host)` reads a host's wall clock without fake globals.
 */
export class SimNetwork implements SimPart {
  /** @internal */ readonly _ctx: SimContext;
  /** @internal the network's state */ readonly _core: NetworkCore;
  private readonly _stream: SimStreamDriver;
  private readonly _datagram: SimDatagramDriver;

  constructor(ctx: SimContext) {
    this._ctx = ctx;
    this._core = new NetworkCore(ctx);
    this._stream = new SimStreamDriver(this._core);
    this._datagram = new SimDatagramDriver(this._core);
  }

  /** @internal */
  _install(io: SimIo, _os: SimOs): void {
    io.stream = this._stream;
    io.datagram = this._datagram;
  }

  // ------------------------------------------------------------ links

  /**
   * Set the link between hosts `a` and `b` (both directions; `a` may equal
   * `b` for a host's loopback): options given replace those set before,
   * the others keep theirs (or the defaults). Applies at once, to
   * connections already open too.
   */
  link(a: string, b: string, options: LinkOptions): void {
    const [x, y] = checkPair(a, b, 'link');
    this._core.topology.setLink(x, y, checkLinkOptions(options, 'link'));
  }

  /** Set options for every link that does not set them itself (merged over earlier defaults). */
  setDefaults(options: LinkOptions): void {
    this._core.topology.setDefaults(checkLinkOptions(options, 'setDefaults'));
  }

  // ------------------------------------------------------------ faults

  /**
   * Cut `a` off from `b`: TCP bytes wait (and arrive after `heal`), UDP
   * datagrams are lost, connects time out unless healed first.
   */
  partition(a: string, b: string): void {
    const [x, y] = checkPair(a, b, 'partition');
    if (x === y) throw new RangeError(`partition: a and b must be different hosts, got ${x} twice`);
    this._core.topology.partition(x, y);
    this._core.trace('fault', `partition ${x} ${y}`);
  }

  /** Heal the partition between `a` and `b`, every partition of `a`, or (no arguments) all of them. */
  heal(a?: string, b?: string): void {
    const x = a === undefined ? undefined : checkHost(a, 'heal', 'a');
    const y = b === undefined ? undefined : checkHost(b, 'heal', 'b');
    if (x === undefined && y !== undefined) throw new TypeError('heal: b without a');
    this._core.topology.heal(x, y);
    this._core.trace('fault', x === undefined ? 'heal all' : y === undefined ? `heal ${x}` : `heal ${x} ${y}`);
    this._core.healed();
  }

  /**
   * Reset the open TCP connections between `a` and `b` (or all of `a`'s):
   * both ends get a reset now (the code sees `ECONNRESET` where it reads,
   * `EPIPE` where it writes next); bytes in flight are lost.
   */
  reset(a: string, b?: string): void {
    const x = checkHost(a, 'reset', 'a');
    const y = b === undefined ? undefined : checkHost(b, 'reset', 'b');
    const conns: TcpConnection[] = [];
    const seen = new Set<TcpConnection>();
    for (const end of this._core.ends) {
      const conn = end.conn;
      if (seen.has(conn)) continue;
      const { client, server } = conn;
      const hit =
        (client.host === x && (y === undefined || server.host === y)) || (server.host === x && (y === undefined || client.host === y));
      if (!hit) continue;
      seen.add(conn);
      conns.push(conn);
    }
    this._core.trace('fault', `reset ${x}${y === undefined ? '' : ` ${y}`} (${conns.length} connection${conns.length === 1 ? '' : 's'})`);
    for (const conn of conns) {
      this._core.trace('reset', `conn#${conn.id} ${describeEnd(conn.client.local)} -> ${describeEnd(conn.server.local)}`);
      conn.resetByFault();
    }
  }

  /** Add `ms` of one-way latency between `a` and `b`, both directions, until `delay(a, b, 0)`. */
  delay(a: string, b: string, ms: number): void {
    const [x, y] = checkPair(a, b, 'delay');
    const d = checkMs(ms, 'delay');
    this._core.topology.setDelay(x, y, d);
    this._core.trace('fault', `delay ${x} ${y} ${d}ms`);
  }

  /**
   * The connections whose own end is on `host` (and `port`, if given) stop
   * reading: their receive buffers fill, then their peers' send buffers,
   * then the peers' writers pause. Applies to connections made later too,
   * until `resumeReading`.
   */
  stopReading(host: string, port?: number): void {
    const h = checkHost(host, 'stopReading');
    const p = port === undefined ? undefined : checkPort(port, 'stopReading');
    this._core.stopReading(h, p);
    this._core.trace('fault', `stopReading ${h}${p === undefined ? '' : `:${p}`}`);
  }

  /**
   * Lift `stopReading(host)` (every rule for `host`) or `stopReading(host,
   * port)` (that rule only: a rule for the whole host still holds); the
   * ends read again, what they held first.
   */
  resumeReading(host: string, port?: number): void {
    const h = checkHost(host, 'resumeReading');
    const p = port === undefined ? undefined : checkPort(port, 'resumeReading');
    this._core.resumeReading(h, p);
    this._core.trace('fault', `resumeReading ${h}${p === undefined ? '' : `:${p}`}`);
  }

  // ------------------------------------------------------------ clocks

  /**
   * Skew `host`'s wall clock by `offsetMs` (negative: behind; 0 clears it;
   * `'localhost'` and ::1 name 127.0.0.1, the code under test's host): from
   * now on, `Date.now()` read by code on that host (peers already running
   * included) is `offsetMs` ahead of the world's virtual wall time. Traced as
   * a `fault`.
   */
  setClockSkew(host: string, offsetMs: number): void {
    const h = checkClockHost(host, 'setClockSkew');
    const ms = checkOffset(offsetMs);
    this._core.clocks.setSkew(h, ms);
    this._core.trace('fault', `clockSkew ${h} ${ms}ms`);
  }

  /** `host`'s clock skew in ms (0 when none is set). */
  clockSkew(host: string): number {
    return this._core.clocks.skewOf(checkClockHost(host, 'clockSkew'));
  }

  /**
   * What `Date.now()` reads on `host` now, with the world's fake globals:
   * whole ms since the epoch, from the virtual time elapsed and the host's
   * skew. Works without fake globals too (the epoch is then 0 unless the
   * world sets it).
   */
  hostTime(host: string): number {
    return this._core.clocks.hostTime(checkClockHost(host, 'hostTime'));
  }

  // ------------------------------------------------------------ peers

  /**
   * A peer listens on `host`:`port` (0: a free port; the peer lives on
   * `host`). `peer` is a stream handler `(reader, writer) => Promise<void>`
   * (as `startServer`'s), a Script replayed for every connection, or a list
   * of Scripts (each connection gets the next; one past the last is
   * refused). Each connection's peer runs as a world task. `EADDRINUSE`
   * (thrown) when the port is taken there.
   */
  listen(host: string, port: number, peer: ListenPeer): PeerListener {
    const h = checkHost(host, 'listen');
    if (isWildcard(h)) throw new RangeError(`listen: a peer listens on one host, got the wildcard ${h}`);
    const p = checkPort(port, 'listen');
    if (Array.isArray(peer)) {
      (peer as unknown[]).forEach((s, i) => {
        if (!(s instanceof Script)) throw new TypeError(`listen: peer[${i}] must be a Script, got ${describeValue(s)}`);
      });
    } else if (typeof peer !== 'function' && !(peer instanceof Script)) {
      throw new TypeError(`listen: peer must be a stream handler, a Script or a list of Scripts, got ${describeValue(peer)}`);
    }
    return listenPeer(this._core, h, p, peer);
  }

  /**
   * A scripted client (or a handler) connects to the code under test at
   * `host`:`port`, from host 10.0.0.2 unless `localAddr` says otherwise.
   * Returns its world task: it resolves when the script has finished and
   * rejects as a real client would (`ECONNREFUSED`, `ETIMEDOUT`).
   */
  connect(host: string, port: number, peer: Script | StreamHandler, opts: PeerConnectOptions = {}): Task<void> {
    const h = checkHost(host, 'connect');
    const p = checkPort(port, 'connect');
    if (typeof peer !== 'function' && !(peer instanceof Script)) {
      throw new TypeError(`connect: peer must be a Script or a stream handler, got ${describeValue(peer)}`);
    }
    if (opts === null || typeof opts !== 'object') throw new TypeError(`connect: opts must be an object, got ${describeValue(opts)}`);
    let from = DEFAULT_PEER_CLIENT_HOST;
    let fromPort = 0;
    const local = opts.localAddr;
    if (typeof local === 'string') from = checkHost(local, 'connect', 'localAddr');
    else if (local !== undefined && local !== null) {
      const parsed = parseAddress(local, 'connect: localAddr');
      from = checkHost(parsed.host, 'connect', 'localAddr');
      fromPort = parsed.port;
    }
    if (isWildcard(from)) throw new RangeError(`connect: localAddr must be one host, got the wildcard ${from}`);
    return connectPeer(this._core, from, fromPort, h, p, peer);
  }
}
