/**
 * TimerHeap (src/loop/timer-heap.ts) against a sorted-array model, with
 * fast-check's model-based commands: random push / cancel / pop / peek /
 * compact sequences. Entries are cancelled as TimerHandle.cancel does (flag
 * first, then `noteCancelled()` if the entry is still in the heap).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimerHeap, type TimerEntry } from '../src/loop/timer-heap.js';
import { params } from './support/params.js';

interface Entry extends TimerEntry {
  _when: number;
  _seq: number;
  _cancelled: boolean;
  _scheduled: boolean;
}

interface HeapModel {
  /** Every entry ever pushed, in push order. */
  all: Entry[];
  /** Entries pushed, not cancelled, not popped. */
  live: Set<Entry>;
  seq: number;
}

interface Real {
  heap: TimerHeap<Entry>;
}

/** Slack over 2·live the heap may hold right after a cancel (its compaction starts at 100 cancelled entries). */
const SLACK = 128;

function before(a: Entry, b: Entry): boolean {
  return a._when < b._when || (a._when === b._when && a._seq < b._seq);
}

function earliest(m: HeapModel): Entry | undefined {
  let best: Entry | undefined;
  for (const e of m.live) if (best === undefined || before(e, best)) best = e;
  return best;
}

function show(e: Entry | undefined): string {
  return e === undefined ? 'nothing' : `(when ${e._when}, seq ${e._seq}${e._cancelled ? ', cancelled' : ''})`;
}

function checkBookkeeping(m: HeapModel, r: Real, where: string): void {
  const { heap } = r;
  expect(heap.cancelled, `${where}: cancelled count`).toBeGreaterThanOrEqual(0);
  expect(heap.size - heap.cancelled, `${where}: size - cancelled must be the live count`).toBe(m.live.size);
  const live = [...heap.live()];
  expect(live.length, `${where}: live() entries`).toBe(m.live.size);
  for (const e of live) expect(m.live.has(e), `${where}: live() yielded ${show(e)}`).toBe(true);
  for (const e of m.live) expect(e._scheduled, `${where}: a live entry ${show(e)} must be marked scheduled`).toBe(true);
}

class PushCommand implements fc.Command<HeapModel, Real> {
  constructor(readonly whens: number[]) {}
  check(): boolean {
    return true;
  }
  run(m: HeapModel, r: Real): void {
    for (const when of this.whens) {
      const e: Entry = { _when: when, _seq: ++m.seq, _cancelled: false, _scheduled: false };
      r.heap.push(e);
      m.all.push(e);
      m.live.add(e);
    }
    checkBookkeeping(m, r, this.toString());
  }
  toString(): string {
    return `push(${this.whens.join(', ')})`;
  }
}

class CancelCommand implements fc.Command<HeapModel, Real> {
  /** Cancels `all[pick % all.length]` for each pick (live, popped or already cancelled alike). */
  constructor(readonly picks: number[]) {}
  check(m: Readonly<HeapModel>): boolean {
    return m.all.length > 0;
  }
  run(m: HeapModel, r: Real): void {
    for (const pick of this.picks) {
      const e = m.all[pick % m.all.length]!;
      if (e._cancelled) continue;
      e._cancelled = true;
      if (e._scheduled) r.heap.noteCancelled();
      m.live.delete(e);
      // Memory stays bounded: right after a cancel the cancelled entries are no more than max(live, ~100).
      expect(r.heap.size, `after cancelling ${show(e)}: ${r.heap.size} entries for ${m.live.size} live`).toBeLessThanOrEqual(2 * m.live.size + SLACK);
    }
    checkBookkeeping(m, r, this.toString());
  }
  toString(): string {
    return `cancel(${this.picks.join(', ')})`;
  }
}

/** Cancel every live entry whose position (in push order) is a multiple of `every`: mass churn. */
class CancelManyCommand implements fc.Command<HeapModel, Real> {
  constructor(readonly every: number) {}
  check(m: Readonly<HeapModel>): boolean {
    return m.live.size > 0;
  }
  run(m: HeapModel, r: Real): void {
    m.all.forEach((e, i) => {
      if (i % this.every !== 0 || e._cancelled || !m.live.has(e)) return;
      e._cancelled = true;
      if (e._scheduled) r.heap.noteCancelled();
      m.live.delete(e);
      expect(r.heap.size, `cancelMany: ${r.heap.size} entries for ${m.live.size} live`).toBeLessThanOrEqual(2 * m.live.size + SLACK);
    });
    checkBookkeeping(m, r, this.toString());
  }
  toString(): string {
    return `cancelMany(every ${this.every})`;
  }
}

