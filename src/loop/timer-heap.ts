/** What the heap orders: a time, a tie-breaking sequence, and a cancelled flag. */
export interface TimerEntry {
  readonly _when: number;
  readonly _seq: number;
  readonly _cancelled: boolean;
  _scheduled: boolean;
}

/** Compaction waits for at least this many cancelled entries (asyncio uses 100 too). */
const MIN_CANCELLED_FOR_COMPACTION = 100;

/** Key slots allocated at first; they double as the heap grows. */
const INITIAL_CAPACITY = 64;

/**
 * A binary min-heap of timers ordered by (when, seq): timers due at the same
 * time pop in the order they were scheduled, which CPython's heap leaves
 * unordered. Cancellation is lazy (O(1)): cancelled entries are skipped when
 * they reach the top, and the heap is rebuilt without them once they are more
 * than half of it, so memory stays bounded under schedule/cancel churn.
 *
 * The keys live in typed arrays beside the entries: a sift compares numbers
 * in contiguous memory instead of following a pointer to each timer, which
 * with 1e5 timers pending is most of the cost of a pop (cache misses).
 */
export class TimerHeap<T extends TimerEntry> {
  private items: T[] = [];
  private whens: Float64Array = new Float64Array(INITIAL_CAPACITY);
  private seqs: Float64Array = new Float64Array(INITIAL_CAPACITY);
  private cancelledCount = 0;

  /** Entries held, including cancelled ones not yet dropped. */
  get size(): number {
    return this.items.length;
  }

  /** Cancelled entries still held. */
  get cancelled(): number {
    return this.cancelledCount;
  }

  /** Add an entry: O(log n). */
  push(entry: T): void {
    entry._scheduled = true;
    const n = this.items.length;
    if (n === this.whens.length) this.grow(n * 2);
    this.items.push(entry);
    this.siftUp(n, entry, entry._when, entry._seq);
  }

  /** The earliest live entry without removing it; drops cancelled entries from the top. */
  peek(): T | undefined {
    this.dropCancelledTop();
    return this.items[0];
  }

  /** Remove and return the earliest live entry. */
  pop(): T | undefined {
    this.dropCancelledTop();
    return this.removeTop();
  }

  /**
   * Record that an entry still in the heap was cancelled; rebuild the heap
   * when cancelled entries are the majority. Amortised O(1).
   */
  noteCancelled(): void {
    this.cancelledCount++;
    if (this.cancelledCount >= MIN_CANCELLED_FOR_COMPACTION && this.cancelledCount * 2 > this.items.length) {
      this.compact();
    }
  }

  /** Rebuild without cancelled entries: O(n). */
  compact(): void {
    const live: T[] = [];
    for (const e of this.items) {
      if (e._cancelled) e._scheduled = false;
      else live.push(e);
    }
    this.items = live;
    this.cancelledCount = 0;
    // Shrink with the live set, so that memory stays bounded after a burst.
    const capacity = Math.max(INITIAL_CAPACITY, live.length * 2);
    if (capacity < this.whens.length) {
      this.whens = new Float64Array(capacity);
      this.seqs = new Float64Array(capacity);
    }
    const whens = this.whens;
    const seqs = this.seqs;
    for (let i = 0; i < live.length; i++) {
      whens[i] = live[i]!._when;
      seqs[i] = live[i]!._seq;
    }
    for (let i = (live.length >> 1) - 1; i >= 0; i--) this.siftDown(i, live[i]!, whens[i]!, seqs[i]!, live.length);
  }

  /** Remove everything. */
  clear(): void {
    for (const e of this.items) e._scheduled = false;
    this.items = [];
    this.cancelledCount = 0;
    if (this.whens.length > INITIAL_CAPACITY) {
      this.whens = new Float64Array(INITIAL_CAPACITY);
      this.seqs = new Float64Array(INITIAL_CAPACITY);
    }
  }

  /** The live entries, in no particular order. */
  *live(): IterableIterator<T> {
    for (const e of this.items) if (!e._cancelled) yield e;
  }

  private grow(capacity: number): void {
    const whens = new Float64Array(capacity);
    const seqs = new Float64Array(capacity);
    whens.set(this.whens);
    seqs.set(this.seqs);
    this.whens = whens;
    this.seqs = seqs;
  }

  private dropCancelledTop(): void {
    const items = this.items;
    while (items.length > 0 && items[0]!._cancelled) {
      this.removeTop();
      this.cancelledCount--;
    }
  }

  private removeTop(): T | undefined {
    const items = this.items;
    const n = items.length;
    if (n === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (n > 1) this.siftDown(0, last, this.whens[n - 1]!, this.seqs[n - 1]!, n - 1);
    top._scheduled = false;
    return top;
  }

  /** Place entry `e` (keys `w`, `q`) at a hole at `i`, moving parents down. */
  private siftUp(i: number, e: T, w: number, q: number): void {
    const items = this.items;
    const whens = this.whens;
    const seqs = this.seqs;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pw = whens[p]!;
      if (pw < w || (pw === w && seqs[p]! < q)) break;
      items[i] = items[p]!;
      whens[i] = pw;
      seqs[i] = seqs[p]!;
      i = p;
    }
    items[i] = e;
    whens[i] = w;
    seqs[i] = q;
  }

  /** Place entry `e` (keys `w`, `q`) at a hole at `i` of a heap of `n`, moving children up. */
  private siftDown(i: number, e: T, w: number, q: number, n: number): void {
    const items = this.items;
    const whens = this.whens;
    const seqs = this.seqs;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let cw = whens[c]!;
      let cq = seqs[c]!;
      const r = c + 1;
      if (r < n) {
        const rw = whens[r]!;
        if (rw < cw || (rw === cw && seqs[r]! < cq)) {
          c = r;
          cw = rw;
          cq = seqs[r]!;
        }
      }
      if (w < cw || (w === cw && q < cq)) break;
      items[i] = items[c]!;
      whens[i] = cw;
      seqs[i] = cq;
      i = c;
    }
    items[i] = e;
    whens[i] = w;
    seqs[i] = q;
  }
}
