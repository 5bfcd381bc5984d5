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