class PopCommand implements fc.Command<HeapModel, Real> {
  constructor(readonly count: number) {}
  check(): boolean {
    return true;
  }
  run(m: HeapModel, r: Real): void {
    for (let i = 0; i < this.count; i++) {
      const want = earliest(m);
      const got = r.heap.pop();
      expect(got, `pop #${i}: expected ${show(want)}, got ${show(got)}`).toBe(want);
      if (got !== undefined) {
        expect(got._cancelled, 'a cancelled entry popped').toBe(false);
        expect(got._scheduled, 'a popped entry must be marked unscheduled').toBe(false);
        m.live.delete(got);
      }
    }
    checkBookkeeping(m, r, this.toString());
  }
  toString(): string {
    return `pop(x${this.count})`;
  }
}

class PeekCommand implements fc.Command<HeapModel, Real> {
  check(): boolean {
    return true;
  }
  run(m: HeapModel, r: Real): void {
    const want = earliest(m);
    const got = r.heap.peek();
    expect(got, `peek: expected ${show(want)}, got ${show(got)}`).toBe(want);
    checkBookkeeping(m, r, this.toString());
  }
  toString(): string {
    return 'peek';
  }
}

class CompactCommand implements fc.Command<HeapModel, Real> {
  check(): boolean {
    return true;
  }
  run(m: HeapModel, r: Real): void {
    r.heap.compact();
    expect(r.heap.cancelled).toBe(0);
    expect(r.heap.size).toBe(m.live.size);
    checkBookkeeping(m, r, this.toString());
  }
  toString(): string {
    return 'compact';
  }
}

const whenArb = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 8 }), weight: 5 },
  { arbitrary: fc.integer({ min: -50, max: 1000 }), weight: 2 },
  { arbitrary: fc.integer({ min: -40, max: 400 }).map((n) => n / 8), weight: 1 },
  { arbitrary: fc.constant(Infinity), weight: 1 },
);

const commands = fc.commands(
  [
    fc.array(whenArb, { minLength: 1, maxLength: 4 }).map((w) => new PushCommand(w)),
    fc.array(whenArb, { minLength: 50, maxLength: 300 }).map((w) => new PushCommand(w)),
    fc.array(fc.nat(), { minLength: 1, maxLength: 4 }).map((p) => new CancelCommand(p)),
    fc.integer({ min: 1, max: 3 }).map((k) => new CancelManyCommand(k)),
    fc.integer({ min: 1, max: 5 }).map((k) => new PopCommand(k)),
    fc.integer({ min: 20, max: 200 }).map((k) => new PopCommand(k)),
    fc.constant(new PeekCommand()),
    fc.constant(new CompactCommand()),
  ],
  { maxCommands: 60 },
);

describe('TimerHeap against a sorted-array model', () => {
  it('pops come out in (when, seq) order, cancelled entries never pop, size and cancelled count match the live entries, and after a cancel it holds at most 2·live + 128 entries', () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        fc.modelRun(() => ({ model: { all: [], live: new Set<Entry>(), seq: 0 }, real: { heap: new TimerHeap<Entry>() } }), cmds);
      }),
      params(500),
    );
  });

  it('pure churn (schedule one, cancel one, forever) never grows the heap past 2·live + 128', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1000, max: 5000 }), fc.array(whenArb, { minLength: 1, maxLength: 20 }), (keep, cycles, whens) => {
        const heap = new TimerHeap<Entry>();
        let seq = 0;
        const mk = (when: number): Entry => {
          const e: Entry = { _when: when, _seq: ++seq, _cancelled: false, _scheduled: false };
          heap.push(e);
          return e;
        };
        for (let i = 0; i < keep; i++) mk(whens[i % whens.length]!);
        let max = 0;
        for (let i = 0; i < cycles; i++) {
          const e = mk(whens[i % whens.length]!);
          e._cancelled = true;
          heap.noteCancelled();
          max = Math.max(max, heap.size);
        }
        expect(max).toBeLessThanOrEqual(2 * keep + SLACK);
        expect(heap.size - heap.cancelled).toBe(keep);
      }),
      params(100),
    );
  });
});
