import type { EventLoop } from '../../../loop/event-loop.js';
import { HandleKind } from '../../../loop/handle.js';
import type { RawStream, RawStreamEvents } from '../../../loop/raw-stream.js';

/** What a pipe holds between its writers and its reader: Linux's default pipe capacity. */
export const PIPE_CAPACITY = 64 * 1024;

/** Node's error for a write to a pipe whose reader is gone. */
function epipe(): Error & { code: string; errno: number; syscall: string } {
  const err = new Error('write EPIPE') as Error & { code: string; errno: number; syscall: string };
  err.code = 'EPIPE';
  err.errno = -32;
  err.syscall = 'write';
  return err;
}

interface Queued {
  readonly end: PipeWriteEnd;
  bytes: Uint8Array;
}

/**
 * An in-memory unidirectional pipe between loop code: one read end and one
 * or more write ends (several are dup'd descriptors of one pipe, as a child's
 * stdout and a merged stderr are), each end a RawStream. Bytes written wait in
 * their writer's buffer (`writeBufferSize`) until the pipe has room: it holds
 * at most `capacity` bytes (64 KiB, as Linux), and the reader takes them when
 * it is not paused, so a reader that stops reading fills the pipe and then the
 * writers' buffers, which is the backpressure a transport pauses on. Bytes of
 * all writers enter the pipe in the order they were written. The reader sees
 * EOF once every write end is closed and the pipe is empty; once the reader
 * is closed, each writer closes (with `EPIPE` if it still had bytes to write,
 * and on any later write), as asyncio's write pipe sees its reader go.
 * Every event is reported from a loop callback, never inside the call that
 * caused it, so both ends behave as a real pipe's do.
 */
export class SimPipe {
  /** The read end. */
  readonly reader: PipeReadEnd;
  /** The write ends (one unless the pipe was made with more). */
  readonly writers: readonly PipeWriteEnd[];
  /** @internal bytes written and not yet in the pipe, in write order across writers */
  readonly _queue: Queued[] = [];
  /** @internal bytes in the pipe, waiting for the reader */
  _held: Uint8Array[] = [];
  /** @internal their total */
  _heldBytes = 0;
  private _scheduled = false;

  /** A pipe on `loop` with `writers` write ends, holding up to `capacity` bytes. */
  constructor(
    private readonly _loop: EventLoop,
    writers = 1,
    private readonly _capacity = PIPE_CAPACITY,
  ) {
    if (!Number.isInteger(writers) || writers < 1) throw new RangeError(`SimPipe: writers must be an integer >= 1, got ${writers}`);
    if (!Number.isInteger(_capacity) || _capacity < 1) throw new RangeError(`SimPipe: capacity must be an integer >= 1, got ${_capacity}`);
    this.reader = new PipeReadEnd(this);
    this.writers = Array.from({ length: writers }, () => new PipeWriteEnd(this));
  }

  /** @internal something changed: move bytes and report events on a loop callback soon. */
  _kick(): void {
    if (this._scheduled || this._loop.isClosed()) return;
    this._scheduled = true;
    this._loop._scheduleInternal(this._pump, [], null, HandleKind.Callback);
  }

  private readonly _pump = (): void => {
    this._scheduled = false;
    const reader = this.reader;
    if (reader._closed) this._breakWriters();
    this._fill();
    for (const w of this.writers) w._report();
    if (reader._events === null || reader._closeReported) return;
    if (reader._closed) {
      reader._closeReported = true;
      reader._events.close(null);
      return;
    }
    if (reader._paused) return;
    if (this._heldBytes > 0) {
      const chunk = Buffer.concat(this._held, this._heldBytes);
      this._held = [];
      this._heldBytes = 0;
      reader._events.data(chunk);
      // The reader took the pipe's contents: the next callback refills it
      // (one pipe-full per callback, so a reader can pause between them) or reports EOF.
      if (!reader._closed && (this._queue.length > 0 || this._writersClosed())) this._kick();
      return;
    }
    if (this._queue.length === 0 && this._writersClosed() && !reader._endReported) {
      reader._endReported = true;
      reader._events.end();
    }
  };

  /** The reader is gone: what the pipe and the writers held is lost, and each writer closes. */
  private _breakWriters(): void {
    this._held = [];
    this._heldBytes = 0;
    this._queue.length = 0;
    for (const w of this.writers) w._break();
  }

