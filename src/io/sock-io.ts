import type { EventLoop } from '../loop/event-loop.js';
import type { RawStream } from '../loop/raw-stream.js';
import { Future } from '../tasks/future.js';
import { codeError } from './addresses.js';
import type { Socket, SocketIo } from './socket.js';

/** Above this many received and unread bytes the stream stops reading from the OS (a kernel receive buffer's role). */
const RECV_HIGH = 256 * 1024;

/** A callback registered by `addReader`/`addWriter`. */
interface Watcher {
  cb: (...args: any[]) => unknown;
  args: unknown[];
  /** A run is scheduled and not yet done. */
  scheduled: boolean;
}

/**
 * What the loop's sock* methods keep on a simloop Socket: Node has no raw
 * descriptors to poll, so a connected socket's RawStream is started here and
 * what it reports fills a receive buffer (the kernel's, in effect), and a
 * listening socket's accepted connections wait in the Socket's backlog.
 * Readiness is level-triggered as a selector's: a reader runs once per loop
 * iteration while there is something to read (data, EOF, an error, or a
 * connection to accept), a writer while the write buffer is empty (or the
 * connection is gone, so that a write reports the error). Every event enters
 * the loop as a loop callback, in order.
 */
export class SockIo implements SocketIo {
  private readonly _chunks: Uint8Array[] = [];
  private _buffered = 0;
  private _eof = false;
  /** The connection closed: null when cleanly, else its error. */
  private _lost: { error: Error | null } | null = null;
  private _readPaused = false;
  private _started = false;
  private readonly _recvWaiters: Future<void>[] = [];
  private readonly _drainWaiters: Future<void>[] = [];
  private readonly _acceptWaiters: Future<void>[] = [];
  private _reader: Watcher | null = null;
  private _writer: Watcher | null = null;

  constructor(
    private readonly _loop: EventLoop,
    private readonly _sock: Socket,
  ) {}

  /** The socket's SockIo, made on first use. */
  static of(loop: EventLoop, sock: Socket): SockIo {
    let io = sock._io as SockIo | null;
    if (io === null) {
      io = new SockIo(loop, sock);
      sock._io = io;
    }
    return io;
  }

  /** The connected stream, started for the sock* methods on first use. */
  stream(): RawStream {
    const raw = this._sock._stream!;
    if (!this._started) {
      this._started = true;
      raw.start({
        data: (chunk) => this._enter(this._onData, chunk),
        end: () => this._enter(this._onEnd),
        drain: () => this._enter(this._onDrain),
        close: (error) => this._enter(this._onClose, error),
      });
    }
    return raw;
  }

  // ------------------------------------------------------------ receiving

  /** Whether a receive would not wait: data, EOF, or the connection's end are there. */
  readable(): boolean {
    return this._buffered > 0 || this._eof || this._lost !== null || this._sock._stage === 'closed';
  }

  /** Take up to `max` buffered bytes; empty at EOF; throws the connection's error. Call only when `readable()`. */
  take(max: number): Uint8Array {
    if (this._sock._stage === 'closed') throw codeError('EBADF', 'sockRecv: the socket is closed');
    if (this._buffered === 0) {
      if (this._lost?.error) throw this._lost.error;
      return new Uint8Array(0);
    }
    let out: Uint8Array;
    const first = this._chunks[0]!;
    if (first.length <= max) {
      out = first;
      this._chunks.shift();
    } else {
      out = first.subarray(0, max);
      this._chunks[0] = first.subarray(max);
    }
    this._buffered -= out.length;
    if (this._readPaused && this._buffered < RECV_HIGH / 2 && this._lost === null) {
      this._readPaused = false;
      this._sock._stream!.resumeReading();
    }
    return out;
  }

  /** Wait until `readable()` (a loop future; cancelling it stops only the wait). */
  async waitReadable(): Promise<void> {
    this.stream();
    while (!this.readable()) await this._wait(this._recvWaiters, 'sockRecv');
  }

  // ------------------------------------------------------------ sending

  /** Whether the write buffer is empty, or the connection gone (so a write reports it). */
  writable(): boolean {
    return this._lost !== null || this._sock._stage === 'closed' || this._sock._stream!.writeBufferSize === 0;
  }

  /** Queue `data`, then wait until the stream handed every byte to the OS; rejects with the connection's error. */
  async sendall(data: Uint8Array): Promise<void> {
    const raw = this.stream();
    this._checkWritable();
    if (data.length > 0) raw.write(data);
    while (raw.writeBufferSize > 0) {
      await this._wait(this._drainWaiters, 'sockSendall');
      this._checkWritable();
    }
  }

