import { InvalidStateError } from '../errors.js';
import type { CapturedContext } from '../loop/async-context.js';
import type { EventLoop } from '../loop/event-loop.js';
import type { RawStream, RawStreamEvents } from '../loop/raw-stream.js';
import { describeValue } from '../sync/describe-value.js';
import { Future } from '../tasks/future.js';
import type { StreamProtocol } from './protocols.js';
import { Socket } from './socket.js';
import { checkLimits, DEFAULT_HIGH_WATER } from './write-buffer-limits.js';
import type { Transport } from './transports.js';

/** asyncio's default high-water mark (64 KiB); the low one defaults to a quarter of the high. */

/** After this many writes to a lost connection, each further one logs a warning (asyncio's LOG_THRESHOLD_FOR_CONNLOST_WRITES). */
const CONNLOST_WRITE_WARN_THRESHOLD = 5;

/** Who keeps count of a transport (a Server, for `closeClients` and `waitClosed`). */
export interface TransportOwner {
  _attach(client: ClosableClient): void;
  _detach(client: ClosableClient): void;
}

/** What an owner can do with what it counts: a transport, or a TLS handshake in progress. */
export interface ClosableClient {
  close(): void;
  abort(): void;
}

/** How a StreamTransport starts. */
export interface StreamTransportOptions {
  /** The server the connection belongs to (attached at once, detached after `connectionLost`). */
  server?: TransportOwner | null;
  /** Call the protocol's `connectionMade` first (false after `startTls`, as asyncio). Default true. */
  connectionMade?: boolean;
}

/** What `_detachForTls` hands to the TLS upgrade. */
export interface DetachedTransport {
  raw: RawStream;
  /** Bytes received and not yet given to the protocol. */
  pending: Uint8Array[];
  server: TransportOwner | null;
}

/** A queued read event: a chunk, EOF, or the end of the connection. */
type ReadEvent = Uint8Array | typeof EOF | LostEvent;
const EOF = Symbol('EOF');
interface LostEvent {
  error: Error | null;
}

/** Read-queue slots a drained transport keeps for reuse; a larger array (left by a burst) is dropped. */
const MAX_KEPT_SLOTS = 64;

const encoder = new TextEncoder();
/** The arguments of every callback the transport schedules: none (one shared array, not one per event; the loop never mutates it). */
const NO_ARGS: unknown[] = [];

/**
 * asyncio's `_SelectorSocketTransport` on a backend's RawStream, so TCP,
 * unix and TLS connections behave alike on every backend. The protocol's
 * `connectionMade` comes first; `dataReceived` and `eofReceived` follow in
 * the order the bytes came, one loop callback each (held while reading is
 * paused); `connectionLost` comes last, exactly once. An `eofReceived` that
 * does not return true closes the transport (over TLS it always does).
 * Writes go to the stream's buffer; above the high-water mark the protocol
 * is paused (`pauseWriting`, within the `write` that crossed it) and resumed
 * (`resumeWriting`) once the buffer drained to the low one. Protocol
 * callbacks run in the async context of the code that made the connection.
 */
export class StreamTransport implements Transport {
  private _protocol: StreamProtocol;
  private readonly _ctx: CapturedContext;
  private _server: TransportOwner | null;
  private _closing = false;
  private _eofWritten = false;
  /** Set when the protocol's `connectionLost` is due (or was called). */
  private _lost = false;
  private _lostWrites = 0;
  /** Handed over to a TLS layer by `startTls`: reports nothing more. */
  private _detached = false;
  private _readPaused = false;
  private _protocolPaused = false;
  /** The error `connectionLost` gets after a forced close (a protocol callback failed). */
  private _forcedError: Error | null = null;
  private _aborted = false;
  /** The stream reported an error: connectionLost is due with it, whatever closes the transport after. */
  private _broken = false;
  private _high = DEFAULT_HIGH_WATER;
  private _low = DEFAULT_HIGH_WATER / 4;
  /**
   * Read events not yet handled, from `_head` to `_tail`; each has a pump
   * callback scheduled unless reading is paused. Once drained the array is
   * reused from slot 0, not reallocated: a connection that reads one chunk
   * at a time allocates nothing for it.
   */
  private _queue: (ReadEvent | undefined)[] = [];
  private _head = 0;
  private _tail = 0;
  /** Pump callbacks scheduled and not yet run. */
  private _pumps = 0;
  private _socket: Socket | null = null;
  private readonly _started: Future<void>;
  private _closed: Future<void> | null = null;

