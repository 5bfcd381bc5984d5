/** What the heap orders: a time, a tie-breaking sequence, and a cancelled flag. */
export interface TimerEntry {
  readonly _when: number;
  readonly _seq: number;
  readonly _cancelled: boolean;
  _scheduled: boolean;
}

/** Compaction waits for at least this many cancelled entries (asyncio uses 100 too). */
const MIN_CANCELLED_FOR_COMPACTION = 100;

/** Slots per block: a power of two, so that slot → block is a shift. */
const BLOCK_BITS = 12;
const BLOCK = 1 << BLOCK_BITS;
const MASK = BLOCK - 1;
/** Node (and first slot block) capacity on the first push, so that a loop with few timers stays small. */
const INITIAL_CAPACITY = 64;
/**
 * Node k sits at position k + ROOT: the four children of the node at
 * position p then sit at 4p - 8 .. 4p - 5, a group aligned on four: 64
 * contiguous bytes, read together by a sift.
 */
const ROOT = 3;
/**
 * The storage of a heap that holds nothing: shared, never written (a push
 * first allocates), so that a loop that never sets a timer (most explored
 * runs) allocates no typed array, and emptying a heap frees its storage.
 */
const NO_NODES = new Float64Array(0);
const NO_SLOTS = new Int32Array(0);

/**
 * A min-heap of timers ordered by (when, seq): timers due at the same time
 * pop in the order they were scheduled, which CPython's heap leaves
 * unordered. Cancellation is lazy (O(1)): cancelled entries are skipped when
 * they reach the top, and the heap is rebuilt without them once they are more
 * than half of it, so memory stays bounded under schedule/cancel churn.
 *
 * Layout, for 1e5 timers pending, where a pop is mostly cache misses:
 * - the heap is 4-ary (half the levels of a binary heap), and its nodes are
 *   pairs of numbers (when, slot) in typed arrays, so the four children a
 *   sift compares share one cache line and a sift never follows a pointer;
 * - an entry stays in its slot (`items`, `seqs`) while it is held: sifts
 *   move numbers only, never object references (no write barriers), and the
 *   sequence is read only to break a tie; free slots are a list threaded
 *   through `seqs`, reused last-freed first;
 * - slot storage grows by fixed blocks, never by copying: a growing array
 *   touches fresh memory twice its size, and page faults (about 14 µs each on
 *   the benchmark machine) are a real part of filling a heap of 1e5 timers.
 *   The nodes, which every sift reads, stay in one array (it doubles), so
 *   that a sift indexes them directly.
 */
export class TimerHeap<T extends TimerEntry> {
  /** Node at position p: when at `whens[2p]`, slot at `slots[4p + 2]` (the same memory, read as Int32). */
  private whens: Float64Array = NO_NODES;
  private slots: Int32Array = NO_SLOTS;
  /** Slot blocks: each slot's entry (undefined: free) and sequence number (free: the next free slot, -1: none). */
  private items: (T | undefined)[][] = [];
  private seqs: Float64Array[] = [];
  /** Nodes in the heap. */
  private n = 0;
  /** Slots handed out so far (free ones included). */
  private slotCount = 0;
  private freeHead = -1;
  private cancelledCount = 0;

  /** Entries held, including cancelled ones not yet dropped. */
  get size(): number {
    return this.n;
  }

  /** Cancelled entries still held. */
  get cancelled(): number {
    return this.cancelledCount;
  }

  /** Add an entry: O(log n). */
  push(entry: T): void {
    entry._scheduled = true;
    let slot = this.freeHead;
    if (slot >= 0) {
      // `| 0`: a Float64Array read is a double, and a double stored here
      // would change the field's representation, and with it the heap's
      // hidden class (see loop/shape-anchor.ts).
      this.freeHead = this.seqs[slot >> BLOCK_BITS]![slot & MASK]! | 0;
    } else {
      slot = this.slotCount++;
      this.ensureSlot(slot);
    }
    this.items[slot >> BLOCK_BITS]![slot & MASK] = entry;
    this.seqs[slot >> BLOCK_BITS]![slot & MASK] = entry._seq;
    const p = this.n++ + ROOT;
    if (p * 2 >= this.whens.length) this.growNodes();
    this.siftUp(p, entry._when, slot);
  }

  /** The earliest live entry without removing it; drops cancelled entries from the top. */
  peek(): T | undefined {
    this.dropCancelledTop();
    return this.n === 0 ? undefined : this.itemAt(this.slots[ROOT * 4 + 2]!);
  }