  private _checkWritable(): void {
    if (this._sock._stage === 'closed') throw codeError('EBADF', 'sockSendall: the socket is closed');
    if (this._lost !== null) throw this._lost.error ?? codeError('EPIPE', 'sockSendall: the connection is closed (EPIPE)');
  }

  // ------------------------------------------------------------ accepting

  /** Wait until a connection is waiting to be accepted (or the socket closed). */
  async waitAcceptable(): Promise<void> {
    while (this._sock._backlog.length === 0 && this._sock._stage === 'listening') await this._wait(this._acceptWaiters, 'sockAccept');
  }

  // ------------------------------------------------------------ readers and writers

  setReader(cb: (...args: any[]) => unknown, args: unknown[]): void {
    if (this._sock._stage === 'connected') this.stream();
    this._reader = { cb, args, scheduled: false };
    this._poll();
  }

  setWriter(cb: (...args: any[]) => unknown, args: unknown[]): void {
    if (this._sock._stage === 'connected') this.stream();
    this._writer = { cb, args, scheduled: false };
    this._poll();
  }

  removeReader(): boolean {
    const had = this._reader !== null;
    this._reader = null;
    return had;
  }

  removeWriter(): boolean {
    const had = this._writer !== null;
    this._writer = null;
    return had;
  }

  hasReader(): boolean {
    return this._reader !== null;
  }

  hasWriter(): boolean {
    return this._writer !== null;
  }

  // ------------------------------------------------------------ SocketIo

  /** A connection joined the socket's backlog (any context). */
  accepted(): void {
    this._enter(this._onAccepted);
  }

  /** The socket was closed: waits end (with EBADF), readers and writers are dropped. */
  closed(): void {
    this._reader = null;
    this._writer = null;
    this._wakeAll();
  }

  // ------------------------------------------------------------ internals

  private _enter(fn: (...a: any[]) => void, ...args: unknown[]): void {
    if (this._loop.isClosed()) return;
    this._loop._scheduleInternal(fn, args, null, 0);
  }

  private readonly _onData = (chunk: Uint8Array): void => {
    if (this._sock._stage === 'closed') return;
    this._chunks.push(chunk);
    this._buffered += chunk.length;
    if (!this._readPaused && this._buffered >= RECV_HIGH) {
      this._readPaused = true;
      this._sock._stream!.pauseReading();
    }
    this._wake(this._recvWaiters);
    this._poll();
  };

  private readonly _onEnd = (): void => {
    this._eof = true;
    this._wake(this._recvWaiters);
    this._poll();
  };

  private readonly _onDrain = (): void => {
    this._wake(this._drainWaiters);
    this._poll();
  };

  private readonly _onClose = (error: Error | null): void => {
    this._lost = { error };
    this._wakeAll();
    this._poll();
  };

  private readonly _onAccepted = (): void => {
    this._wake(this._acceptWaiters);
    this._poll();
  };

  private _wakeAll(): void {
    this._wake(this._recvWaiters);
    this._wake(this._drainWaiters);
    this._wake(this._acceptWaiters);
  }

  private async _wait(list: Future<void>[], label: string): Promise<void> {
    const fut = new Future<void>({ loop: this._loop });
    fut._label = label;
    list.push(fut);
    try {
      await fut;
    } finally {
      const i = list.indexOf(fut);
      if (i >= 0) list.splice(i, 1);
    }
  }

  private _wake(list: Future<void>[]): void {
    for (const f of list.splice(0)) if (!f.done()) f.setResult(undefined);
  }

  /** Schedule the reader and writer that are ready, once each per loop iteration. */
  private _poll(): void {
    const r = this._reader;
    if (r !== null && !r.scheduled && this._isReadReady()) {
      r.scheduled = true;
      this._loop.callSoon(this._runWatcher, r, true);
    }
    const w = this._writer;
    if (w !== null && !w.scheduled && this._sock._stage === 'connected' && this.writable()) {
      w.scheduled = true;
      this._loop.callSoon(this._runWatcher, w, false);
    }
  }

  private _isReadReady(): boolean {
    const stage = this._sock._stage;
    if (stage === 'listening') return this._sock._backlog.length > 0;
    return stage === 'connected' && this.readable();
  }

  private readonly _runWatcher = (w: Watcher, reading: boolean): void => {
    w.scheduled = false;
    // Removed (or replaced) since it was scheduled: do not run.
    if ((reading ? this._reader : this._writer) !== w) return;
    try {
      w.cb(...w.args);
    } catch (e) {
      this._loop.callExceptionHandler({ message: `Exception in ${reading ? 'reader' : 'writer'} callback`, exception: e, socket: this._sock });
    }
    // Level-triggered: still ready, run again on the next iteration.
    this._poll();
  };
}