  /** @internal made by the loop's network methods */
  constructor(
    private readonly _loop: EventLoop,
    private readonly _raw: RawStream,
    protocol: StreamProtocol,
    opts: StreamTransportOptions = {},
  ) {
    this._protocol = protocol;
    this._ctx = _loop._captureContext();
    this._server = opts.server ?? null;
    this._server?._attach(this);
    this._started = new Future<void>({ loop: _loop });
    this._started._label = 'connectionMade';
    // Reading starts only after connectionMade: a chunk scheduled from
    // another origin could otherwise overtake it under a random scheduler.
    this._schedule(opts.connectionMade === false ? this._start : this._connectionMade);
  }

  /** @internal the server the connection belongs to, if any */
  get _owner(): TransportOwner | null {
    return this._server;
  }

  /** @internal resolves once `connectionMade` has run and reading started */
  get _ready(): Future<void> {
    return this._started;
  }

  // ------------------------------------------------------------ writing

  /** Queue bytes (a string goes as UTF-8). `InvalidStateError` after `writeEof`; dropped once closing. */
  write(data: Uint8Array | string): void {
    const bytes = toBytes(data, 'write');
    if (this._eofWritten) throw new InvalidStateError('write: cannot write after writeEof()');
    if (bytes.length === 0) return;
    if (this._closing) {
      this._warnLostWrite();
      return;
    }
    this._raw.write(bytes);
    this._maybePauseProtocol();
  }

  /** Queue every chunk of `list`, in order. */
  writelines(list: Iterable<Uint8Array | string>): void {
    if (list === null || typeof (list as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
      throw new TypeError(`writelines: list must be an iterable of Uint8Array or string, got ${describeValue(list)}`);
    }
    const chunks: Uint8Array[] = [];
    for (const item of list) chunks.push(toBytes(item, 'writelines'));
    if (this._eofWritten) throw new InvalidStateError('writelines: cannot write after writeEof()');
    if (this._closing) {
      if (chunks.some((c) => c.length > 0)) this._warnLostWrite();
      return;
    }
    for (const c of chunks) if (c.length > 0) this._raw.write(c);
    this._maybePauseProtocol();
  }

  /**
   * Half-close: send EOF after the queued bytes; reading goes on. A no-op
   * once closing or after a first call. `InvalidStateError` over TLS
   * (`canWriteEof()` is false there; asyncio raises NotImplementedError).
   */
  writeEof(): void {
    if (this._closing || this._eofWritten) return;
    if (!this._raw.canWriteEof) throw new InvalidStateError('writeEof: this transport cannot half-close (TLS); check canWriteEof()');
    this._eofWritten = true;
    this._raw.writeEof();
  }

  /** Whether `writeEof` works (false for TLS). */
  canWriteEof(): boolean {
    return this._raw.canWriteEof;
  }

  /**
   * Set the flow-control marks: `pauseWriting` once the buffer is above
   * `high`, `resumeWriting` once it is at or below `low`. Defaults: 64 KiB,
   * and a quarter of `high` (`high` is 4 x `low` when only `low` is given).
   */
  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    const [h, l] = checkLimits(high, low);
    this._high = h;
    this._low = l;
    this._maybePauseProtocol();
  }

  /** `[low, high]`, as asyncio's `get_write_buffer_limits`. */
  getWriteBufferLimits(): [low: number, high: number] {
    return [this._low, this._high];
  }

  /** Bytes written and not yet handed to the OS. */
  getWriteBufferSize(): number {
    return this._raw.writeBufferSize;
  }

  // ------------------------------------------------------------ reading

  /** Stop calling `dataReceived` (and `eofReceived`) until `resumeReading`. */
  pauseReading(): void {
    if (!this.isReading()) return;
    this._readPaused = true;
    this._raw.pauseReading();
  }

  /** Deliver data again, first what arrived meanwhile. */
  resumeReading(): void {
    if (this._closing || !this._readPaused) return;
    this._readPaused = false;
    this._raw.resumeReading();
    for (let n = this._tail - this._head - this._pumps; n > 0; n--) this._schedulePump();
  }

  /** True unless reading is paused or the transport is closing. */
  isReading(): boolean {
    return !this._readPaused && !this._closing;
  }

  // ------------------------------------------------------------ closing

  /**
   * Close: stop reading, send what is queued, then close the connection;
   * the protocol's `connectionLost(null)` follows. Idempotent.
   */
  close(): void {
    if (this._closing) return;
    this._closing = true;
    this._dropReads();
    this._raw.close();
  }

  /** Close at once, dropping what is queued (a reset where the OS allows); `connectionLost(null)` follows. */
  abort(): void {
    this._forceClose(null);
  }

  /** True once closing or closed. */
  isClosing(): boolean {
    return this._closing;
  }