  /** Move queued bytes into the pipe while it has room. */
  private _fill(): void {
    const queue = this._queue;
    while (queue.length > 0 && this._heldBytes < this._capacity) {
      const head = queue[0]!;
      const room = this._capacity - this._heldBytes;
      let bytes = head.bytes;
      if (bytes.length <= room) {
        queue.shift();
      } else {
        head.bytes = bytes.subarray(room);
        bytes = bytes.subarray(0, room);
      }
      this._held.push(bytes);
      this._heldBytes += bytes.length;
      head.end._pending -= bytes.length;
    }
  }

  private _writersClosed(): boolean {
    for (const w of this.writers) if (w._state !== 'closed') return false;
    return true;
  }
}

/**
 * A write end of a SimPipe: writes are buffered until the pipe has room;
 * `writeEof`/`close` close it once its bytes are in the pipe; `abort`
 * drops them and closes it at once.
 */
export class PipeWriteEnd implements RawStream {
  readonly canWriteEof = true;
  /** @internal */ _events: RawStreamEvents | null = null;
  /** @internal 'ending': closes once its bytes are in the pipe */
  _state: 'open' | 'ending' | 'closed' = 'open';
  /** @internal bytes written and not yet in the pipe */
  _pending = 0;
  private _needDrain = false;
  private _error: Error | null = null;
  private _closeReported = false;

  /** @internal made by SimPipe */
  constructor(private readonly _pipe: SimPipe) {}

  get writeBufferSize(): number {
    return this._pending;
  }

  start(events: RawStreamEvents): void {
    this._events = events;
    this._pipe._kick();
  }

  write(chunk: Uint8Array): void {
    if (this._state !== 'open' || chunk.length === 0) return;
    if (this._pipe.reader._closed) {
      this._error ??= epipe();
      this._state = 'closed';
    } else {
      this._pipe._queue.push({ end: this, bytes: chunk });
      this._pending += chunk.length;
      this._needDrain = true;
    }
    this._pipe._kick();
  }

  writeEof(): void {
    if (this._state !== 'open') return;
    this._state = 'ending';
    this._pipe._kick();
  }

  /** As `writeEof`: a pipe's write end has one direction. */
  close(): void {
    this.writeEof();
  }

  abort(): void {
    if (this._state === 'closed') return;
    const queue = this._pipe._queue;
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.end === this) queue.splice(i, 1);
    this._pending = 0;
    this._state = 'closed';
    this._pipe._kick();
  }

  pauseReading(): void {}

  resumeReading(): void {}

  getExtraInfo(name: string): unknown {
    return name === 'pipe' ? this : undefined;
  }

  /** @internal the reader is gone: asyncio's write pipe closes, with EPIPE when bytes were lost */
  _break(): void {
    if (this._state === 'closed') return;
    if (this._pending > 0) this._error ??= epipe();
    this._pending = 0;
    this._state = 'closed';
  }

  /** @internal report drain or close, from the pipe's callback */
  _report(): void {
    if (this._state === 'ending' && this._pending === 0) this._state = 'closed';
    const events = this._events;
    if (events === null || this._closeReported) return;
    if (this._state === 'closed') {
      this._closeReported = true;
      events.close(this._error);
    } else if (this._needDrain && this._pending === 0) {
      this._needDrain = false;
      events.drain();
    }
  }
}

/**
 * The read end of a SimPipe: `data` with what the pipe holds (at most a
 * pipe-full per chunk), `end` at EOF; `pauseReading` leaves bytes in the
 * pipe; `close` closes it (`close(null)` is reported) and breaks the pipe.
 */
export class PipeReadEnd implements RawStream {
  readonly writeBufferSize = 0;
  readonly canWriteEof = false;
  /** @internal */ _events: RawStreamEvents | null = null;
  /** @internal */ _paused = false;
  /** @internal */ _closed = false;
  /** @internal */ _endReported = false;
  /** @internal */ _closeReported = false;

  /** @internal made by SimPipe */
  constructor(private readonly _pipe: SimPipe) {}

  start(events: RawStreamEvents): void {
    this._events = events;
    this._pipe._kick();
  }

  write(_chunk: Uint8Array): void {}

  writeEof(): void {}

  close(): void {
    if (this._closed) return;
    this._closed = true;
    this._pipe._kick();
  }

  /** As `close`: nothing is queued on a read end. */
  abort(): void {
    this.close();
  }

  pauseReading(): void {
    this._paused = true;
  }

  resumeReading(): void {
    if (!this._paused) return;
    this._paused = false;
    this._pipe._kick();
  }

  getExtraInfo(name: string): unknown {
    return name === 'pipe' ? this : undefined;
  }
}
