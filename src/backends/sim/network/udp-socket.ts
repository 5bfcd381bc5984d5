import type { TimerHandle } from '../../../loop/handle.js';
import type { RawDatagramEvents, RawDatagramSocket } from '../../../loop/datagram-driver.js';
import type { SocketAddress } from '../../../loop/raw-stream.js';
import { copyBytes } from '../../../io/streams/bytes.js';
import { describeEnd, isBroadcast, isWildcard, loopbackOf, netError, takesBroadcast } from './hosts.js';
import type { NetworkCore } from './network-core.js';
import type { PortBinding } from './port-table.js';
import { reverse, route as makeRoute, type Route } from './topology.js';

/** The longest a datagram held back for reordering waits for the next one on its path (virtual ms after it would have arrived). */
export const REORDER_MAX_HOLD_MS = 10;

type Held = { kind: 'message'; data: Uint8Array; from: SocketAddress } | { kind: 'error'; error: Error };

interface Outgoing {
  data: Uint8Array;
  dest: SocketAddress;
}

/** A datagram held back so that the next one on its path overtakes it. */
interface Reordered {
  data: Uint8Array;
  dest: SocketAddress;
  arrival: number;
  fallback: TimerHandle;
}

function sameAddress(a: SocketAddress, b: SocketAddress): boolean {
  return a.address === b.address && a.port === b.port;
}

/**
 * A UDP socket of the simulated network (the Node dgram driver's
 * semantics): bound to an address and port (a wildcard takes datagrams for
 * every address of the code's), optionally connected (it then sends only to
 * its peer and takes datagrams only from it). Each datagram crosses the
 * link between the hosts with its latency, jitter and bandwidth, and its
 * seeded chances of loss, duplication and reordering; across a partition,
 * or to an address that is no host, it is lost. A datagram for a port
 * nobody bound is dropped, and a connected sender is told `ECONNREFUSED`
 * (an ICMP port unreachable, as Linux reports it). A broadcast (with
 * `allowBroadcast`, else `EACCES`) to 255.255.255.255 reaches every socket
 * bound on its port, one to 127.255.255.255 those of the loopback network.
 * `sendBufferSize` counts what waits for the wire beyond the send buffer.
 */
export class UdpSocket implements RawDatagramSocket, PortBinding {
  readonly id: number;
  readonly v6Only = true;
  private _events: RawDatagramEvents | null = null;
  private _held: Held[] = [];
  private _queue: Outgoing[] = [];
  private _queued = 0;
  private _needDrain = false;
  private _closing = false;
  private _closed = false;
  private _wake: TimerHandle | null = null;
  private readonly _reordered = new Map<string, Reordered>();

  /** @internal made by the simulated datagram driver, already bound */
  constructor(
    private readonly _core: NetworkCore,
    /** The bound address (possibly a wildcard). */
    readonly address: string,
    readonly port: number,
    readonly family: 'IPv4' | 'IPv6',
    readonly reusePort: boolean,
    private readonly _peer: SocketAddress | null,
    private readonly _allowBroadcast: boolean,
  ) {
    this.id = _core.newId();
  }

  /** The host datagrams leave from and arrive at: the bound address, or the code's own for a wildcard. */
  get host(): string {
    return isWildcard(this.address) ? loopbackOf(this.family) : this.address;
  }

  /** Whether the socket takes a datagram from `from` (a connected one only from its peer). */
  takesFrom(from: SocketAddress): boolean {
    return !this._closed && (this._peer === null || sameAddress(this._peer, from));
  }

  start(events: RawDatagramEvents): void {
    if (this._events !== null) throw new Error('RawDatagramSocket.start: already started');
    this._events = events;
    const held = this._held;
    this._held = [];
    for (const item of held) this._report(item);
    if (this._closed) this._core.soon(() => events.close(null));
  }

  get sendBufferSize(): number {
    if (this._closed) return 0;
    return Math.max(0, this._queued - this._core.topology.defaults.sendBuffer);
  }

  send(data: Uint8Array, addr: SocketAddress | null): void {
    if (this._closing) return;
    const dest = addr ?? this._peer;
    if (dest === null) {
      this._failSoon(netError('EDESTADDRREQ', 'send'));
      return;
    }
    if (dest.family !== this.family) {
      this._failSoon(netError('EINVAL', 'send', dest));
      return;
    }
    if (isBroadcast(dest.address) && !this._allowBroadcast) {
      this._failSoon(netError('EACCES', 'send', dest));
      return;
    }
    // The caller may reuse its buffer: the kernel copies.
    const copy = copyBytes(data);
    this._queue.push({ data: copy, dest: { ...dest } });
    this._queued += copy.length;
    this._pump();
  }

  sockname(): SocketAddress {
    // A connected socket's address is the one its route leaves from.
    const address = this._peer !== null && isWildcard(this.address) ? this.host : this.address;
    return { address, port: this.port, family: this.family };
  }

  peername(): SocketAddress | null {
    return this._peer === null ? null : { ...this._peer };
  }

  close(): void {
    if (this._closing) return;
    this._closing = true;
    if (this._queue.length === 0) this._finish();
  }

  abort(): void {
    this._closing = true;
    this._queue = [];
    this._queued = 0;
    this._finish();
  }

  getExtraInfo(_name: string): unknown {
    return undefined;
  }