  /** Close and wait until `connectionLost` has run (`await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this._detached) return;
    this.close();
    if (this._lost) return;
    if (this._closed === null) {
      this._closed = new Future<void>({ loop: this._loop });
      this._closed._label = 'transport closed';
    }
    await this._closed;
  }

  // ------------------------------------------------------------ the rest

  /**
   * asyncio's extra info: `'peername'`, `'sockname'`, `'socket'` (a simloop
   * Socket), and for TLS `'peercert'` (null when the peer sent none),
   * `'cipher'`, `'sslcontext'`, `'ssl_object'`; else `defaultValue`.
   */
  getExtraInfo<T = unknown>(name: string, defaultValue?: T): T | undefined {
    if (name === 'socket') {
      this._socket ??= Socket._forStream(this._loop, this._raw);
      return this._socket as T;
    }
    const value = this._raw.getExtraInfo(name);
    return value === undefined ? defaultValue : (value as T);
  }

  getProtocol(): StreamProtocol {
    return this._protocol;
  }

  setProtocol(protocol: StreamProtocol): void {
    if (protocol === null || typeof protocol !== 'object') {
      throw new TypeError(`setProtocol: protocol must be an object, got ${describeValue(protocol)}`);
    }
    this._protocol = protocol;
  }

  toString(): string {
    const state = this._lost ? 'closed' : this._closing ? 'closing' : 'open';
    return `<StreamTransport ${state}>`;
  }

  /**
   * @internal hand the connection to `startTls`: this transport reports
   * nothing more (no `connectionLost`), counts as closing, and gives its
   * server membership and unread bytes to the upgrade.
   */
  _detachForTls(): DetachedTransport {
    if (this._closing || this._lost) throw new InvalidStateError('startTls: the transport is closing');
    this._detached = true;
    this._closing = true;
    const pending: Uint8Array[] = [];
    for (let i = this._head; i < this._tail; i++) {
      const ev = this._queue[i]!;
      if (ev instanceof Uint8Array) pending.push(ev);
    }
    this._queue = [];
    this._head = this._tail = 0;
    const server = this._server;
    this._server = null;
    server?._detach(this);
    return { raw: this._raw, pending, server };
  }

  // ------------------------------------------------------------ internals

  private _schedule(fn: () => void): void {
    if (this._loop.isClosed()) return;
    this._loop._scheduleInContext(fn, NO_ARGS, this._ctx);
  }

  private _schedulePump(): void {
    if (this._loop.isClosed()) return;
    this._pumps++;
    this._loop._scheduleInContext(this._pump, NO_ARGS, this._ctx);
  }

  private readonly _connectionMade = (): void => {
    if (this._detached) return;
    try {
      this._protocol.connectionMade?.(this);
    } catch (e) {
      this._loop.callExceptionHandler({ message: 'Exception in protocol.connectionMade()', exception: e, transport: this, protocol: this._protocol });
    }
    this._start();
  };

  private readonly _start = (): void => {
    if (!this._detached) this._raw.start(this._events);
    if (!this._started.done()) this._started.setResult(undefined);
  };

  /** What the RawStream reports; called from any context, moved into the loop in order. */
  private readonly _events: RawStreamEvents = {
    data: (chunk) => this._push(chunk),
    hostData: (chunk) => this._loop._runHostCallback(this._pushData, chunk),
    end: () => this._push(EOF),
    // Only a paused protocol has anything to learn from a drain, and a
    // protocol is only ever paused within a write that left bytes buffered,
    // which makes the stream report the next drain: the rest need no loop
    // callback (over TLS, Node completes every write later, so each one
    // ends in a drain).
    drain: () => {
      if (this._protocolPaused) this._schedule(this._onDrain);
    },
    close: (error) => {
      if (this._detached) return;
      if (error !== null) {
        // A broken connection closes the transport at once, as asyncio's
        // _force_close does (connectionLost follows in order): writes are
        // dropped from now on and drain() yields to the loop, and what is
        // held for a paused reader is lost with it.
        this._closing = true;
        this._broken = true;
        if (this._readPaused) this._dropReads();
      }
      this._queue[this._tail++] = { error };
      this._schedulePump();
    },
  };

  private readonly _pushData = (chunk: Uint8Array): void => this._push(chunk);

  private _push(ev: Uint8Array | typeof EOF): void {
    if (this._closing) return;
    this._queue[this._tail++] = ev;
    if (!this._readPaused) this._schedulePump();
  }

