import { Ring } from './ring.js';

/** A chunk's entry in `_charges` when it is plain: it costs its length, and may be split. */
const PLAIN = -1;

/**
 * A FIFO of byte chunks with a running byte count: `take(n)` removes up to
 * `n` bytes from the front, without copying when they lie in one chunk.
 * The chunks are the queue's own (callers copy what they do not own).
 *
 * A chunk may be pushed with a charge (`pushCharged`: a TLS record, whose
 * ciphertext length varies from run to run): it then counts for its charge
 * instead of its length, in `bytes` and wherever the network sizes things,
 * and is never split. A queue that ever held one is `charged`, and its
 * segments are taken with `takeSegment`.
 */
export class ChunkQueue {
  private readonly _chunks = new Ring<Uint8Array>();
  /** Per chunk, its charge, or PLAIN; null while every chunk ever pushed was plain (the usual case costs nothing). */
  private _charges: Ring<number> | null = null;
  /** Bytes queued (charges, for charged chunks). */
  bytes = 0;
  /** The charge of what the last `takeSegment` returned. */
  segmentCharge = 0;

  /** Chunks queued (a charged queue may hold chunks of charge 0 while `bytes` is 0). */
  get size(): number {
    return this._chunks.size;
  }

  /** Whether a charged chunk was ever pushed: take segments with `takeSegment`. */
  get charged(): boolean {
    return this._charges !== null;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this._chunks.push(chunk);
    this._charges?.push(PLAIN);
    this.bytes += chunk.length;
  }

  /** Queue `chunk` (not empty) as one unit that counts for `charge` (>= 0) bytes. */
  pushCharged(chunk: Uint8Array, charge: number): void {
    if (chunk.length === 0) return;
    let charges = this._charges;
    if (charges === null) {
      charges = this._charges = new Ring<number>();
      for (let i = 0; i < this._chunks.size; i++) charges.push(PLAIN);
    }
    this._chunks.push(chunk);
    charges.push(charge);
    this.bytes += charge;
  }

  /** Remove and return up to `n` (> 0) bytes from the front; empty when nothing is queued. Plain queues only. */
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
    // Every byte is written below; a pooled Buffer, as copyBytes explains.
    const out = Buffer.allocUnsafe(size);
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
   * Plain queues only.
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

  /**
   * Move the first chunk to `to`: whole if it is charged or has at most
   * `max` (> 0) bytes, else its first `max` bytes; never copies.
   */
  moveChunkTo(to: ChunkQueue, max: number): void {
    const charges = this._charges;
    if (charges === null) {
      const chunk = this.takeChunk(max);
      if (chunk !== undefined) to.push(chunk);
      return;
    }
    const chunks = this._chunks;
    const first = chunks.at(0);
    if (first === undefined) return;
    const charge = charges.at(0)!;
    if (charge === PLAIN && first.length > max) {
      chunks.setAt(0, first.subarray(max));
      this.bytes -= max;
      to.push(first.subarray(0, max));
      return;
    }
    chunks.shift();
    charges.shift();
    if (charge === PLAIN) {
      this.bytes -= first.length;
      to.push(first);
    } else {
      this.bytes -= charge;
      to.pushCharged(first, charge);
    }
  }

  /**
   * Charged queues: remove whole chunks from the front while their charges
   * add up to at most `limit` (chunks of charge 0 always fit; a plain chunk
   * is split to fill what is left), joined into one segment; its charge is
   * `segmentCharge`. When the first chunk alone is over `limit`, it is taken
   * alone if `force`, else nothing is: null.
   */
  takeSegment(limit: number, force: boolean): Uint8Array | null {
    const chunks = this._chunks;
    const charges = this._charges!;
    let count = 0;
    let charge = 0;
    let length = 0;
    /** Bytes taken from a plain chunk that does not fit whole (it ends the segment). */
    let part = 0;
    for (; count < chunks.size; count++) {
      const chunk = chunks.at(count)!;
      const c = charges.at(count)!;
      const cost = c === PLAIN ? chunk.length : c;
      if (cost === 0 || charge + cost <= limit) {
        charge += cost;
        length += chunk.length;
        continue;
      }
      if (c === PLAIN && limit - charge > 0) part = limit - charge;
      else if (count === 0 && force) {
        charge = cost;
        length = chunk.length;
        count = 1;
      }
      break;
    }
    if (count === 0 && part === 0) return null;
    charge += part;
    length += part;
    this.bytes -= charge;
    this.segmentCharge = charge;
    if (count === 1 && part === 0) {
      charges.shift();
      return chunks.shift()!;
    }
    const out = Buffer.allocUnsafe(length);
    let filled = 0;
    for (let i = 0; i < count; i++) {
      const chunk = chunks.shift()!;
      charges.shift();
      out.set(chunk, filled);
      filled += chunk.length;
    }
    if (part > 0) {
      const chunk = chunks.at(0)!;
      out.set(chunk.subarray(0, part), filled);
      chunks.setAt(0, chunk.subarray(part));
    }
    return out;
  }

  /** Remove and return the first chunk whole, or undefined. */
  shift(): Uint8Array | undefined {
    const c = this._chunks.shift();
    if (c === undefined) return undefined;
    const charges = this._charges;
    if (charges === null) {
      this.bytes -= c.length;
      return c;
    }
    const charge = charges.shift()!;
    this.bytes -= charge === PLAIN ? c.length : charge;
    return c;
  }

  /** Drop everything. */
  clear(): void {
    this._chunks.clear();
    this._charges?.clear();
    this.bytes = 0;
  }
}
