import { InvalidStateError, SendfileNotAvailableError } from '../errors.js';
import { EventLoop } from '../loop/event-loop.js';
import type { FileDriver } from '../loop/file-driver.js';
import { describeValue } from '../sync/describe-value.js';
import { Future } from '../tasks/future.js';
import { codeError } from './addresses.js';
import { driverCall } from './driver-call.js';
import type { StreamProtocol } from './protocols.js';
import type { Transport, WriteTransport } from './transports.js';

/** The size of each chunk the fallback reads and writes (64 KiB). */
export const SENDFILE_CHUNK = 64 * 1024;

/**
 * What `sendfile` reads, as the loop's OS files driver (`OS.files`) accepts
 * it: on Node a `node:fs/promises` FileHandle (or anything with its
 * `read(buffer, offset, length, position)`) or a file descriptor; in a
 * simulation a handle from `world.files.open(path)` (which has that `read`).
 */
export type SendfileSource = number | { read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }> };

/** `sendfile`'s options. */
export interface SendfileOptions {
  /** Stream the file through the transport when no zero-copy path exists (always the case on Node). Default true. */
  fallback?: boolean;
}

declare module '../loop/event-loop.js' {
  interface EventLoop {
    /**
     * asyncio's `loop.sendfile`: send `file` (read through the OS's files
     * driver: an fd or FileHandle on Node, `world.files.open(path)` in a
     * simulation) from `offset`, `count` bytes (to EOF when absent), over
     * `transport` (a stream transport, or a write pipe's); resolves to the
     * bytes sent. There is no zero-copy path: `fallback: false` rejects with
     * `SendfileNotAvailableError`; else the file is read in 64 KiB chunks,
     * each written once the transport's write buffer is at or below its low
     * mark (its flow control). Meanwhile the transport's protocol is set
     * aside (reading paused); it gets the transport back afterwards, and
     * `connectionLost` if the connection ended. Rejects if the transport
     * closes meanwhile.
     */
    sendfile(transport: Transport | WriteTransport, file: SendfileSource, offset?: number, count?: number | null, opts?: SendfileOptions): Promise<number>;
  }
}

/** The files driver of `loop`'s OS, or a TypeError naming the call. */
export function fileDriver(loop: EventLoop, where: string): FileDriver {
  const files = loop._os?.files;
  if (files === undefined) throw new TypeError(`${where}: this loop's OS has no files driver (OS.files)`);
  return files;
}

/**
 * Checked `file`, `offset`, `count` (null: to EOF) and `fallback` for
 * `where`. With `loop`, its files driver checks `file` (what that backend
 * reads); without, only that it is a non-negative integer or an object, and
 * `streamFile` checks the rest.
 */
export function checkSendfileArgs(
  file: unknown,
  offset: unknown,
  count: unknown,
  opts: unknown,
  where: string,
  loop?: EventLoop,
): { offset: number; count: number | null; fallback: boolean } {
  if (loop !== undefined) fileDriver(loop, where).checkFile(file, where);
  else checkSourceShape(file, where);
  if (typeof offset !== 'number' || !Number.isInteger(offset)) throw new TypeError(`${where}: offset must be an integer, got ${describeValue(offset)}`);
  if (offset < 0) throw new RangeError(`${where}: offset must be a non-negative integer (got ${offset})`);
  let n: number | null = null;
  if (count !== undefined && count !== null) {
    if (typeof count !== 'number' || !Number.isInteger(count)) throw new TypeError(`${where}: count must be a positive integer, got ${describeValue(count)}`);
    if (count <= 0) throw new RangeError(`${where}: count must be a positive integer (got ${count})`);
    n = count;
  }
  if (opts === null || typeof opts !== 'object') throw new TypeError(`${where}: opts must be an object, got ${describeValue(opts)}`);
  const fallback = (opts as SendfileOptions).fallback ?? true;
  if (typeof fallback !== 'boolean') throw new TypeError(`${where}: fallback must be a boolean, got ${describeValue(fallback)}`);
  return { offset, count: n, fallback };
}

function checkSourceShape(file: unknown, where: string): void {
  if (typeof file === 'number') {
    if (!Number.isInteger(file) || file < 0) throw new RangeError(`${where}: file must be a file handle or a non-negative file descriptor, got ${file}`);
    return;
  }
  if (file === null || typeof file !== 'object') {
    throw new TypeError(`${where}: file must be a file handle (a FileHandle, or world.files.open() in a simulation) or a file descriptor, got ${describeValue(file)}`);
  }
}

/**
 * Read `file` from `offset` (`count` bytes, or to EOF) in 64 KiB chunks
 * through the loop's files driver, giving each to `send` (which may wait,
 * for flow control) before reading the next. Each read is awaited as a loop
 * future. Returns the bytes sent.
 */
