import type { TimerHandle } from '../../../loop/handle.js';
import { ChunkQueue } from './chunk-queue.js';
import type { HealWaiter, NetworkCore } from './network-core.js';
import { Ring } from './ring.js';
import type { TcpEnd } from './tcp-end.js';
import type { Route } from './topology.js';

/** The most bytes one segment carries (and one `data` event delivers). */
export const SEGMENT_SIZE = 64 * 1024;

/** A packet without payload. */
interface Control {
  readonly kind: 'fin' | 'rst' | 'syn-ack';
}

/** A data segment of a charged direction (TLS records): its bytes, and the bytes it counts for. */
export class ChargedSegment {
  readonly kind = 'charged';
  constructor(
    readonly bytes: Uint8Array,
    readonly charge: number,
  ) {}
}

/** What crosses the wire from one end of a connection to the other: a data segment's bytes, or a control packet. */
export type Packet = Uint8Array | Control | ChargedSegment;

const FIN: Control = { kind: 'fin' };
const RST: Control = { kind: 'rst' };
const SYN_ACK: Control = { kind: 'syn-ack' };

/**
 * One direction of a TCP (or unix) connection, from the sending end to the
 * receiving one, modelled as a real socket pair does it: what the sender
 * writes goes to its user-space buffer (`writeBufferSize`), from there into
 * its kernel send buffer while that has room, and from there onto the wire
 * in segments while the receiver's window allows (its receive buffer minus
 * what is unread or in flight). A segment takes `bytes / bandwidth` to put
 * on the wire (the link's direction is busy meanwhile) and then the link's
 * latency, delay and jitter to arrive, never before the segment sent before
 * it (one connection's bytes stay in order, whatever the scheduler). Across
 * a partition nothing is sent, and what arrives waits; both go on, in
 * order, after the heal.
 *
 * Chunks written with a charge (`writeCharged`: TLS records) count for
 * their charge instead of their length everywhere sizes matter (the
 * sender's buffers, the receiver's window and unread bytes, segments,
 * bandwidth) and are never split, so that what a TLS connection's timing
 * depends on is the same on every run even though its ciphertext lengths
 * are not. A record over the window waits until the receiver has read
 * everything before it (then it goes alone, even over the receive buffer).
 */
export class TcpDirection implements HealWaiter {
  private readonly _user = new ChunkQueue();
  private readonly _kernel = new ChunkQueue();
  private _finWanted = false;
  private _finSent = false;
  private _rstSent = false;
  /** The sender's buffer was above 0: report drain when it is 0 again. */
  private _needDrain = false;
  /** Data bytes on the wire (or held at a partition): they count against the receiver's window. */
  private _inFlight = 0;
  /** When the last packet arrives: later ones never arrive before it. */
  private _lastArrival = -Infinity;
  /** Packets on the wire, in order, and when each arrives (the same index in `_due`). */
  private readonly _wire = new Ring<Packet>();
  private readonly _due = new Ring<number>();
  /** The timer of the head's arrival (one at a time). */
  private _arrival: TimerHandle | null = null;
  /** The head arrived at a partition: the wire waits for the heal. */
  private _stalled = false;
  /** `_onArrival` is delivering: it times the next arrival itself when done. */
  private _delivering = false;
  /** A transmission waits for the link to be free. */
  private _wake: TimerHandle | null = null;
  private _advancing = false;
  /** The connection was reset by a fault: nothing more crosses. */
  private _dead = false;

  constructor(
    private readonly _core: NetworkCore,
    readonly from: TcpEnd,
    readonly to: TcpEnd,
    /** null for a unix socket: no link, no latency. */
    readonly route: Route | null,
  ) {}

  /** Whether this direction carried a reset (sent at most once). */
  get rstSent(): boolean {
    return this._rstSent;
  }

  /** Bytes the sender holds beyond what the network accepted (its `writeBufferSize`). */
  get userBytes(): number {
    return this._user.bytes;
  }

  /** Queue bytes the sender wrote (its own copy) and send what can be sent. */
  write(bytes: Uint8Array): void {
    this._user.push(bytes);
    this.advance();
  }

  /** Queue chunks (the direction's own) that count for `charges[i]` bytes each, and send what can be sent. */
  writeCharged(chunks: readonly Uint8Array[], charges: readonly number[]): void {
    for (let i = 0; i < chunks.length; i++) this._user.pushCharged(chunks[i]!, charges[i]!);
    this.advance();
  }

  /** Send FIN after everything queued. */
  requestFin(): void {
    if (this._finWanted) return;
    this._finWanted = true;
    this.advance();
  }

  /**
   * Drop what is queued and send a reset, ordered after what is already on
   * the wire (asyncio's abort; the OS's answer to bytes for a closed socket).
   */
  sendReset(): void {
    if (this._rstSent || this._dead) return;
    this._rstSent = true;
    this._user.clear();
    this._kernel.clear();
    this._needDrain = false;
    this._send(RST, 0);
  }

  /** Drop what the sender queued (its connection is gone): nothing more is sent. */
  discardQueued(): void {
    this._user.clear();
    this._kernel.clear();
    this._needDrain = false;
    this._finWanted = false;
  }

  /** The SYN-ACK that tells the connecting side it is connected: the first packet back. */
  sendSynAck(): void {
    this._send(SYN_ACK, 0);
  }

  /** A fault reset the connection: in-flight, held and queued bytes are gone. */
  kill(): void {
    this._dead = true;
    this._user.clear();
    this._kernel.clear();
    this._wire.clear();
    this._due.clear();
    this._arrival?.cancel();
    this._arrival = null;
    this._wake?.cancel();
    this._wake = null;
    this._core.stopWaitingForHeal(this);
  }

