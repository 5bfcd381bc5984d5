/**
 * A FIFO of byte chunks with a running byte count: `take(n)` removes up to
 * `n` bytes from the front, without copying when they lie in one chunk.
 * The chunks are the queue's own (callers copy what they do not own).
 */
export class ChunkQueue {
  private _chunks: Uint8Array[] = [];
  private _head = 0;
  /** Bytes queued. */
  bytes = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this._chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /** Remove and return up to `n` (> 0) bytes from the front; empty when nothing is queued. */
  take(n: number): Uint8Array {
    const first = this._chunks[this._head];
    if (first === undefined) return new Uint8Array(0);
    if (first.length >= n) {
      if (first.length === n) this._shift();
      else this._chunks[this._head] = first.subarray(n);
      this.bytes -= n;
      return first.length === n ? first : first.subarray(0, n);
    }
    const size = Math.min(n, this.bytes);
    const out = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const c = this._chunks[this._head]!;
      const want = size - filled;
      if (c.length <= want) {
        out.set(c, filled);
        filled += c.length;
        this._shift();
      } else {
        out.set(c.subarray(0, want), filled);
        this._chunks[this._head] = c.subarray(want);
        filled += want;
      }
    }
    this.bytes -= size;
    return out;
  }

  /** Remove and return the first chunk whole, or undefined. */
  shift(): Uint8Array | undefined {
    const c = this._chunks[this._head];
    if (c === undefined) return undefined;
    this._shift();
    this.bytes -= c.length;
    return c;
  }

  /** Drop everything. */
  clear(): void {
    this._chunks = [];
    this._head = 0;
    this.bytes = 0;
  }

  private _shift(): void {
    this._chunks[this._head++] = undefined as unknown as Uint8Array;
    if (this._head === this._chunks.length) {
      this._chunks = [];
      this._head = 0;
    } else if (this._head > 64 && this._head * 2 > this._chunks.length) {
      this._chunks = this._chunks.slice(this._head);
      this._head = 0;
    }
  }
}
