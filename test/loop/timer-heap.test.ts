import { describe, expect, it } from 'vitest';
import { TimerHeap, type TimerEntry } from '../../src/loop/timer-heap.js';

interface Entry extends TimerEntry {
  _when: number;
  _seq: number;
  _cancelled: boolean;
  _scheduled: boolean;
}

let seq = 0;
const entry = (when: number): Entry => ({ _when: when, _seq: ++seq, _cancelled: false, _scheduled: false });

/** Cancel an entry the way TimerHandle.cancel does: flag first, then tell the heap if it holds it. */
function cancel(heap: TimerHeap<Entry>, e: Entry): void {
  if (e._cancelled) return;
  e._cancelled = true;
  if (e._scheduled) heap.noteCancelled();
}

/** Every parent orders before its children by (when, seq): the heap property. */
function checkHeapProperty(heap: TimerHeap<Entry>): void {
  expect(heap._misplacedNodes(), 'nodes whose parent orders after them').toEqual([]);
}

function drain(heap: TimerHeap<Entry>): Entry[] {
  const out: Entry[] = [];
  for (let e = heap.pop(); e !== undefined; e = heap.pop()) out.push(e);
  return out;
}

/** A small seeded generator, so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('TimerHeap', () => {
  it('is empty at first: size 0, peek and pop give undefined', () => {
    const heap = new TimerHeap<Entry>();
    expect(heap.size).toBe(0);
    expect(heap.cancelled).toBe(0);
    expect(heap.peek()).toBeUndefined();
    expect(heap.pop()).toBeUndefined();
  });

  it('pops entries in when order', () => {
    const heap = new TimerHeap<Entry>();
    for (const w of [5, 3, 9, 1, 7, 2, 8]) heap.push(entry(w));
    expect(drain(heap).map((e) => e._when)).toEqual([1, 2, 3, 5, 7, 8, 9]);
  });

  it('pops entries with equal when in push (seq) order', () => {
    const heap = new TimerHeap<Entry>();
    const es = Array.from({ length: 100 }, () => entry(42));
    for (const e of [...es].reverse()) heap.push(e);
    expect(drain(heap)).toEqual([...es]);
  });

  it('peek returns the earliest entry without removing it', () => {
    const heap = new TimerHeap<Entry>();
    const a = entry(2);
    heap.push(entry(3));
    heap.push(a);
    expect(heap.peek()).toBe(a);
    expect(heap.size).toBe(2);
  });

  it('marks entries scheduled while held and unscheduled once popped', () => {
    const heap = new TimerHeap<Entry>();
    const e = entry(1);
    heap.push(e);
    expect(e._scheduled).toBe(true);
    heap.pop();
    expect(e._scheduled).toBe(false);
  });

  it('keeps the heap property and (when, seq) pop order under random pushes, pops and cancels', () => {
    for (let run = 0; run < 20; run++) {
      const rand = lcg(run + 1);
      const heap = new TimerHeap<Entry>();
      const model: Entry[] = [];
      let mismatches = 0;
      for (let step = 0; step < 2000; step++) {
        const r = rand();
        if (r < 0.55) {
          const e = entry(Math.floor(rand() * 50));
          heap.push(e);
          model.push(e);
        } else if (r < 0.8) {
          const e = model[Math.floor(rand() * model.length)];
          if (e !== undefined) cancel(heap, e);
        } else {
          let first: Entry | undefined;
          for (const e of model) {
            if (e._cancelled || !e._scheduled) continue;
            if (first === undefined || e._when < first._when || (e._when === first._when && e._seq < first._seq)) first = e;
          }
          const got = heap.pop();
          if (got !== first) mismatches++;
        }
        if (step % 499 === 0) checkHeapProperty(heap);
      }
      expect(mismatches, `seed ${run + 1}`).toBe(0);
      checkHeapProperty(heap);
      const rest = model.filter((e) => !e._cancelled && e._scheduled).sort((a, b) => a._when - b._when || a._seq - b._seq);
      expect(drain(heap)).toEqual(rest);
    }
  });

  it('never returns a cancelled entry from peek or pop', () => {
    const heap = new TimerHeap<Entry>();
    const es = Array.from({ length: 10 }, (_, i) => entry(i));
    for (const e of es) heap.push(e);
    for (const e of es.slice(0, 5)) cancel(heap, e);
    expect(heap.peek()).toBe(es[5]);
    expect(drain(heap)).toEqual(es.slice(5));
  });

  it('drops cancelled entries that reach the top, keeping the cancelled count right', () => {
    const heap = new TimerHeap<Entry>();
    const es = Array.from({ length: 10 }, (_, i) => entry(i));
    for (const e of es) heap.push(e);
    cancel(heap, es[0]!);
    cancel(heap, es[1]!);
    cancel(heap, es[9]!);
    expect(heap.cancelled).toBe(3);
    heap.peek();
    expect(heap.size).toBe(8);
    expect(heap.cancelled).toBe(1);
    expect(es[0]!._scheduled).toBe(false);
  });

  it('does not compact below 100 cancelled entries', () => {
    const heap = new TimerHeap<Entry>();
    const es = Array.from({ length: 99 }, (_, i) => entry(1000 + i));
    heap.push(entry(1));
    for (const e of es) heap.push(e);
    for (const e of es) cancel(heap, e);
    expect(heap.size).toBe(100);
    expect(heap.cancelled).toBe(99);
  });

  it('compacts once cancelled entries are at least 100 and more than half of the heap', () => {
    const heap = new TimerHeap<Entry>();
    const live = Array.from({ length: 100 }, (_, i) => entry(i));
    const doomed = Array.from({ length: 101 }, (_, i) => entry(1000 + i));
    for (const e of [...live, ...doomed]) heap.push(e);
    for (const e of doomed.slice(0, 100)) cancel(heap, e);
    // 100 cancelled of 201: not yet more than half
    expect(heap.size).toBe(201);
    cancel(heap, doomed[100]!);
    // 101 of 201: compacted
    expect(heap.size).toBe(100);
    expect(heap.cancelled).toBe(0);
    expect(doomed.every((e) => !e._scheduled)).toBe(true);
    checkHeapProperty(heap);
    expect(drain(heap)).toEqual(live);
  });

  it('counts exactly the cancelled entries it holds, through many compactions', () => {
    const heap = new TimerHeap<Entry>();
    const rand = lcg(7);
    for (let i = 0; i < 20_000; i++) {
      const e = entry(Math.floor(rand() * 1e6));
      heap.push(e);
      if (rand() < 0.9) cancel(heap, e);
    }
    const live = [...heap.live()].length;
    expect(heap.cancelled).toBe(heap.size - live);
    expect(heap.cancelled).toBeGreaterThanOrEqual(0);
  });

  it('stays bounded under schedule-and-cancel churn', () => {
    const heap = new TimerHeap<Entry>();
    let max = 0;
    for (let i = 0; i < 100_000; i++) {
      const e = entry(1e6 + i);
      heap.push(e);
      cancel(heap, e);
      if (heap.size > max) max = heap.size;
    }
    expect(max).toBeLessThanOrEqual(200);
  });

  it('compact() removes every cancelled entry and keeps the order of the rest', () => {
    const heap = new TimerHeap<Entry>();
    const es = Array.from({ length: 50 }, (_, i) => entry(50 - i));
    for (const e of es) heap.push(e);
    for (const e of es.filter((_, i) => i % 2 === 0)) cancel(heap, e);
    heap.compact();
    expect(heap.size).toBe(25);
    expect(heap.cancelled).toBe(0);
    checkHeapProperty(heap);
    expect(drain(heap).map((e) => e._when)).toEqual(es.filter((_, i) => i % 2 === 1).map((e) => e._when).sort((a, b) => a - b));
  });

  it('live() lists the entries not cancelled', () => {
    const heap = new TimerHeap<Entry>();
    const a = entry(1);
    const b = entry(2);
    heap.push(a);
    heap.push(b);
    cancel(heap, a);
    expect([...heap.live()]).toEqual([b]);
  });

  it('clear() empties it and unschedules every entry', () => {
    const heap = new TimerHeap<Entry>();
    const es = Array.from({ length: 5 }, (_, i) => entry(i));
    for (const e of es) heap.push(e);
    cancel(heap, es[2]!);
    heap.clear();
    expect(heap.size).toBe(0);
    expect(heap.cancelled).toBe(0);
    expect(es.every((e) => !e._scheduled)).toBe(true);
  });

  it('keeps the heap property and (when, seq) order with more entries than one storage block holds', () => {
    const heap = new TimerHeap<Entry>();
    const rand = lcg(11);
    const es = Array.from({ length: 20_000 }, () => entry(Math.floor(rand() * 5000)));
    for (const e of es) heap.push(e);
    checkHeapProperty(heap);
    // Pop half, push more into the freed slots, cancel some, compact: then drain.
    const popped = Array.from({ length: 10_000 }, () => heap.pop()!);
    const more = Array.from({ length: 9_000 }, () => entry(Math.floor(rand() * 5000)));
    for (const e of more) heap.push(e);
    const rest = es.filter((e) => e._scheduled).concat(more);
    for (const e of rest.filter((_, i) => i % 3 === 0)) cancel(heap, e);
    heap.compact();
    checkHeapProperty(heap);
    const byOrder = (a: Entry, b: Entry): number => a._when - b._when || a._seq - b._seq;
    expect(popped).toEqual([...es].sort(byOrder).slice(0, 10_000));
    expect(drain(heap)).toEqual(rest.filter((e) => !e._cancelled).sort(byOrder));
  });

  it('gives back the storage of a burst once drained, and works on after it', () => {
    const heap = new TimerHeap<Entry>();
    const burst = Array.from({ length: 10_000 }, (_, i) => entry(i));
    for (const e of burst) heap.push(e);
    expect(drain(heap)).toEqual(burst);
    const slots = (heap as unknown as { seqs: Float64Array[] }).seqs;
    expect(slots.length, 'slot blocks left after the drain').toBe(1);
    const later = [entry(5), entry(3), entry(4)];
    for (const e of later) heap.push(e);
    expect(drain(heap).map((e) => e._when)).toEqual([3, 4, 5]);
  });

  it('works on after clear(): later pushes pop in (when, seq) order with the heap property', () => {
    const heap = new TimerHeap<Entry>();
    heap.clear();
    for (const w of [4, 1, 3]) heap.push(entry(w));
    heap.clear();
    const rand = lcg(5);
    const es = Array.from({ length: 300 }, () => entry(Math.floor(rand() * 50)));
    for (const e of es) heap.push(e);
    checkHeapProperty(heap);
    const byOrder = (a: Entry, b: Entry): number => a._when - b._when || a._seq - b._seq;
    expect(drain(heap)).toEqual([...es].sort(byOrder));
  });

  it('orders Infinity and -Infinity whens like any others', () => {
    const heap = new TimerHeap<Entry>();
    heap.push(entry(Infinity));
    heap.push(entry(0));
    heap.push(entry(-Infinity));
    expect(drain(heap).map((e) => e._when)).toEqual([-Infinity, 0, Infinity]);
  });
});
