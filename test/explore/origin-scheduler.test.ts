import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Handle, type HandleOwner } from '../../src/loop/handle.js';
import { ListChooser } from '../../src/schedule/chooser.js';
import { DecisionLog } from '../../src/schedule/decisions.js';
import { OriginScheduler } from '../../src/schedule/origin-scheduler.js';
import { OriginTable } from '../../src/schedule/origin-table.js';
import { drive as driveWith, ReferenceScheduler } from '../schedule/reference-scheduler.js';

const owner: HandleOwner = { _timerHandleCancelled: () => {} };
const noop = (): void => {};

function handle(origin: number, label: string): Handle {
  const h = new Handle(noop, [label], owner, null);
  h._origin = origin;
  return h;
}

const label = (h: Handle): string => h._args[0] as string;

/** A scheduler that follows `picks` (wrapping, as a Schedule does), and its log. */
function following(picks: number[], limit?: number): { scheduler: OriginScheduler; log: DecisionLog } {
  const log = new DecisionLog();
  return { scheduler: new OriginScheduler(new ListChooser({ picks, draws: {} }, log, false, () => {}), null, limit), log };
}

/** A loop's use of a scheduler: batches of pushes, each step of a batch possibly pushing more. */
const program = fc.record({
  batches: fc.array(
    fc.record({
      before: fc.array(fc.nat({ max: 12 }), { maxLength: 30 }),
      during: fc.array(fc.array(fc.nat({ max: 12 }), { maxLength: 3 }), { maxLength: 8 }),
    }),
    { minLength: 1, maxLength: 8 },
  ),
  picks: fc.array(fc.nat({ max: 40 }), { maxLength: 200 }),
  // Small limits reach the starvation rule in programs this size.
  limit: fc.constantFrom(4, 16, 1024),
});

type Sched = { push(h: Handle): void; startBatch(): number; next(): Handle };

const drive = (s: Sched, batches: { before: number[]; during: number[][] }[]): string[] =>
  driveWith(s, { batches }, (o, n) => handle(o, `${o}:${n}`), label);

