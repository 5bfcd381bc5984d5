import { asBuffer } from './bytes.js';

/**
 * The growable byte buffer behind a StreamReader (asyncio's `bytearray`):
 * bytes are appended at the end and consumed from the front. Consuming only
 * moves an offset, and appending compacts or grows the storage, so a long
 * stream of small reads costs O(bytes), not O(bytes x reads) as deleting a
 * prefix of a `bytearray` does. A chunk handed over with `adopt` while the
 * buffer is empty is kept as it is, and what is taken from it is a view, not
 * a copy: a connection whose reader keeps up (the usual case) copies no byte.
 */
export class ByteBuffer {
  private _buf: Buffer = EMPTY;
  private _start = 0;
  private _end = 0;
  /** `_buf` is an adopted chunk: never written to (views of it were handed out). */
  private _adopted = false;

  /** Bytes held. */
  get length(): number {
    return this._end - this._start;
  }

  /** Append a copy of `data`. */
  append(data: Uint8Array): void {
    const n = data.length;
    if (n === 0) return;
    if (this._adopted || this._end + n > this._buf.length) this._makeRoom(n);
    this._buf.set(data, this._end);
    this._end += n;
  }

  /**
   * Append `chunk`, which the caller gives up: nobody may write to it any
   * more. When the buffer is empty it is held without a copy (but for a
   * small plain Uint8Array: see `asBuffer`), and takes return views of it;
   * otherwise it is copied like `append`.
   */
  adopt(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    if (this._end !== this._start) {
      this.append(chunk);
      return;
    }
    this._buf = asBuffer(chunk);
    this._start = 0;
    this._end = n;
    this._adopted = true;
  }

  /**
   * Remove the first `n` bytes (at most all of them) and return them as a
   * Buffer of the caller's own: a copy, or a view of an adopted chunk (whose
   * bytes nobody writes to any more).
   */
  take(n: number): Buffer {
    const len = this.length;
    if (n > len) n = len;
    const start = this._start;
    let out: Buffer;
    if (this._adopted) {
      out = start === 0 && n === this._buf.length ? this._buf : this._buf.subarray(start, start + n);
    } else {
      out = Buffer.allocUnsafe(n);
      this._buf.copy(out, 0, start, start + n);
    }
    this._drop(n);
    return out;
  }

  /** Remove the first `n` bytes (at most all of them). */
  skip(n: number): void {
    this._drop(Math.min(n, this.length));
  }

  /** Remove everything. */
  clear(): void {
    this._drop(this.length);
  }

  /** The index (from the front) of the first occurrence of `needle` at or after `from`, or -1. */
  indexOf(needle: Uint8Array, from: number): number {
    return this._view().indexOf(needle, from);
  }

  /** Whether `needle` occurs exactly at index `at`. */
  startsWithAt(needle: Uint8Array, at: number): boolean {
    if (at + needle.length > this.length) return false;
    const base = this._start + at;
    for (let i = 0; i < needle.length; i++) {
      if (this._buf[base + i] !== needle[i]) return false;
    }
    return true;
  }

  private _view(): Buffer {
    return this._buf.subarray(this._start, this._end);
  }

  private _drop(n: number): void {
    this._start += n;
    if (this._start === this._end) {
      this._start = this._end = 0;
      // An adopted chunk is never reused as storage; and a burst that grew
      // the storage far past what is used should not pin that memory for
      // the life of the connection.
      if (this._adopted || this._buf.length > SHRINK_ABOVE) {
        this._buf = EMPTY;
        this._adopted = false;
      }
    }
  }

  private _makeRoom(n: number): void {
    const len = this.length;
    const cap = this._adopted ? 0 : this._buf.length;
    if (len + n <= cap && this._start >= cap >>> 1) {
      // Enough room once the consumed prefix is reclaimed, and reclaiming it
      // moves at most half the storage.
      this._buf.copy(this._buf, 0, this._start, this._end);
    } else {
      let size = Math.max(cap * 2, MIN_CAPACITY);
      while (size < len + n) size *= 2;
      const next = Buffer.allocUnsafe(size);
      this._buf.copy(next, 0, this._start, this._end);
      this._buf = next;
      this._adopted = false;
    }
    this._start = 0;
    this._end = len;
  }
}

const EMPTY = Buffer.alloc(0);
const MIN_CAPACITY = 4096;
const SHRINK_ABOVE = 1 << 20;