  /** When the earliest live entry is due (Infinity when none); drops cancelled entries from the top. */
  nextWhen(): number {
    this.dropCancelledTop();
    return this.n === 0 ? Infinity : this.whens[ROOT * 2]!;
  }

  /** Remove and return the earliest live entry. */
  pop(): T | undefined {
    this.dropCancelledTop();
    return this.n === 0 ? undefined : this.removeTop();
  }

  /** Remove and return the earliest live entry if it is due at `now` (when <= now), else undefined. */
  popDue(now: number): T | undefined {
    this.dropCancelledTop();
    return this.n === 0 || this.whens[ROOT * 2]! > now ? undefined : this.removeTop();
  }

  /**
   * Record that an entry still in the heap was cancelled; rebuild the heap
   * when cancelled entries are the majority. Amortised O(1).
   */
  noteCancelled(): void {
    this.cancelledCount++;
    if (this.cancelledCount >= MIN_CANCELLED_FOR_COMPACTION && this.cancelledCount * 2 > this.n) {
      this.compact();
    }
  }

  /** Rebuild without cancelled entries, in storage sized to them: O(n). */
  compact(): void {
    const live: T[] = [];
    const whenOf: number[] = [];
    for (let p = ROOT; p < this.n + ROOT; p++) {
      const e = this.itemAt(this.slots[4 * p + 2]!);
      if (e._cancelled) e._scheduled = false;
      else {
        live.push(e);
        whenOf.push(this.whens[2 * p]!);
      }
    }
    const n = live.length;
    this.reset(n);
    // Slot k holds the entry at node k, before the heap is rebuilt over them.
    for (let k = 0; k < n; k++) {
      this.ensureSlot(k);
      this.items[k >> BLOCK_BITS]![k & MASK] = live[k];
      this.seqs[k >> BLOCK_BITS]![k & MASK] = live[k]!._seq;
      this.whens[2 * (k + ROOT)] = whenOf[k]!;
      this.slots[4 * (k + ROOT) + 2] = k;
    }
    this.slotCount = n;
    this.n = n;
    for (let p = ((n - 2) >> 2) + ROOT; p >= ROOT; p--) this.siftDown(p, this.whens[2 * p]!, this.slots[4 * p + 2]!);
  }

  /** Remove everything. */
  clear(): void {
    for (let p = ROOT; p < this.n + ROOT; p++) this.itemAt(this.slots[4 * p + 2]!)._scheduled = false;
    this.release();
  }

  /** The live entries, in no particular order. */
  *live(): IterableIterator<T> {
    for (let p = ROOT; p < this.n + ROOT; p++) {
      const e = this.itemAt(this.slots[4 * p + 2]!);
      if (!e._cancelled) yield e;
    }
  }

  /** @internal for tests: the nodes (0 is the root) that order before their parent; empty when the heap property holds. */
  _misplacedNodes(): number[] {
    const bad: number[] = [];
    for (let p = ROOT + 1; p < this.n + ROOT; p++) {
      const q = ((p - 4) >> 2) + ROOT;
      const qw = this.whens[2 * q]!;
      const w = this.whens[2 * p]!;
      if (!(qw < w || (qw === w && this.seqOf(this.slots[4 * q + 2]!) < this.seqOf(this.slots[4 * p + 2]!)))) bad.push(p - ROOT);
    }
    return bad;
  }

  /** Empty, with no storage: the next push allocates it. */
  private release(): void {
    // Already so (a closing loop that never set a timer): nothing to drop.
    if (this.whens === NO_NODES && this.seqs.length === 0) return;
    this.whens = NO_NODES;
    this.slots = NO_SLOTS;
    this.items = [];
    this.seqs = [];
    this.n = 0;
    this.slotCount = 0;
    this.freeHead = -1;
    this.cancelledCount = 0;
  }

  /** Empty, with storage for `n` entries. */
  private reset(n: number): void {
    const capacity = Math.max(INITIAL_CAPACITY, n + ROOT + 1);
    const buffer = new ArrayBuffer(capacity * 16);
    this.whens = new Float64Array(buffer);
    this.slots = new Int32Array(buffer);
    this.items = [];
    this.seqs = [];
    this.addSlotBlock(Math.min(BLOCK, Math.max(INITIAL_CAPACITY, n)));
    this.n = 0;
    this.slotCount = 0;
    this.freeHead = -1;
    this.cancelledCount = 0;
  }

