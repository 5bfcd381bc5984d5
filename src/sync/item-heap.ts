import { compareItems } from './compare-items.js';
import type { ItemStore } from './item-store.js';

/**
 * A binary min-heap ordered by `compareItems`, moving items exactly as
 * Python's `heapq.heappush`/`heappop` do, so items of equal priority come
 * out in the same order as from asyncio's PriorityQueue. Every comparison
 * is made before anything moves: an item that cannot be compared throws
 * `TypeError` and leaves the heap as it was (heapq would lose an item).
 */
export class ItemHeap<T> implements ItemStore<T> {
  private readonly _heap: T[] = [];

  /** The number of items held. */
  get size(): number {
    return this._heap.length;
  }

  /** Adds `item` (heapq's `heappush`: append, then sift toward the root). */
  push(item: T): void {
    const heap = this._heap;
    let pos = heap.length;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (compareItems(item, heap[parent]) < 0) pos = parent;
      else break;
    }
    let cur = heap.length;
    heap.push(item);
    while (cur > pos) {
      const parent = (cur - 1) >> 1;
      heap[cur] = heap[parent] as T;
      cur = parent;
    }
    heap[pos] = item;
  }

  /**
   * Removes and returns the smallest item (heapq's `heappop`: the last item
   * replaces the root, the hole at the root travels down along the smaller
   * children to a leaf, then the last item sifts back up from there).
   */
  take(): T {
    const heap = this._heap;
    const end = heap.length - 1;
    if (end === 0) return heap.pop() as T;
    const last = heap[end] as T;
    // The path the hole takes; only children are compared, never `last`.
    const path = [0];
    let child = 1;
    while (child < end) {
      const right = child + 1;
      if (right < end && !(compareItems(heap[child], heap[right]) < 0)) child = right;
      path.push(child);
      child = 2 * child + 1;
    }
    // Where `last` settles on its way back up: above each path item it is smaller than.
    let m = path.length - 1;
    while (m > 0 && compareItems(last, heap[path[m] as number]) < 0) m -= 1;
    const top = heap[0] as T;
    heap.pop();
    for (let j = 0; j < m; j++) heap[path[j] as number] = heap[path[j + 1] as number] as T;
    heap[path[m] as number] = last;
    return top;
  }

  /** Drops every item. */
  clear(): void {
    this._heap.length = 0;
  }
}
