import type net from 'node:net';
import { getSystemErrorName } from 'node:util';

/**
 * Writes straight to a socket's libuv handle: the call Node's own
 * `socket.write` ends in (`handle.writeBuffer(req, bytes)`), without the
 * Writable stream in front of it.
 *
 * Why: a transport keeps its own write buffer accounting and flow control,
 * so the Writable's work on each write (its state, its write queue, and an
 * `afterWrite` tick per write, each tick an async resource while any
 * AsyncLocalStorage is in use) buys nothing. A one-connection echo does two
 * writes per round trip: writing to the handle took 1.3 to 2.5 us off each
 * round trip of bench/net-echo.ts here (about 30 us raw).
 *
 * How: a write request must be an instance of Node's `WriteWrap`, which only
 * Node's internal bindings export. The first write of a process goes through
 * `socket.write` with the handle's `writeBuffer` watched for that one call,
 * and the request Node makes there gives the class. Where that fails (a Node
 * whose write path differs), nothing changes and writes keep going through
 * `socket.write`.
 *
 * Order: libuv writes a handle's requests in the order made, and one made
 * while others wait is queued behind them, so bytes go out in `write` order;
 * `socket.end()` (Node's shutdown request) waits for the queued writes too.
 * What this skips: Node's socket timeout refresh on write (simloop's
 * transports never set one), the `'drain'` event (the caller watches the
 * handle's queue instead), and the socket's `writableLength`, which no
 * longer counts these bytes (`handle.writeQueueSize` does).
 */

/** The handle methods used here (libuv stream handles: TCP and unix sockets). */
interface StreamHandle {
  writeBuffer(req: object, data: Uint8Array): number;
  /** Bytes libuv holds for writes not yet handed to the kernel. */
  readonly writeQueueSize: number;
}

/** What a handle write reports to once the kernel has its bytes, or the write failed. */
export interface HandleWriteOwner {
  /** A write libuv had to queue finished: `status` 0, or a negative errno. */
  _handleWriteDone(status: number): void;
}

/** Node's write request, with the fields Node's own completion code reads and one of ours. */
interface WriteRequest {
  handle: StreamHandle;
  oncomplete: (this: WriteRequest, status: number) => void;
  async: boolean;
  bytes: number;
  buffer: Uint8Array | null;
  callback: null;
  /** An error text the handle may add (Node's `errnoException` third argument). */
  error?: string;
  owner: HandleWriteOwner;
}

type WriteWrapClass = new () => WriteRequest;

/** Node's WriteWrap, once a write showed it; null when this Node's write path gave nothing usable. */
let writeWrap: WriteWrapClass | null | undefined;

/** The socket's libuv handle when it can take writes here, else null. */
export function writableHandle(socket: net.Socket): StreamHandle | null {
  const handle = (socket as unknown as { _handle?: Partial<StreamHandle> | null })._handle;
  if (handle == null || typeof handle.writeBuffer !== 'function' || typeof handle.writeQueueSize !== 'number') return null;
  return handle as StreamHandle;
}

/** Whether handle writes are possible in this process: unknown until the first write, when `learnWriteRequest` finds out. */
export function handleWritesKnown(): boolean | undefined {
  return writeWrap === undefined ? undefined : writeWrap !== null;
}

/**
 * `socket.write(chunk)`, noting the class of the request Node gives the
 * handle. Call it for a write made with nothing buffered in the socket's
 * Writable, so that Node hands the bytes to the handle in this very call.
 */
export function learnWriteRequest(socket: net.Socket, handle: StreamHandle, chunk: Uint8Array): void {
  const original = handle.writeBuffer;
  let seen: unknown;
  Object.defineProperty(handle, 'writeBuffer', {
    configurable: true,
    writable: true,
    value(this: StreamHandle, req: object, data: Uint8Array): number {
      seen ??= (req as { constructor?: unknown }).constructor;
      return original.call(this, req, data);
    },
  });
  try {
    socket.write(chunk);
  } finally {
    delete (handle as { writeBuffer?: unknown }).writeBuffer;
  }
  if (writeWrap !== undefined) return;
  if (seen === undefined) return; // the Writable kept the bytes: learn at a later write
  writeWrap = typeof seen === 'function' && seen !== Object && isWriteRequestClass(seen as WriteWrapClass) ? (seen as WriteWrapClass) : null;
}

/** A request of this class takes the fields set below (a class Node seals or freezes would not). */
function isWriteRequestClass(cls: WriteWrapClass): boolean {
  try {
    const req = new cls();
    req.owner = noOwner;
    return req.owner === noOwner;
  } catch {
    return false;
  }
}

const noOwner: HandleWriteOwner = { _handleWriteDone() {} };

function onWriteComplete(this: WriteRequest, status: number): void {
  // The bytes are the kernel's now: drop the references.
  this.buffer = null;
  this.owner._handleWriteDone(status);
}

/**
 * Write `chunk` to `handle` (after `learnWriteRequest` found the request
 * class). Returns 0 when it was accepted: all of it handed to the kernel, or
 * the rest queued by libuv (then `handle.writeQueueSize` counts it, and
 * `owner._handleWriteDone` is called when it is written or has failed). A
 * negative errno when the write failed at once.
 */
export function writeToHandle(handle: StreamHandle, chunk: Uint8Array, owner: HandleWriteOwner): number {
  const req = new writeWrap!();
  req.handle = handle;
  req.oncomplete = onWriteComplete;
  req.async = false;
  req.bytes = 0;
  // Held while libuv may still read from it (the handle keeps a pointer).
  req.buffer = chunk;
  req.callback = null;
  req.owner = owner;
  return handle.writeBuffer(req, chunk);
}

/** A failed write's error as Node makes it (`write EPIPE`, with `errno`, `code`, `syscall`). */
export function writeError(errno: number): NodeJS.ErrnoException {
  let code: string;
  try {
    code = getSystemErrorName(errno);
  } catch {
    code = `Unknown system error ${errno}`;
  }
  return Object.assign(new Error(`write ${code}`), { errno, code, syscall: 'write' });
}
