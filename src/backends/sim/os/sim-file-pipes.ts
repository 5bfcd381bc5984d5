import { copyBytes } from '../../../io/streams/bytes.js';
import type { EventLoop } from '../../../loop/event-loop.js';
import { HandleKind } from '../../../loop/handle.js';
import type { PipeDriver } from '../../../loop/pipe-driver.js';
import type { RawStream, RawStreamEvents } from '../../../loop/raw-stream.js';
import { fsError } from './fs-error.js';
import { ownHandle } from './sim-file-driver.js';
import type { SimFileHandle } from './sim-file-handle.js';

/** How much one `dataReceived` carries: an `fs` read stream's chunk (its highWaterMark, 64 KiB). */
export const FILE_PIPE_CHUNK = 64 * 1024;

/** What both file pipes share: one pump, run as a loop callback, that reports every event. */
abstract class FilePipe implements RawStream {
  protected _events: RawStreamEvents | null = null;
  /** The pipe was released (close or abort); the close is reported by the pump. */
  protected _released = false;
  protected _closeReported = false;
  private _scheduled = false;
  abstract readonly canWriteEof: boolean;
  abstract readonly writeBufferSize: number;

  constructor(
    protected readonly _loop: EventLoop,
    protected readonly _handle: SimFileHandle,
  ) {}

  start(events: RawStreamEvents): void {
    if (this._events !== null) throw new Error('RawStream.start: already started');
    this._events = events;
    this._kick();
  }

  /** Events are reported from a loop callback, never inside the call that caused them, as a real pipe's are. */
  protected _kick(): void {
    if (this._scheduled || this._closeReported || this._loop.isClosed()) return;
    this._scheduled = true;
    this._loop._scheduleInternal(this._run, [], null, HandleKind.Callback);
  }

  private readonly _run = (): void => {
    this._scheduled = false;
    if (this._events !== null && !this._closeReported) this._pump(this._events);
  };

  protected abstract _pump(events: RawStreamEvents): void;

  /** Report the end, once: the transport owns the handle, so it is closed with the pipe. */
  protected _finish(events: RawStreamEvents, error: Error | null): void {
    this._closeReported = true;
    void this._handle.close();
    events.close(error);
  }

  abstract write(chunk: Uint8Array): void;
  abstract writeEof(): void;
  abstract close(): void;
  abstract abort(): void;
  abstract pauseReading(): void;
  abstract resumeReading(): void;

  getExtraInfo(name: string): unknown {
    return name === 'pipe' ? this._handle : undefined;
  }
}

/**
 * A simulated file read as a pipe, as Node reads a regular file through an
 * `fs` stream: its bytes from the start in 64 KiB chunks (one per loop
 * callback, so the reader can pause between them; bytes appended meanwhile
 * are read too), then EOF, then the close.
 */
class FileReadPipe extends FilePipe {
  readonly canWriteEof = false;
  readonly writeBufferSize = 0;
  private _position = 0;
  private _paused = false;
  private _ended = false;

  protected _pump(events: RawStreamEvents): void {
    if (this._released || this._ended) {
      this._finish(events, null);
      return;
    }
    if (this._paused) return;
    if (this._handle.closed) {
      this._finish(events, fsError('EBADF', 'read'));
      return;
    }
    const chunk = this._handle._data.read(this._position, FILE_PIPE_CHUNK);
    if (chunk.length > 0) {
      this._position += chunk.length;
      events.data(chunk);
    } else {
      // An fs stream closes its file after the end (autoClose).
      this._ended = true;
      events.end();
    }
    this._kick();
  }

  write(_chunk: Uint8Array): void {}

  writeEof(): void {}

  close(): void {
    if (this._released) return;
    this._released = true;
    this._kick();
  }

  abort(): void {
    this.close();
  }

  pauseReading(): void {
    this._paused = true;
  }

  resumeReading(): void {
    if (!this._paused) return;
    this._paused = false;
    if (this._events !== null) this._kick();
  }
}

/**
 * A simulated file written as a pipe: each write is queued (the write
 * buffer) and appended to the file on the next loop callback, so a
 * transport sees its buffer fill and drain as with an `fs` write stream.
 * `writeEof()`/`close()` close the file after the queued bytes; `abort()`
 * drops them. A handle closed under it fails the next write with `EBADF`.
 */
class FileWritePipe extends FilePipe {
  readonly canWriteEof = true;
  private _queue: Uint8Array[] = [];
  private _queued = 0;
  private _ending = false;

  get writeBufferSize(): number {
    return this._queued;
  }

  protected _pump(events: RawStreamEvents): void {
    if (this._queued > 0) {
      if (this._handle.closed) {
        this._drop();
        this._finish(events, fsError('EBADF', 'write'));
        return;
      }
      for (const chunk of this._queue) this._handle._data.append(chunk);
      this._drop();
      events.drain();
    }
    if (this._ending) this._finish(events, null);
  }

  private _drop(): void {
    this._queue = [];
    this._queued = 0;
  }

  write(chunk: Uint8Array): void {
    if (this._ending || chunk.length === 0) return;
    // Copy: the caller may reuse its buffer once write returns.
    this._queue.push(copyBytes(chunk));
    this._queued += chunk.length;
    this._kick();
  }

  writeEof(): void {
    this.close();
  }

  close(): void {
    if (this._ending) return;
    this._ending = true;
    this._kick();
  }

  abort(): void {
    if (this._released) return;
    this._released = true;
    this._ending = true;
    this._drop();
    this._kick();
  }

  pauseReading(): void {}

  resumeReading(): void {}
}

/**
 * Pipes in a simulation: `connectReadPipe` and `connectWritePipe` on a
 * handle of the world's files (`world.files.open(path)`); the read pipe
 * reads the file, the write pipe appends to it. Anything else (an fd, a Node
 * stream) is a TypeError: those are real I/O.
 */
export class SimFilePipes implements PipeDriver {
  constructor(
    private readonly _loop: EventLoop,
    private readonly _owner: object,
  ) {}

  openReadPipe(pipe: unknown): RawStream {
    return new FileReadPipe(this._loop, this._open(pipe, 'connectReadPipe'));
  }

  openWritePipe(pipe: unknown): RawStream {
    return new FileWritePipe(this._loop, this._open(pipe, 'connectWritePipe'));
  }

  private _open(pipe: unknown, where: string): SimFileHandle {
    const handle = ownHandle(this._owner, pipe, where, 'pipe');
    // As Node's fstat of a closed descriptor: at the call.
    if (handle.closed) throw fsError('EBADF', 'fstat');
    return handle;
  }
}