  /**
   * Move bytes from the sender's buffer into its send buffer and onto the
   * wire as far as room, window, link and partitions allow; report drain
   * when the sender's buffer emptied. Called after a write, when the
   * receiver read (its window opened), when the link is free, after a heal.
   */
  advance(): void {
    if (this._advancing || this._dead) return;
    this._advancing = true;
    try {
      do this._refill();
      while (this._sendOne());
      this._refill();
    } finally {
      this._advancing = false;
    }
    if (this._needDrain && this._user.bytes === 0) {
      this._needDrain = false;
      this.from.onDrained();
    }
  }

  onHeal(): void {
    if (this._dead) return;
    this._restartWire();
    this.advance();
  }

  private _refill(): void {
    const user = this._user;
    if (user.size === 0) return;
    const cap = this._core.sendBufferOf(this);
    const kernel = this._kernel;
    // Whole chunks move as they are: the send buffer coalesces them into segments later.
    while (user.size > 0 && kernel.bytes < cap) user.moveChunkTo(kernel, cap - kernel.bytes);
    if (user.bytes > 0) this._needDrain = true;
  }

  /** Put one segment (or the FIN) on the wire if it may go now; false when nothing more can go. */
  private _sendOne(): boolean {
    const kernel = this._kernel;
    const finDue = this._finWanted && !this._finSent && kernel.size === 0 && this._user.size === 0;
    if (kernel.size === 0 && !finDue) return false;
    const route = this.route;
    const core = this._core;
    if (route !== null) {
      if (core.topology.partitioned(route)) {
        core.waitForHeal(this);
        return false;
      }
      const free = core.topology.busyUntil(route);
      if (free > core.now()) {
        this._wake ??= core.at(free, this._onLinkFree);
        return false;
      }
    }
    if (finDue) {
      this._finSent = true;
      this._send(FIN, 0);
      return false;
    }
    const window = core.recvBufferOf(this) - this.to.unreadBytes - this._inFlight;
    if (kernel.charged) return this._sendCharged(window);
    const n = Math.min(kernel.bytes, window, SEGMENT_SIZE);
    // A closed window opens when the receiver reads: it calls advance().
    if (n <= 0) return false;
    const bytes = kernel.take(n);
    this._inFlight += n;
    this._send(bytes, n);
    return true;
  }

  /** `_sendOne` for a charged direction: whole records, sized by their charges. */
  private _sendCharged(window: number): boolean {
    const empty = this._inFlight === 0 && this.to.unreadBytes === 0;
    const bytes = this._kernel.takeSegment(Math.min(window, SEGMENT_SIZE), empty);
    // A closed window opens when the receiver reads: it calls advance().
    if (bytes === null) return false;
    const charge = this._kernel.segmentCharge;
    this._inFlight += charge;
    this._send(new ChargedSegment(bytes, charge), charge);
    return true;
  }

  private readonly _onLinkFree = (): void => {
    this._wake = null;
    this.advance();
  };

  private _send(packet: Packet, n: number): void {
    const core = this._core;
    const now = core.now();
    const route = this.route;
    const onWire = route === null ? now : core.topology.transmit(route, n, now);
    let at = onWire + core.oneWay(route);
    if (at < this._lastArrival) at = this._lastArrival;
    this._lastArrival = at;
    this._wire.push(packet);
    this._due.push(at);
    if (!this._delivering) this._armArrival();
  }

  /** Time the head's arrival (one timer at a time, never later than the head is due). */
  private _armArrival(): void {
    if (this._arrival !== null || this._stalled || this._wire.size === 0) return;
    this._arrival = this._core.at(this._due.at(0)!, this._onArrival);
  }

  /**
   * The packet at the head of the wire is due: deliver it and every other
   * one due now, in order (one timer per direction at a time, so no
   * scheduler can swap two packets due at the same instant). Across a
   * partition the wire stalls until the heal.
   */
  private readonly _onArrival = (): void => {
    this._arrival = null;
    if (this._dead) return;
    const core = this._core;
    const route = this.route;
    if (route !== null && core.topology.partitioned(route)) {
      this._stalled = true;
      core.waitForHeal(this);
      return;
    }
    const wire = this._wire;
    const due = this._due;
    const now = core.now();
    // Only what was on the wire when this timer fired: bytes sent meanwhile
    // (the window opened as these were read) arrive in a later callback, so
    // the receiver gets to run (and pause) between them, as a real reader does.
    let left = wire.size;
    this._delivering = true;
    try {
      while (left > 0 && due.at(0)! <= now) {
        left--;
        due.shift();
        this._deliver(wire.shift()!);
        if (this._dead) return;
      }
    } finally {
      this._delivering = false;
    }
    this._armArrival();
  };

  /** After a heal: what waited at the partition arrives one trip later, in order, before anything sent since. */
  private _restartWire(): void {
    if (!this._stalled) return;
    this._stalled = false;
    const core = this._core;
    const base = core.now() + core.oneWay(this.route);
    const due = this._due;
    for (let i = 0; i < due.size; i++) if (due.at(i)! < base) due.setAt(i, base);
    if (this._lastArrival < base) this._lastArrival = base;
    this._armArrival();
  }

  private _deliver(packet: Packet): void {
    if (packet instanceof Uint8Array) {
      this._inFlight -= packet.length;
      this.to.receiveData(packet);
      return;
    }
    switch (packet.kind) {
      case 'fin':
        this.to.receiveFin();
        break;
      case 'rst':
        this.to.receiveReset();
        break;
      case 'syn-ack':
        this.to.receiveSynAck();
        break;
      case 'charged':
        this._inFlight -= packet.charge;
        this.to.receiveData(packet.bytes, packet.charge);
        break;
    }
  }
}