  /** One read event, in order; data and EOF wait while reading is paused. */
  private readonly _pump = (): void => {
    this._pumps--;
    if (this._head >= this._tail) return;
    const ev = this._queue[this._head]!;
    const isRead = ev instanceof Uint8Array || ev === EOF;
    // Reads still queued while closing came before a broken connection's
    // close event (closing drops any others): delivered, as asyncio
    // delivers what it read before the error, then connectionLost.
    if (isRead && this._readPaused) return;
    this._queue[this._head++] = undefined;
    if (this._head === this._tail) {
      this._head = this._tail = 0;
      // A burst held for a paused reader should not keep its slots for the life of the connection.
      if (this._queue.length > MAX_KEPT_SLOTS) this._queue = [];
    } else if (this._head > 1024 && this._head * 2 > this._tail) {
      this._queue = this._queue.slice(this._head, this._tail);
      this._tail -= this._head;
      this._head = 0;
    }
    if (ev instanceof Uint8Array) this._dataReceived(ev);
    else if (ev === EOF) this._eofReceived();
    else this._connectionLost((ev as LostEvent).error);
  };

  private _dataReceived(chunk: Uint8Array): void {
    try {
      this._protocol.dataReceived?.(chunk);
    } catch (e) {
      this._fatalError(e, 'Fatal error: protocol.dataReceived() call failed.');
    }
  }

  private _eofReceived(): void {
    let keepOpen: boolean | void;
    try {
      keepOpen = this._protocol.eofReceived?.();
    } catch (e) {
      this._fatalError(e, 'Fatal error: protocol.eofReceived() call failed.');
      return;
    }
    if (keepOpen && this._raw.canWriteEof) return;
    if (keepOpen) this._loop.logger.warn('returning true from eofReceived() has no effect when using TLS');
    this.close();
  }

  private _connectionLost(error: Error | null): void {
    if (this._lost) return;
    this._lost = true;
    this._closing = true;
    const err = this._aborted ? this._forcedError : error;
    if (err !== null && this._forcedError === null && this._loop.getDebug()) {
      this._loop.logger.warn(`${String(this)}: connection lost: ${err.message}`);
    }
    try {
      this._protocol.connectionLost?.(err);
    } finally {
      const server = this._server;
      this._server = null;
      server?._detach(this);
      const closed = this._closed;
      if (closed !== null && !closed.done()) closed.setResult(undefined);
    }
  }

  private readonly _onDrain = (): void => {
    if (this._lost || this._detached) return;
    this._maybeResumeProtocol();
  };

  private _maybePauseProtocol(): void {
    if (this._protocolPaused || this._raw.writeBufferSize <= this._high) return;
    this._protocolPaused = true;
    try {
      this._protocol.pauseWriting?.();
    } catch (e) {
      this._loop.callExceptionHandler({ message: 'protocol.pauseWriting() failed', exception: e, transport: this, protocol: this._protocol });
    }
  }

  private _maybeResumeProtocol(): void {
    if (!this._protocolPaused || this._raw.writeBufferSize > this._low) return;
    this._protocolPaused = false;
    try {
      this._protocol.resumeWriting?.();
    } catch (e) {
      this._loop.callExceptionHandler({ message: 'protocol.resumeWriting() failed', exception: e, transport: this, protocol: this._protocol });
    }
  }

  /** A protocol callback failed: report it, and close at once with it as the cause. */
  private _fatalError(exception: unknown, message: string): void {
    this._loop.callExceptionHandler({ message, exception, transport: this, protocol: this._protocol });
    this._forceClose(exception instanceof Error ? exception : new Error(String(exception)));
  }

  private _forceClose(error: Error | null): void {
    if (this._lost || this._detached || this._aborted || this._broken) return;
    this._aborted = true;
    this._forcedError = error;
    this._closing = true;
    this._dropReads();
    this._raw.abort();
  }

  /** Forget data and EOF not yet delivered (the transport reads no more). */
  private _dropReads(): void {
    const q = this._queue;
    const tail = this._tail;
    let kept = 0;
    for (let i = this._head; i < tail; i++) {
      const ev = q[i]!;
      if (!(ev instanceof Uint8Array) && ev !== EOF) q[kept++] = ev;
    }
    for (let i = kept; i < tail; i++) q[i] = undefined;
    this._head = 0;
    this._tail = kept;
  }

  private _warnLostWrite(): void {
    if (++this._lostWrites >= CONNLOST_WRITE_WARN_THRESHOLD) this._loop.logger.warn('socket.send() raised exception.');
  }
}

function toBytes(data: unknown, where: string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === 'string') return encoder.encode(data);
  throw new TypeError(`${where}: data must be a Uint8Array or a string, got ${describeValue(data)}`);
}
