import fs from 'node:fs';
import net from 'node:net';
import { Readable, Writable } from 'node:stream';
import tty from 'node:tty';
import type { PipeDriver } from '../../loop/pipe-driver.js';
import type { RawStream, RawStreamEvents } from '../../loop/raw-stream.js';

function epipe(): Error {
  return Object.assign(new Error('EPIPE: broken pipe, the reader closed the pipe'), { code: 'EPIPE', errno: -32, syscall: 'write' });
}

/** What kind of file an fd is, to pick the Node stream that can carry it. */
function fdKind(fd: number, where: string): 'file' | 'socket' | 'tty' {
  if (!Number.isInteger(fd) || fd < 0) throw new RangeError(`${where}: a file descriptor must be a non-negative integer, got ${fd}`);
  const st = fs.fstatSync(fd);
  if (st.isFIFO() || st.isSocket()) return 'socket';
  if (st.isCharacterDevice() && tty.isatty(fd)) return 'tty';
  if (st.isFile() || st.isCharacterDevice()) return 'file';
  throw new RangeError(`${where}: fd ${fd} is not a pipe, socket, character device or regular file`);
}

function readableFor(pipe: unknown): Readable {
  if (typeof pipe === 'number') {
    switch (fdKind(pipe, 'connectReadPipe')) {
      // A regular file (API.md) or a non-tty character device: an fs stream,
      // since libuv cannot poll them.
      case 'file':
        return fs.createReadStream('', { fd: pipe });
      case 'tty':
        return new tty.ReadStream(pipe);
      default:
        return new net.Socket({ fd: pipe, readable: true, writable: false });
    }
  }
  if (pipe instanceof Readable || (pipe !== null && typeof pipe === 'object' && typeof (pipe as Readable).on === 'function' && typeof (pipe as Readable).pause === 'function' && 'readable' in pipe)) {
    return pipe as Readable;
  }
  throw new TypeError(`connectReadPipe: pipe must be a file descriptor or a Node Readable stream, got ${pipe === null ? 'null' : typeof pipe}`);
}

function writableFor(pipe: unknown): Writable {
  if (typeof pipe === 'number') {
    switch (fdKind(pipe, 'connectWritePipe')) {
      case 'file':
        return fs.createWriteStream('', { fd: pipe });
      case 'tty':
        return new tty.WriteStream(pipe);
      default:
        return new net.Socket({ fd: pipe, readable: false, writable: true });
    }
  }
  if (pipe instanceof Writable || (pipe !== null && typeof pipe === 'object' && typeof (pipe as Writable).write === 'function' && typeof (pipe as Writable).end === 'function')) {
    return pipe as Writable;
  }
  throw new TypeError(`connectWritePipe: pipe must be a file descriptor or a Node Writable stream, got ${pipe === null ? 'null' : typeof pipe}`);
}

/**
 * The read end of a pipe as a RawStream: a Node Readable. It is read in
 * flowing mode only from `start` on (until then Node holds what arrives), and
 * `pauseReading` pauses the stream, which stops reading from the OS once
 * Node's buffer is full.
 */
class NodeReadPipe implements RawStream {
  private events: RawStreamEvents | null = null;
  private closed = false;
  private pendingClose: Error | null | undefined = undefined;
  readonly writeBufferSize = 0;
  readonly canWriteEof = false;

  constructor(private readonly stream: Readable, private readonly pipe: unknown) {
    // Listening from the start: an error before start() must not go uncaught.
    stream.on('error', (err: Error) => this.finish(err));
    stream.on('close', () => this.finish(null));
  }

  start(events: RawStreamEvents): void {
    if (this.events !== null) throw new Error('RawStream.start: already started');
    this.events = events;
    if (this.pendingClose !== undefined) {
      events.close(this.pendingClose);
      return;
    }
    const s = this.stream;
    s.on('data', (chunk: Buffer | string) => {
      if (this.closed) return;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      if (bytes.length > 0) events.data(bytes);
    });
    s.on('end', () => {
      if (!this.closed) events.end();
    });
    if (s.destroyed) queueMicrotask(() => this.finish(null));
  }

  private finish(error: Error | null): void {
    if (this.closed) return;
    this.closed = true;
    if (this.events === null) this.pendingClose = error;
    else this.events.close(error);
  }

