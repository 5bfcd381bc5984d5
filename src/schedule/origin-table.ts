/** What an origin table holds: anything keyed by a numeric origin. */
export interface Keyed {
  origin: number;
}

/**
 * A map from origin ids to their entries, for the scheduler's hot path.
 * Origin ids are handle and task sequence numbers, so the live ones are
 * mostly a contiguous run of integers: an array indexed by `origin & mask`
 * holds nearly all of them without collision, and a `Map` takes the rare
 * entry whose slot is taken. Unlike a `Map` alone, a lookup is one array
 * read, and adding and removing entries by the thousand allocates nothing
 * (a `Map` with steady churn keeps rebuilding its tables).
 */
export class OriginTable<T extends Keyed> {
  private slots: (T | undefined)[] = new Array(16);
  private mask = 15;
  /** Entries whose slot was taken when they came; made on first use. */
  private overflow: Map<number, T> | null = null;
  /** Entries held, in `slots` and `overflow`. */
  private count = 0;

  /** The entry of `origin`, or undefined. */
  get(origin: number): T | undefined {
    const e = this.slots[origin & this.mask];
    if (e !== undefined && e.origin === origin) return e;
    const overflow = this.overflow;
    return overflow === null || overflow.size === 0 ? undefined : overflow.get(origin);
  }

  /** Add `e` (its origin has no entry). */
  add(e: T): void {
    if (++this.count * 2 > this.slots.length) this.grow();
    this.place(e);
  }

  /** Remove `e` (an entry of this table). */
  remove(e: T): void {
    const i = e.origin & this.mask;
    // An overflowed entry stays in the overflow when its slot frees: lookups look there after the slot.
    if (this.slots[i] === e) this.slots[i] = undefined;
    else this.overflow?.delete(e.origin);
    this.count--;
  }

  /** Remove every entry. */
  clear(): void {
    this.slots = new Array(16);
    this.mask = 15;
    this.count = 0;
    this.overflow = null;
  }

  private grow(): void {
    const old = this.slots;
    const size = old.length * 2;
    this.slots = new Array(size);
    this.mask = size - 1;
    const moved = this.overflow === null ? [] : [...this.overflow.values()];
    this.overflow = null;
    for (const e of old) if (e !== undefined) this.place(e);
    for (const e of moved) this.place(e);
  }

  private place(e: T): void {
    const i = e.origin & this.mask;
    if (this.slots[i] === undefined) this.slots[i] = e;
    else (this.overflow ??= new Map()).set(e.origin, e);
  }
}
