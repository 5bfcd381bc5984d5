/** Bytes as streams accept them: a Uint8Array, or a string sent as UTF-8. */
export type BytesLike = Uint8Array | string;

/** `value` as bytes (a string as UTF-8); `TypeError` naming `what` for anything else. */
export function toBytes(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  throw new TypeError(`${what} must be a Uint8Array or a string, got ${value === null ? 'null' : typeof value}`);
}

/** An empty result, fresh each time (callers may keep and mutate what they get). */
export function emptyBytes(): Buffer {
  return Buffer.alloc(0);
}

/**
 * V8 keeps a typed array of up to this many bytes inside the JS heap; reading
 * its `.buffer` first moves the bytes out to a backing store of their own,
 * which costs about a microsecond (an off-heap allocation), against about 80 ns
 * for a pooled copy.
 */
const ON_HEAP_MAX = 64;

/**
 * `bytes` as a Node Buffer over the same memory, or, for a plain Uint8Array
 * small enough to live inside the JS heap, a pooled copy of it. For bytes the
 * caller has given up (nobody writes to them any more), where a copy and a
 * view read the same.
 */
export function asBuffer(bytes: Uint8Array): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes;
  if (bytes.byteLength <= ON_HEAP_MAX) return Buffer.from(bytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A copy of `bytes` the caller owns, as a Buffer: small ones come from Node's
 * shared pool, where `new Uint8Array(bytes)` above 64 bytes makes an off-heap
 * store of its own (about a microsecond each).
 */
export function copyBytes(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes);
}
