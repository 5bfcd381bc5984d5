/**
 * A binary heap of objects that know their own position in it, so that any
 * member can be removed or re-keyed in O(log n). `before(a, b)` says whether
 * `a` belongs nearer the top; `slotOf`/`setSlot` keep each member's index
 * (-1 when out of the heap) in a field of the member, so one object can sit
 * in several heaps at once.
 */
export class IndexedHeap<T> {
  readonly items: T[] = [];

  constructor(
    private readonly before: (a: T, b: T) => boolean,
    private readonly slotOf: (x: T) => number,
    private readonly setSlot: (x: T, i: number) => void,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** Add `x` (not in the heap): O(log n). */
  push(x: T): void {
    this.items.push(x);
    this.up(this.items.length - 1, x);
  }

  /** Remove `x` (in the heap or not): O(log n). */
  remove(x: T): void {
    const i = this.slotOf(x);
    if (i < 0) return;
    this.setSlot(x, -1);
    const last = this.items.pop()!;
    if (last === x) return;
    this.items[i] = last;
    this.setSlot(last, i);
    this.update(last);
  }

  /** `x`'s key changed: restore the order around it, O(log n). */
  update(x: T): void {
    const i = this.slotOf(x);
    if (i < 0) return;
    if (i > 0 && this.before(x, this.items[(i - 1) >> 1]!)) this.up(i, x);
    else this.down(i, x);
  }

  /** Empty the heap (members keep stale slots: callers reset them). */
  clear(): void {
    for (const x of this.items) this.setSlot(x, -1);
    this.items.length = 0;
  }

  private up(i: number, x: T): void {
    const items = this.items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const px = items[p]!;
      if (!this.before(x, px)) break;
      items[i] = px;
      this.setSlot(px, i);
      i = p;
    }
    items[i] = x;
    this.setSlot(x, i);
  }

  private down(i: number, x: T): void {
    const items = this.items;
    const n = items.length;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.before(items[c + 1]!, items[c]!)) c++;
      const cx = items[c]!;
      if (!this.before(cx, x)) break;
      items[i] = cx;
      this.setSlot(cx, i);
      i = c;
    }
    items[i] = x;
    this.setSlot(x, i);
  }
}
