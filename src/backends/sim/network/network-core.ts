import type { EventLoop } from '../../../loop/event-loop.js';
import { EMPTY_ARGS, type TimerHandle } from '../../../loop/handle.js';
import type { SimContext } from '../sim-context.js';
import { HostClocks } from './host-clocks.js';
import { PortTable } from './port-table.js';
import type { TcpDirection } from './tcp-direction.js';
import type { TcpEnd } from './tcp-end.js';
import type { TcpListenerEntry } from './tcp-listener.js';
import { Topology, type Route } from './topology.js';
import type { UdpSocket } from './udp-socket.js';

/** Something that waits for a partition to heal (a direction with bytes to send, a SYN to resend). */
export interface HealWaiter {
  onHeal(): void;
}

/**
 * The shared state of one simulated network: the world's loop and seeded
 * randomness, the topology, the port tables, the open connections and what
 * waits for a heal, the reading faults, the hosts' clocks, ids and the trace. Every network
 * event is a loop-internal timer, so autojump moves time to it and a task
 * waiting for bytes in flight is never a deadlock.
 */
export class NetworkCore {
  readonly loop: EventLoop;
  readonly topology = new Topology();
  /** TCP listening sockets by address and port. */
  readonly tcp: PortTable<TcpListenerEntry>;
  /** UDP sockets by address and port. */
  readonly udp: PortTable<UdpSocket>;
  /** Unix listening sockets by path. */
  readonly unix = new Map<string, TcpListenerEntry>();
  /** Open connection ends (reading faults and resets reach them), in the order they were made. */
  readonly ends = new Set<TcpEnd>();
  /** Local ports of open TCP connections: never handed out as ephemeral ports. */
  private readonly _localPorts = new Map<number, number>();
  private readonly _healWaiters = new Set<HealWaiter>();
  /** `host` or `host|port` whose ends stop reading. */
  private readonly _stopped = new Set<string>();
  private _nextId = 1;
  /** Draws one jitter value (bound once: directions call it per delivery). */
  readonly jitter: () => number;
  /** The hosts' wall clocks (clock skew). */
  readonly clocks: HostClocks;

  constructor(readonly ctx: SimContext) {
    this.loop = ctx.loop;
    this.tcp = new PortTable((a) => this.topology.isCodeAddress(a), (p) => this._localPorts.has(p));
    this.udp = new PortTable((a) => this.topology.isCodeAddress(a));
    this.jitter = () => ctx.random('jitter');
    this.clocks = new HostClocks(ctx.clock);
  }

  /** A fresh id for a connection or datagram socket (`conn#<id>` in traces). */
  newId(): number {
    return this._nextId++;
  }

  now(): number {
    return this.loop.time();
  }

  /** Run `fn(...args)` at virtual time `when` (a loop-internal timer). */
  at(when: number, fn: (...a: any[]) => unknown, args: unknown[] = EMPTY_ARGS): TimerHandle {
    return this.loop._timerInternal(when, fn, args);
  }

  /** Run `fn(...args)` in a loop callback soon (not inside the caller's call). */
  soon(fn: (...a: any[]) => unknown, args: unknown[] = EMPTY_ARGS): void {
    if (this.loop.isClosed()) return;
    this.loop._scheduleInternal(fn, args, null, 0);
  }

  trace(kind: string, detail: string): void {
    this.ctx.trace(kind, detail);
  }

  /** One-way delivery time along `route` (null: a unix socket, instant). */
  oneWay(route: Route | null): number {
    return route === null ? 0 : this.topology.oneWay(route, this.jitter);
  }

  /** The send buffer of `d`'s sending end (its link's, or the defaults for a unix socket). */
  sendBufferOf(d: TcpDirection): number {
    const r = d.route;
    return r === null ? this.topology.defaults.sendBuffer : this.topology.linkOf(r).sendBuffer;
  }

  /** The receive buffer of `d`'s receiving end. */
  recvBufferOf(d: TcpDirection): number {
    const r = d.route;
    return r === null ? this.topology.defaults.recvBuffer : this.topology.linkOf(r).recvBuffer;
  }

  /** A connection's local port came into use, or went out of it. */
  useLocalPort(port: number, delta: 1 | -1): void {
    const n = (this._localPorts.get(port) ?? 0) + delta;
    if (n <= 0) this._localPorts.delete(port);
    else this._localPorts.set(port, n);
  }

  /** `end` is gone: it no longer reads, and its ephemeral port is free. */
  endGone(end: TcpEnd): void {
    this.ends.delete(end);
    if (end.holdsPort) {
      end.holdsPort = false;
      this.useLocalPort(end.port, -1);
    }
  }

  /** Wait for the next heal (once). */
  waitForHeal(w: HealWaiter): void {
    this._healWaiters.add(w);
  }

  stopWaitingForHeal(w: HealWaiter): void {
    this._healWaiters.delete(w);
  }

  /** A partition healed: everything that waited tries again (in the order it began to wait). */
  healed(): void {
    const waiters = [...this._healWaiters];
    this._healWaiters.clear();
    for (const w of waiters) w.onHeal();
  }

  /** Whether the end on `host`:`port` is kept from reading by a stopReading fault. */
  isStopped(host: string | null, port: number): boolean {
    if (this._stopped.size === 0 || host === null) return false;
    return this._stopped.has(host) || this._stopped.has(`${host}|${port}`);
  }

  stopReading(host: string, port: number | undefined): void {
    this._stopped.add(port === undefined ? host : `${host}|${port}`);
  }

  /** Lift stopReading for `host` (every rule of it) or for `host`:`port` (that rule); the ends it frees read again. */
  resumeReading(host: string, port: number | undefined): void {
    if (port === undefined) {
      for (const key of [...this._stopped]) if (key === host || key.startsWith(`${host}|`)) this._stopped.delete(key);
    } else {
      this._stopped.delete(`${host}|${port}`);
    }
    for (const end of this.ends) if (end.host === host && (port === undefined || end.port === port)) end.scheduleFlush();
  }
}