  write(_chunk: Uint8Array): void {}

  writeEof(): void {}

  close(): void {
    this.release();
  }

  abort(): void {
    this.release();
  }

  private release(): void {
    if (this.stream.destroyed) {
      queueMicrotask(() => this.finish(null));
      return;
    }
    // 'close' follows destroy() and reports close(null).
    this.stream.destroy();
  }

  pauseReading(): void {
    this.stream.pause();
  }

  resumeReading(): void {
    if (this.events !== null) this.stream.resume();
  }

  getExtraInfo(name: string): unknown {
    return name === 'pipe' ? this.pipe : undefined;
  }
}

/**
 * The write end of a pipe as a RawStream: a Node Writable. `writeBufferSize`
 * is the stream's `writableLength` (bytes not yet handed to the OS); each
 * write's callback tells when it fell to 0.
 */
class NodeWritePipe implements RawStream {
  private events: RawStreamEvents | null = null;
  private closed = false;
  private ending = false;
  private aborted = false;
  private above = false;
  private pendingClose: Error | null | undefined = undefined;
  readonly canWriteEof = true;

  constructor(private readonly stream: Writable, private readonly pipe: unknown) {
    // Errors before start (an EPIPE) must not go uncaught; finish() keeps them.
    stream.on('error', (err: Error) => this.finish(err));
    stream.on('close', () => {
      // The stream closed under us (the reader went away and Node destroyed
      // its end, as ChildProcess does with stdin at exit) with bytes still
      // queued: they will never arrive, which is asyncio's BrokenPipeError.
      const lostBytes = !this.aborted && (this.stream.writableLength > 0 || (!this.ending && this.above));
      this.finish(lostBytes ? epipe() : null);
    });
    stream.on('finish', () => {
      // A pipe has one direction: once its EOF is written, nothing is left.
      if (!stream.destroyed) stream.destroy();
    });
  }

  start(events: RawStreamEvents): void {
    if (this.events !== null) throw new Error('RawStream.start: already started');
    this.events = events;
    if (this.pendingClose !== undefined) events.close(this.pendingClose);
    else if (this.stream.destroyed && !this.closed) queueMicrotask(() => this.finish(null));
  }

  private finish(error: Error | null): void {
    if (this.closed) return;
    this.closed = true;
    if (this.events === null) this.pendingClose = error;
    else this.events.close(error);
  }

  get writeBufferSize(): number {
    return this.closed ? 0 : this.stream.writableLength;
  }

  write(chunk: Uint8Array): void {
    if (this.closed || this.ending || this.stream.destroyed) return;
    // Copy: Node keeps the bytes by reference until they are written.
    this.stream.write(Buffer.from(chunk), (err?: Error | null) => {
      if (err || this.closed) return;
      if (this.above && this.stream.writableLength === 0) {
        this.above = false;
        this.events?.drain();
      }
    });
    if (this.stream.writableLength > 0) this.above = true;
  }

  writeEof(): void {
    this.close();
  }

  close(): void {
    if (this.ending || this.closed) return;
    this.ending = true;
    if (this.stream.destroyed) {
      queueMicrotask(() => this.finish(null));
      return;
    }
    this.stream.end();
  }

  abort(): void {
    if (this.closed) return;
    this.aborted = true;
    this.ending = true;
    if (this.stream.destroyed) queueMicrotask(() => this.finish(null));
    else this.stream.destroy();
  }

  pauseReading(): void {}

  resumeReading(): void {}

  getExtraInfo(name: string): unknown {
    return name === 'pipe' ? this.pipe : undefined;
  }
}

/**
 * Pipes on Node: an fd becomes a `net.Socket` (a pipe or socket), a
 * `tty.ReadStream`/`WriteStream` (a terminal) or an `fs` stream (a regular
 * file or another character device); a Node stream is used as it is. The
 * transport owns the pipe: closing it destroys the stream (closing the fd).
 */
export class NodePipeDriver implements PipeDriver {
  openReadPipe(pipe: unknown): RawStream {
    return new NodeReadPipe(readableFor(pipe), pipe);
  }

  openWritePipe(pipe: unknown): RawStream {
    return new NodeWritePipe(writableFor(pipe), pipe);
  }
}