describe('OriginScheduler', () => {
  it('hands out exactly what the documented pick encoding names, step by step', () => {
    fc.assert(
      fc.property(program, ({ batches, picks, limit }) => {
        const { scheduler, log } = following(picks, limit);
        const reference = new ReferenceScheduler(picks, null, limit);
        expect(drive(scheduler, batches)).toEqual(drive(reference, batches));
        expect(log.snapshot().picks).toEqual(reference.picks);
      }),
      { numRuns: 300 },
    );
  });

  it('with every pick 0 runs the handles in the order they became ready (FIFO)', () => {
    fc.assert(
      fc.property(program, ({ batches }) => {
        const order = drive(following([]).scheduler, batches).filter((x) => x !== '|');
        const made = order.map((l) => Number(l.split(':')[1]));
        expect(made).toEqual([...made].sort((a, b) => a - b));
      }),
      { numRuns: 200 },
    );
  });

  it('records a pick only when two or more origins have ready handles', () => {
    const { scheduler, log } = following([1, 1, 1]);
    scheduler.push(handle(7, 'a'));
    scheduler.push(handle(7, 'b'));
    expect(scheduler.startBatch()).toBe(2);
    scheduler.next();
    scheduler.next();
    expect(log.snapshot().picks).toEqual([]);
    scheduler.push(handle(1, 'x'));
    scheduler.push(handle(2, 'y'));
    scheduler.startBatch();
    expect(label(scheduler.next())).toBe('y');
    expect(label(scheduler.next())).toBe('x');
    expect(log.snapshot().picks).toEqual([1]);
  });

  it('puts the oldest head at index 0 when the one there runs', () => {
    // Ready in the order a, b, c, d: the array is [A, B, C, D]. Pick 0 runs a (A leaves, D moves in
    // front), and the oldest head, b, comes back to index 0: [B, D, C]. So pick 2 then names C.
    const { scheduler } = following([0, 2]);
    for (const [o, l] of [[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd']] as const) scheduler.push(handle(o, l));
    scheduler.startBatch();
    expect([label(scheduler.next()), label(scheduler.next()), label(scheduler.next()), label(scheduler.next())]).toEqual(['a', 'c', 'b', 'd']);
  });

  it('may run a handle that became ready during an iteration before one that was ready when it began', () => {
    // b1 is ready when the iteration begins; a2 comes while it runs. Pick 1 names B first, then A's a2 (B at 0 now).
    const { scheduler } = following([0, 1]);
    scheduler.push(handle(1, 'a1'));
    scheduler.push(handle(2, 'b1'));
    expect(scheduler.startBatch()).toBe(2);
    expect(label(scheduler.next())).toBe('a1');
    scheduler.push(handle(1, 'a2'));
    expect(label(scheduler.next())).toBe('a2');
    expect(scheduler.startBatch()).toBe(1);
    expect(label(scheduler.next())).toBe('b1');
  });

  it('runs a head that waited while as many later handles as the starvation limit became ready, without a recorded pick', () => {
    // Every pick names origin 2 (index 1), which always has a fresh handle: origin 1's head waits.
    const { scheduler, log } = following(Array.from({ length: 100 }, () => 1), 8);
    scheduler.push(handle(1, 'starved'));
    scheduler.push(handle(2, 'spin0'));
    const ran: string[] = [];
    for (let i = 1; ran.length < 12; i++) {
      scheduler.startBatch();
      const h = scheduler.next();
      ran.push(label(h));
      if (label(h) !== 'starved') scheduler.push(handle(2, `spin${i}`));
    }
    // After seven spins ran, eight handles (spin0..spin7) came after it: it runs, and the seven picks before were recorded.
    expect(ran.indexOf('starved')).toBe(7);
    expect(log.snapshot().picks).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it('forgets everything on clear and starts afresh', () => {
    const { scheduler } = following([]);
    for (let i = 0; i < 100; i++) scheduler.push(handle(i % 7, `${i}`));
    scheduler.clear();
    expect(scheduler.size).toBe(0);
    scheduler.push(handle(3, 'new'));
    expect(scheduler.startBatch()).toBe(1);
    expect(label(scheduler.next())).toBe('new');
  });

  it('keeps per-origin order across thousands of handles of few origins and many of one each', () => {
    const { scheduler } = following(Array.from({ length: 20000 }, (_, i) => (i * 7919) % 1000));
    const last = new Map<number, number>();
    let made = 0;
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 3000; i++) {
        const o = i % 3 === 0 ? 1_000_000 + made : i % 5;
        scheduler.push(handle(o, `${o}:${made++}`));
      }
      for (let n = scheduler.startBatch(); n > 0; n--) {
        const [o, k] = label(scheduler.next()).split(':').map(Number) as [number, number];
        expect(k).toBeGreaterThan(last.get(o) ?? -1);
        last.set(o, k);
      }
    }
    expect(scheduler.size).toBe(0);
  });
});

describe('OriginTable', () => {
  const entry = (origin: number): { origin: number } => ({ origin });

  it('finds entries whose slots collide, and each after the other leaves', () => {
    const t = new OriginTable<{ origin: number }>();
    // 16 slots at first: 1, 17 and 33 share a slot.
    const [a, b, c] = [entry(1), entry(17), entry(33)];
    t.add(a);
    t.add(b);
    t.add(c);
    expect([t.get(1), t.get(17), t.get(33), t.get(49)]).toEqual([a, b, c, undefined]);
    t.remove(a);
    expect([t.get(1), t.get(17), t.get(33)]).toEqual([undefined, b, c]);
    const d = entry(1);
    t.add(d);
    t.remove(c);
    expect([t.get(1), t.get(17), t.get(33)]).toEqual([d, b, undefined]);
  });

  it('agrees with a Map under random adds and removes, growing as it fills', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 5000 })), { maxLength: 400 }), (ops) => {
        const t = new OriginTable<{ origin: number }>();
        const m = new Map<number, { origin: number }>();
        for (const [add, o] of ops) {
          if (add && !m.has(o)) {
            const e = entry(o);
            t.add(e);
            m.set(o, e);
          } else if (!add && m.has(o)) {
            t.remove(m.get(o)!);
            m.delete(o);
          }
          expect(t.get(o)).toBe(m.get(o));
        }
        for (const [o, e] of m) expect(t.get(o)).toBe(e);
      }),
      { numRuns: 200 },
    );
  });
});

describe('DecisionLog', () => {
  it('gives back every decision in order, however many chunks they fill', () => {
    const log = new DecisionLog();
    const picks = Array.from({ length: 10_000 }, (_, i) => (i * 31) % 17);
    for (const p of picks) log.pick(p);
    log.draw('jitter', 5);
    log.draw('loss', 0);
    log.draw('jitter', 65535);
    expect(log.snapshot()).toEqual({ picks, draws: { jitter: [5, 65535], loss: [0] } });
  });
});
