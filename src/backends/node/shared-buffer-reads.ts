import type net from 'node:net';

/**
 * Node's user-buffer reads, the mechanism behind `net.connect`'s `onread`
 * option: the kernel's bytes land in a buffer the caller gave, and a
 * callback gets their count, instead of each read making a buffer of its own
 * and pushing it through the socket's Readable stream to a 'data' event.
 *
 * Why: that Readable path costs about 1.5 us per read on the benchmark
 * machine, half of what simloop's whole Protocol echo adds to raw Node. With
 * both ends reading this way a one-connection echo went from 30.6 to 27 us
 * per round trip (raw node:net 28.5), and the Streams echo from 35.6 to 31.4.
 *
 * How: accepted sockets take no `onread` option (the server makes them), so
 * this sets on a socket what Node's constructor sets for that option (three
 * fields, found by their symbols' descriptions) and gives the handle the
 * buffer, as the constructor's `initSocketHandle` does. Node's own `pause`,
 * `resume`, EOF and error paths read the same fields. Where a Node lacks any
 * of them (or the socket already reads this way), nothing is changed and the
 * caller falls back to 'data' events.
 *
 * TLS sockets read this way too: their TLS layer hands the decrypted bytes
 * to the same kind of reader.
 *
 * One buffer serves every socket of the thread: a read fills it and calls
 * the callback at once, before the next read of any socket, and the callback
 * copies the bytes out (see copyRead). Worker threads
 * load their own copy of this module, so their own buffer.
 */

/** The socket fields behind `onread`: the buffer, the callback and the buffer generator. */
interface UserBufferKeys {
  readonly buffer: symbol;
  readonly callback: symbol;
  readonly generator: symbol;
}

/** What this module touches on a socket beyond its public API. */
type SocketFields = Record<symbol, unknown> & {
  _handle?: { useUserBuffer?: (buf: Uint8Array) => void } | null;
};

/** Node's default read size, and so the largest count one read delivers. */
const READ_SIZE = 64 * 1024;

/** The thread's read buffer, in memory of its own (never a slice of Node's pool, never moved). */
const sharedBuffer: Buffer = Buffer.allocUnsafeSlow(READ_SIZE);

/** The keys, looked up on the first socket; null when this Node has not got them. */
let keys: UserBufferKeys | null | undefined;

function findKeys(socket: object): UserBufferKeys | null {
  const symbols = Object.getOwnPropertySymbols(socket);
  const find = (description: string): symbol | undefined => symbols.find((s) => s.description === description);
  const buffer = find('kBuffer');
  const callback = find('kBufferCb');
  const generator = find('kBufferGen');
  return buffer !== undefined && callback !== undefined && generator !== undefined ? { buffer, callback, generator } : null;
}

/**
 * Have `socket` read into the shared buffer from now on, handing each read's
 * bytes (a copy the receiver owns) to `onChunk`. Bytes Node had already read
 * into the socket's stream go to `onChunk` first. False, with nothing
 * changed, where this Node or this socket cannot: the caller then listens
 * for 'data'.
 */
export function readIntoSharedBuffer(socket: net.Socket, onChunk: (chunk: Buffer) => void): boolean {
  const s = socket as unknown as SocketFields;
  const handle = s._handle;
  // A socket that will read no more (made write-only, or its EOF already
  // delivered) is left on 'data': resume() would start reading its handle.
  if (handle == null || typeof handle.useUserBuffer !== 'function' || !socket.readable) return false;
  if (keys === undefined) keys = findKeys(socket);
  const k = keys;
  // A socket made with `onread` (or by a Node whose fields differ) is left as it is.
  if (k === null || s[k.buffer] !== null || s[k.callback] !== null || s[k.generator] !== null) return false;
  while (socket.readableLength > 0) {
    const chunk = socket.read() as Buffer | null;
    if (chunk === null) break;
    onChunk(chunk);
  }
  s[k.buffer] = sharedBuffer;
  s[k.callback] = (count: number, buffer: Buffer): void => {
    onChunk(copyRead(buffer, count));
  };
  handle.useUserBuffer(sharedBuffer);
  return true;
}

/**
 * The first `count` bytes of `buffer` in memory of their own, of exactly that
 * size, as Node's own reads make them: a copy from Node's shared pool would
 * keep the pool's whole 8 KiB block alive for as long as a protocol keeps a
 * small chunk (a partial message waiting for its rest), per connection.
 */
function copyRead(buffer: Buffer, count: number): Buffer {
  const out = Buffer.allocUnsafeSlow(count);
  buffer.copy(out, 0, 0, count);
  return out;
}

/**
 * Make a socket that `readIntoSharedBuffer` switched read through its
 * Readable stream again, for a layer that takes the socket over (TLS wraps
 * the handle with a reader of its own, which Node's fields must not steer).
 * Call it with the socket paused.
 */
export function stopSharedBufferReads(socket: net.Socket): void {
  const k = keys;
  if (k === null || k === undefined) return;
  const s = socket as unknown as SocketFields;
  if (s[k.buffer] !== sharedBuffer) return;
  s[k.buffer] = null;
  s[k.callback] = null;
}
