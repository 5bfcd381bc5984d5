/** What the heap orders: a time, a tie-breaking sequence, and a cancelled flag. */
export interface TimerEntry {
  readonly _when: number;
  readonly _seq: number;
  readonly _cancelled: boolean;
  _scheduled: boolean;
}

/** Compaction waits for at least this many cancelled entries (asyncio uses 100 too). */
const MIN_CANCELLED_FOR_COMPACTION = 100;

/**
 * A binary min-heap of timers ordered by (when, seq): timers due at the same
 * time pop in the order they were scheduled, which CPython's heap leaves
 * unordered. Cancellation is lazy (O(1)): cancelled entries are skipped when
 * they reach the top, and the heap is rebuilt without them once they are more
 * than half of it, so memory stays bounded under schedule/cancel churn.
 */
export class TimerHeap<T extends TimerEntry> {
  private items: T[] = [];
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
    const items = this.items;
    items.push(entry);
    this.siftUp(items.length - 1);
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
    for (let i = (live.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** Remove everything. */
  clear(): void {
    for (const e of this.items) e._scheduled = false;
    this.items = [];
    this.cancelledCount = 0;
  }

  /** The live entries, in no particular order. */
  *live(): IterableIterator<T> {
    for (const e of this.items) if (!e._cancelled) yield e;
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
    if (n > 1) {
      items[0] = last;
      this.siftDown(0);
    }
    top._scheduled = false;
    return top;
  }

  private siftUp(i: number): void {
    const items = this.items;
    const e = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = items[p]!;
      if (pe._when < e._when || (pe._when === e._when && pe._seq < e._seq)) break;
      items[i] = pe;
      i = p;
    }
    items[i] = e;
  }

  private siftDown(i: number): void {
    const items = this.items;
    const n = items.length;
    const e = items[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ce = items[c]!;
      const r = c + 1;
      if (r < n) {
        const re = items[r]!;
        if (re._when < ce._when || (re._when === ce._when && re._seq < ce._seq)) {
          c = r;
          ce = re;
        }
      }
      if (e._when < ce._when || (e._when === ce._when && e._seq < ce._seq)) break;
      items[i] = ce;
      i = c;
    }
    items[i] = e;
  }
}