  /** Double the node array (allocate it, on the first push). */
  private growNodes(): void {
    const buffer = new ArrayBuffer(this.whens === NO_NODES ? INITIAL_CAPACITY * 16 : this.whens.byteLength * 2);
    // Copied as 32-bit integers: bit-exact for the whens and the slots alike.
    new Int32Array(buffer).set(this.slots);
    this.whens = new Float64Array(buffer);
    this.slots = new Int32Array(buffer);
  }

  private addSlotBlock(size: number): void {
    this.items.push(new Array<T | undefined>(size).fill(undefined));
    this.seqs.push(new Float64Array(size));
  }

  /** Make room for slot `s` (the next one). */
  private ensureSlot(s: number): void {
    const b = s >> BLOCK_BITS;
    if (b === this.seqs.length) this.addSlotBlock(b === 0 ? INITIAL_CAPACITY : BLOCK);
    else if ((s & MASK) >= this.seqs[b]!.length) {
      // Only the first block is ever short (and then it is the only one): double it.
      const seqs = this.seqs[0]!;
      const grown = new Float64Array(Math.min(BLOCK, seqs.length * 2));
      grown.set(seqs);
      this.seqs[0] = grown;
      const items = this.items[0]!;
      for (let i = items.length; i < grown.length; i++) items.push(undefined);
    }
  }

  private itemAt(s: number): T {
    return this.items[s >> BLOCK_BITS]![s & MASK]!;
  }

  private seqOf(s: number): number {
    return this.seqs[s >> BLOCK_BITS]![s & MASK]!;
  }

  private dropCancelledTop(): void {
    while (this.n > 0 && this.itemAt(this.slots[ROOT * 4 + 2]!)._cancelled) {
      this.removeTop();
      this.cancelledCount--;
    }
  }

  /** Remove the top node (the heap is not empty) and free its slot. */
  private removeTop(): T {
    const slot = this.slots[ROOT * 4 + 2]!;
    const b = slot >> BLOCK_BITS;
    const o = slot & MASK;
    const top = this.items[b]![o]!;
    this.items[b]![o] = undefined;
    this.seqs[b]![o] = this.freeHead;
    this.freeHead = slot;
    const last = --this.n + ROOT;
    if (last > ROOT) this.siftDown(ROOT, this.whens[2 * last]!, this.slots[4 * last + 2]!);
    // Drained after a burst: give the burst's storage back.
    else if (this.slotCount > BLOCK) this.reset(0);
    top._scheduled = false;
    return top;
  }

  /** Place the node (when `w`, slot `s`) at a hole at position `p`, moving parents down. */
  private siftUp(p: number, w: number, s: number): void {
    const whens = this.whens;
    const slots = this.slots;
    while (p > ROOT) {
      const q = ((p - 4) >> 2) + ROOT;
      const qw = whens[2 * q]!;
      if (qw < w) break;
      const qs = slots[4 * q + 2]!;
      if (qw === w && this.seqOf(qs) < this.seqOf(s)) break;
      whens[2 * p] = qw;
      slots[4 * p + 2] = qs;
      p = q;
    }
    whens[2 * p] = w;
    slots[4 * p + 2] = s;
  }

  /** Place the node (when `w`, slot `s`) at a hole at position `p`, moving earlier children up. */
  private siftDown(p: number, w: number, s: number): void {
    const whens = this.whens;
    const slots = this.slots;
    const end = this.n + ROOT;
    for (;;) {
      const first = 4 * p - 8;
      if (first >= end) break;
      const last = first + 4 < end ? first + 4 : end;
      // The earliest of the (up to four) children.
      let m = first;
      let mw = whens[2 * first]!;
      for (let c = first + 1; c < last; c++) {
        const cw = whens[2 * c]!;
        if (cw < mw || (cw === mw && this.seqOf(slots[4 * c + 2]!) < this.seqOf(slots[4 * m + 2]!))) {
          m = c;
          mw = cw;
        }
      }
      const ms = slots[4 * m + 2]!;
      if (w < mw || (w === mw && this.seqOf(s) < this.seqOf(ms))) break;
      whens[2 * p] = mw;
      slots[4 * p + 2] = ms;
      p = m;
    }
    whens[2 * p] = w;
    slots[4 * p + 2] = s;
  }
}