export async function streamFile(
  loop: EventLoop,
  file: SendfileSource,
  offset: number,
  count: number | null,
  send: (chunk: Uint8Array) => Promise<void> | void,
  where: string,
): Promise<number> {
  const files = fileDriver(loop, where);
  files.checkFile(file, where);
  let sent = 0;
  for (;;) {
    const want = count === null ? SENDFILE_CHUNK : Math.min(SENDFILE_CHUNK, count - sent);
    if (want <= 0) return sent;
    const position = offset + sent;
    // A fresh array per chunk (the driver's): the transport may hold on to the last one until the OS took it.
    const chunk = await driverCall(loop, () => files.read(file, position, want), { label: `${where}: read file` });
    if (chunk.length === 0) return sent;
    await send(chunk);
    sent += chunk.length;
  }
}

/**
 * Stands in for the transport's protocol while the fallback writes: it
 * follows the transport's flow control (pause/resume) and notes the end of
 * the connection, which the real protocol gets once it is restored.
 */
class FallbackProtocol implements StreamProtocol {
  paused: boolean;
  lost: { error: Error | null } | null = null;
  private _waiter: Future<void> | null = null;

  constructor(
    private readonly _loop: EventLoop,
    paused: boolean,
  ) {
    this.paused = paused;
  }

  pauseWriting(): void {
    this.paused = true;
  }

  resumeWriting(): void {
    this.paused = false;
    this._wake();
  }

  connectionLost(error: Error | null): void {
    this.lost = { error };
    this._wake();
  }

  dataReceived(): void {
    // Reading is paused while the fallback runs; data held by the transport waits for the real protocol.
  }

  /** Wait until the write buffer is at or below the low mark; rejects once the connection is lost. */
  async drain(): Promise<void> {
    while (this.paused && this.lost === null) {
      this._waiter = new Future<void>({ loop: this._loop });
      this._waiter._label = 'sendfile: transport drain';
      await this._waiter;
    }
    if (this.lost !== null) throw this.lost.error ?? codeError('EPIPE', 'sendfile: the connection was closed');
  }

  private _wake(): void {
    const w = this._waiter;
    this._waiter = null;
    if (w !== null && !w.done()) w.setResult(undefined);
  }
}

/**
 * A transport sendfile can write to: a stream transport, or a write-only one
 * (a write pipe) without the reading methods, which then have nothing to pause.
 */
function checkTransport(value: unknown, where: string): WriteTransport & Partial<Transport> {
  const t = value as Partial<Transport> | null;
  if (
    t === null ||
    typeof t !== 'object' ||
    typeof t.write !== 'function' ||
    typeof t.getProtocol !== 'function' ||
    typeof t.setProtocol !== 'function' ||
    typeof t.isClosing !== 'function' ||
    typeof t.getWriteBufferSize !== 'function' ||
    typeof t.getWriteBufferLimits !== 'function'
  ) {
    throw new TypeError(`${where}: transport must be a stream or write-pipe transport, got ${describeValue(value)}`);
  }
  return t as WriteTransport & Partial<Transport>;
}

async function sendfileOnTransport(loop: EventLoop, transport: WriteTransport & Partial<Transport>, file: SendfileSource, offset: number, count: number | null): Promise<number> {
  const original = transport.getProtocol() as StreamProtocol;
  // The transport pauses its protocol above the high mark: if it is there now, the real protocol was paused.
  const wasPaused = transport.getWriteBufferSize() > transport.getWriteBufferLimits()[1];
  // A write pipe has no reading side: nothing to set aside.
  const wasReading = transport.isReading?.() === true;
  const proto = new FallbackProtocol(loop, wasPaused);
  if (wasReading) transport.pauseReading?.();
  transport.setProtocol(proto);
  try {
    return await streamFile(
      loop,
      file,
      offset,
      count,
      async (chunk) => {
        await proto.drain();
        if (transport.isClosing()) throw codeError('EPIPE', 'sendfile: the transport was closed meanwhile');
        transport.write(chunk);
      },
      'sendfile',
    );
  } finally {
    transport.setProtocol(original);
    if (proto.lost !== null) {
      try {
        original.connectionLost?.(proto.lost.error);
      } catch (e) {
        loop.callExceptionHandler({ message: 'Exception in protocol.connectionLost()', exception: e, transport, protocol: original });
      }
    } else {
      // Bring the real protocol's view of flow control up to date.
      if (proto.paused !== wasPaused) {
        try {
          if (proto.paused) original.pauseWriting?.();
          else original.resumeWriting?.();
        } catch (e) {
          loop.callExceptionHandler({ message: 'protocol flow control callback failed', exception: e, transport, protocol: original });
        }
      }
      if (wasReading && !transport.isClosing()) transport.resumeReading?.();
    }
  }
}

EventLoop.prototype.sendfile = async function sendfile(this: EventLoop, transport, file, offset = 0, count = null, opts = {}) {
  const t = checkTransport(transport, 'sendfile');
  const args = checkSendfileArgs(file, offset, count, opts, 'sendfile', this);
  if (t.isClosing()) throw new InvalidStateError('sendfile: the transport is closing');
  if (t.getProtocol() instanceof FallbackProtocol) throw new InvalidStateError('sendfile: another sendfile is in progress on this transport');
  if (!args.fallback) throw new SendfileNotAvailableError('sendfile: Node has no zero-copy sendfile and fallback is false');
  return sendfileOnTransport(this, t, file, args.offset, args.count);
};
