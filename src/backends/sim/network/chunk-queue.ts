import { Ring } from './ring.js';

/**
 * A FIFO of byte chunks with a running byte count: `take(n)` removes up to
 * `n` bytes from the front, without copying when they lie in one chunk.
 * The chunks are the queue's own (callers copy what they do not own).
 */
export class ChunkQueue {
  private readonly _chunks = new Ring<Uint8Array>();
  /** Bytes queued. */
  bytes = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this._chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /** Remove and return up to `n` (> 0) bytes from the front; empty when nothing is queued. */
  take(n: number): Uint8Array {
    const chunks = this._chunks;
    const first = chunks.at(0);
    if (first === undefined) return new Uint8Array(0);
    if (first.length >= n) {
      this.bytes -= n;
      if (first.length === n) {
        chunks.shift();
        return first;
      }
      chunks.setAt(0, first.subarray(n));
      return first.subarray(0, n);
    }
    const size = Math.min(n, this.bytes);
    const out = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const c = chunks.at(0)!;
      const want = size - filled;
      if (c.length <= want) {
        out.set(c, filled);
        filled += c.length;
        chunks.shift();
      } else {
        out.set(c.subarray(0, want), filled);
        chunks.setAt(0, c.subarray(want));
        filled += want;
      }
    }
    this.bytes -= size;
    return out;
  }

  /**
   * Remove and return the first chunk whole if it has at most `max` (> 0)
   * bytes, else its first `max` bytes; never copies. Undefined when empty.
   */
  takeChunk(max: number): Uint8Array | undefined {
    const chunks = this._chunks;
    const first = chunks.at(0);
    if (first === undefined) return undefined;
    if (first.length <= max) {
      chunks.shift();
      this.bytes -= first.length;
      return first;
    }
    chunks.setAt(0, first.subarray(max));
    this.bytes -= max;
    return first.subarray(0, max);
  }

  /** Remove and return the first chunk whole, or undefined. */
  shift(): Uint8Array | undefined {
    const c = this._chunks.shift();
    if (c !== undefined) this.bytes -= c.length;
    return c;
  }

  /** Drop everything. */
  clear(): void {
    this._chunks.clear();
    this.bytes = 0;
  }
}
