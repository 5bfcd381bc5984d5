import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gather, openConnection, type SimWorld, type TraceEvent } from '../../src/index.js';
import { scheduleArbitrary, Schedule, simulate } from '../../src/testing/index.js';
import { DRAW_RANGE } from '../../src/schedule/decisions.js';
import { isSchedule } from '../../src/schedule/schedule.js';
import { racyDeposits as lostUpdate } from './fixtures/deposits.js';

/** Tasks racing over a jittery link: both picks and jitter draws shape the run. */
async function jitteryEcho(world: SimWorld): Promise<string> {
  world.network.link('127.0.0.1', '10.0.0.9', { latency: 3, jitter: 40 });
  world.network.listen('10.0.0.9', 7, async (r, w) => {
    w.write(await r.read(-1));
    w.close();
  });
  const order: string[] = [];
  await gather(
    ['a', 'b', 'c'].map(async (name) => {
      const [r, w] = await openConnection('10.0.0.9', 7);
      w.write(name);
      w.writeEof();
      order.push(Buffer.from(await r.read(-1)).toString());
      w.close();
    }),
  );
  return order.join('');
}

const STREAMS = ['jitter', 'loss', 'duplicate', 'reorder'];

describe('scheduleArbitrary', () => {
  it('generates valid, frozen Schedules with integer seeds and draws in range', () => {
    fc.assert(
      fc.property(scheduleArbitrary(), (s) => {
        expect(isSchedule(s)).toBe(true);
        expect(Object.isFrozen(s)).toBe(true);
        expect(s.seed).toMatch(/^\d+$/);
        for (const p of s.decisions.picks) expect(Number.isInteger(p) && p >= 0).toBe(true);
        for (const [k, xs] of Object.entries(s.decisions.draws)) {
          expect(STREAMS).toContain(k);
          for (const v of xs) expect(Number.isInteger(v) && v >= 0 && v < DRAW_RANGE).toBe(true);
        }
        // A value rebuilt from its parts is accepted as it is.
        expect(new Schedule(s.seed, s.decisions).toString()).toBe(s.toString());
      }),
      { seed: 11, numRuns: 100 },
    );
  });

  it('generates schedules that every world accepts and runs', async () => {
    await fc.assert(
      fc.asyncProperty(scheduleArbitrary(), async (s) => {
        expect(await simulate(jitteryEcho, { strategy: s })).toHaveLength(3);
      }),
      { seed: 12, numRuns: 15 },
    );
  });

  it('gives the same run, trace included, for the same value', async () => {
    const run = async (s: Schedule): Promise<{ out: string; trace: TraceEvent[] }> => {
      let trace: TraceEvent[] = [];
      const out = await simulate(
        async (w) => {
          const r = await jitteryEcho(w);
          trace = w.trace();
          return r;
        },
        { strategy: s },
      );
      return { out, trace };
    };
    await fc.assert(
      fc.asyncProperty(scheduleArbitrary(), async (s) => {
        const a = await run(s);
        const b = await run(s);
        expect(b.trace).toEqual(a.trace);
        expect(b.out).toBe(a.out);
      }),
      { seed: 13, numRuns: 12 },
    );
  });

  it('explores: different values give different runs', async () => {
    const outcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(scheduleArbitrary(), async (s) => {
        outcomes.add(await simulate(jitteryEcho, { strategy: s }));
      }),
      { seed: 14, numRuns: 20 },
    );
    expect(outcomes.size).toBeGreaterThan(1);
  });

  it('finds a lost update, and shrinks the counterexample to one non-FIFO pick, no draws and seed 0', async () => {
    await simulate(lostUpdate, { strategy: 'fifo' });
    const result = await fc.check(
      fc.asyncProperty(scheduleArbitrary(), async (s) => {
        await simulate(lostUpdate, { strategy: s });
      }),
      { seed: 15, numRuns: 100 },
    );
    expect(result.failed).toBe(true);
    const [s] = result.counterexample as [Schedule];
    expect(s.seed).toBe('0');
    expect(s.decisions.draws).toEqual({});
    expect(s.weight).toBe(1);
    expect(s.decisions.picks.length).toBeLessThanOrEqual(2);
    expect(String(result.errorInstance)).toContain('lost update');
  });

  it('fails fc.assert with the schedule printed readably', async () => {
    const err = await fc
      .assert(
        fc.asyncProperty(scheduleArbitrary(), async (s) => {
          await simulate(lostUpdate, { strategy: s });
        }),
        { seed: 16, numRuns: 100 },
      )
      .catch((e: unknown) => e);
    expect(String(err)).toMatch(/Counterexample: \[Schedule\(seed 0: picks \[[\d, ]+\]\)\]/);
  });

  it('caps picks and draws with maxPicks and maxDraws, and fixes the seed with seed', () => {
    fc.assert(
      fc.property(scheduleArbitrary({ maxPicks: 2, maxDraws: 1, seed: 'fixed' }), (s) => {
        expect(s.seed).toBe('fixed');
        expect(s.decisions.picks.length).toBeLessThanOrEqual(2);
        for (const xs of Object.values(s.decisions.draws)) expect(xs.length).toBeLessThanOrEqual(1);
      }),
      { seed: 17, numRuns: 100 },
    );
  });

  it('with maxPicks 0 and maxDraws 0 generates only the FIFO schedule', () => {
    fc.assert(
      fc.property(scheduleArbitrary({ maxPicks: 0, maxDraws: 0 }), (s) => {
        expect(s.weight).toBe(0);
        expect(s.decisions.picks).toEqual([]);
        expect(s.decisions.draws).toEqual({});
      }),
      { seed: 18, numRuns: 50 },
    );
  });

  it('rejects bad options with TypeError/RangeError naming them', () => {
    expect(() => scheduleArbitrary({ maxPicks: -1 })).toThrow(/scheduleArbitrary: maxPicks must be an integer >= 0, got -1/);
    expect(() => scheduleArbitrary({ maxDraws: 1.5 })).toThrow(RangeError);
    expect(() => scheduleArbitrary({ maxPicks: '3' as never })).toThrow(TypeError);
    expect(() => scheduleArbitrary({ seed: Infinity })).toThrow(/seed/);
    expect(() => scheduleArbitrary(null as never)).toThrow(TypeError);
  });
});
