import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ItemHeap } from '../../src/sync/item-heap.js';

interface Tagged {
  item: number[];
  tag: number;
}

/** CPython's heapq, transcribed line for line: the reference the heap must move items like. */
class ReferenceHeapq {
  readonly heap: Tagged[] = [];
  private static lt(a: Tagged, b: Tagged): boolean {
    return (a.item[0] as number) < (b.item[0] as number);
  }
  push(x: Tagged): void {
    this.heap.push(x);
    this.siftdown(0, this.heap.length - 1);
  }
  pop(): Tagged {
    const last = this.heap.pop() as Tagged;
    if (this.heap.length === 0) return last;
    const ret = this.heap[0] as Tagged;
    this.heap[0] = last;
    this.siftup(0);
    return ret;
  }
  private siftdown(start: number, pos: number): void {
    const h = this.heap;
    const newitem = h[pos] as Tagged;
    while (pos > start) {
      const parentpos = (pos - 1) >> 1;
      const parent = h[parentpos] as Tagged;
      if (ReferenceHeapq.lt(newitem, parent)) {
        h[pos] = parent;
        pos = parentpos;
        continue;
      }
      break;
    }
    h[pos] = newitem;
  }
  private siftup(pos: number): void {
    const h = this.heap;
    const end = h.length;
    const start = pos;
    const newitem = h[pos] as Tagged;
    let child = 2 * pos + 1;
    while (child < end) {
      const right = child + 1;
      if (right < end && !ReferenceHeapq.lt(h[child] as Tagged, h[right] as Tagged)) child = right;
      h[pos] = h[child] as Tagged;
      pos = child;
      child = 2 * pos + 1;
    }
    h[pos] = newitem;
    this.siftdown(start, pos);
  }
}

describe('ItemHeap', () => {
  it('moves items exactly as heapq does, so ties come out in the same order (property)', () => {
    const op = fc.oneof(fc.integer({ min: 0, max: 4 }).map((p) => ({ push: p })), fc.constant({ pop: true as const }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const heap = new ItemHeap<number[]>();
        const ref = new ReferenceHeapq();
        const tags = new Map<number[], number>();
        let tag = 0;
        for (const o of ops) {
          if ('push' in o) {
            const item = [o.push];
            tags.set(item, tag);
            heap.push(item);
            ref.push({ item, tag });
            tag += 1;
          } else if (ref.heap.length > 0) {
            const got = heap.take();
            expect(tags.get(got)).toBe(ref.pop().tag);
          }
          expect(heap.size).toBe(ref.heap.length);
        }
      }),
      { seed: 20240601, numRuns: 300 },
    );
  });

  it('leaves itself unchanged when a push meets an item it cannot compare', () => {
    const heap = new ItemHeap<unknown>();
    const a = { id: 'a' };
    const b = { id: 'b' };
    heap.push([1, a]);
    heap.push([2]);
    expect(() => heap.push([1, b])).toThrow(TypeError);
    expect(heap.size).toBe(2);
    expect(heap.take()).toEqual([1, a]);
    expect(heap.take()).toEqual([2]);
  });

  it('leaves itself unchanged when a take meets two items never compared before', () => {
    const heap = new ItemHeap<unknown>();
    const a = { id: 'a' };
    const b = { id: 'b' };
    heap.push([1, a]);
    heap.push([0]); // compared with [1, a] by its priority only
    heap.push([1, b]); // compared with [0] only
    const before = [...(heap as unknown as { _heap: unknown[] })._heap];
    // Removing [0] must order [1, a] against [1, b]: heapq would lose an item here.
    expect(() => heap.take()).toThrow(TypeError);
    expect(heap.size).toBe(3);
    expect((heap as unknown as { _heap: unknown[] })._heap).toEqual(before);
  });
});