  /** @internal a datagram arrived for this socket */
  _receive(data: Uint8Array, from: SocketAddress): void {
    if (this._closed) return;
    this._core.trace('recv', `conn#${this.id} ${describeEnd(from)} -> ${describeEnd(this.sockname())} ${data.length}B`);
    this._report({ kind: 'message', data, from });
  }

  /** @internal the network reports an error for this socket (ICMP port unreachable) */
  _error(error: Error): void {
    if (this._closed) return;
    this._report({ kind: 'error', error });
  }

  private _report(item: Held): void {
    if (this._closed) return;
    const ev = this._events;
    if (ev === null) this._held.push(item);
    else if (item.kind === 'message') ev.message(item.data, item.from);
    else ev.error(item.error);
  }

  private _failSoon(error: Error): void {
    this._core.soon(() => this._error(error));
  }

  /** Put queued datagrams on the wire while their links are free. */
  private _pump(): void {
    const core = this._core;
    while (this._queue.length > 0) {
      const item = this._queue[0]!;
      const route: Route | null = isBroadcast(item.dest.address) ? null : makeRoute(this.host, item.dest.address);
      let onWire = core.now();
      if (route !== null) {
        const free = core.topology.busyUntil(route);
        if (free > onWire) {
          this._wake ??= core.at(free, this._onLinkFree);
          break;
        }
        onWire = core.topology.transmit(route, item.data.length, onWire);
      }
      this._queue.shift();
      this._queued -= item.data.length;
      this._dispatch(item, onWire);
    }
    if (this.sendBufferSize > 0) this._needDrain = true;
    else if (this._needDrain) {
      this._needDrain = false;
      this._events?.drain();
    }
    if (this._closing && this._queue.length === 0) this._finish();
  }

  private readonly _onLinkFree = (): void => {
    this._wake = null;
    if (!this._closed) this._pump();
  };

  private _dispatch(item: Outgoing, onWire: number): void {
    const core = this._core;
    const { data, dest } = item;
    const from: SocketAddress = { address: this.host, port: this.port, family: this.family };
    const tag = `conn#${this.id} ${describeEnd(from)} -> ${describeEnd(dest)} ${data.length}B`;
    if (isBroadcast(dest.address)) {
      core.trace('send', tag);
      for (const s of [...core.udp.onPort(dest.port)]) {
        if (s.family !== 'IPv4' || !s.takesFrom(from) || !takesBroadcast(dest.address, s.address)) continue;
        const route = makeRoute(this.host, s.host);
        if (core.topology.partitioned(route)) continue;
        core.at(onWire + core.oneWay(route), () => s._receive(data, from));
      }
      return;
    }
    const topology = core.topology;
    const route = makeRoute(this.host, dest.address);
    const link = topology.linkOf(route);
    const key = `${dest.address}|${dest.port}`;
    const overtaken = this._reordered.get(key);
    // All three are drawn for every datagram, so that one probability or fault never shifts the others' draws.
    const ctx = core.ctx;
    const unlucky = ctx.chance('loss', link.loss);
    const twice = ctx.chance('duplicate', link.duplicate);
    const late = ctx.chance('reorder', link.reorder);
    const lost = unlucky || !topology.isHost(dest.address) || topology.partitioned(route);
    const dup = !lost && twice;
    // Only a datagram with none held before it on its path may be held: the next one overtakes it.
    const held = !lost && late && overtaken === undefined;
    core.trace('send', `${tag}${lost ? ' lost' : ''}${dup ? ' dup' : ''}${held ? ' held' : ''}`);
    let lastAt = onWire;
    if (!lost) {
      const arrival = onWire + core.oneWay(route);
      lastAt = arrival;
      if (held) {
        const fallback = core.at(arrival + REORDER_MAX_HOLD_MS, () => {
          this._reordered.delete(key);
          this._arrive(data, from, dest, route);
        });
        this._reordered.set(key, { data, dest, arrival, fallback });
      } else {
        core.at(arrival, () => this._arrive(data, from, dest, route));
      }
      if (dup) {
        const again = onWire + core.oneWay(route);
        if (again > lastAt) lastAt = again;
        core.at(again, () => this._arrive(data, from, dest, route));
      }
    }
    if (overtaken !== undefined) {
      // This datagram overtook the held one: that one follows right after it.
      this._reordered.delete(key);
      overtaken.fallback.cancel();
      core.at(Math.max(lastAt, overtaken.arrival), () => this._arrive(overtaken.data, from, overtaken.dest, route));
    }
  }

  private _arrive(data: Uint8Array, from: SocketAddress, dest: SocketAddress, route: Route): void {
    const core = this._core;
    if (core.topology.partitioned(route)) return;
    const receiver = core.udp.lookup(dest.address, dest.port, dest.family);
    if (receiver !== undefined && receiver.takesFrom(from)) {
      receiver._receive(data, from);
      return;
    }
    // ICMP port unreachable: Linux reports it on a connected socket only.
    if (receiver === undefined && this._peer !== null && !this._closed) {
      const back = reverse(route);
      core.at(core.now() + core.oneWay(back), () => this._error(netError('ECONNREFUSED', 'recv', dest)));
    }
  }

  private _finish(): void {
    if (this._closed) return;
    this._closed = true;
    this._wake?.cancel();
    this._wake = null;
    this._core.udp.remove(this);
    const events = this._events;
    if (events !== null) this._core.soon(() => events.close(null));
  }
}
