/**
 * Determinism of the simulated world, and what the `'random'` strategy keeps
 * (API.md, "What 'random' and 'pct' keep"): a run under `'random'` is checked
 * choice by choice against the reference model (support/model.ts,
 * `runReplay`), which allows any interleaving of origins (a ready callback
 * may wait while later ones run, across iterations) but no broken per-origin
 * order, no timer before the iteration at its time, and no other virtual
 * time than the model's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulate, sleep } from '../src/index.js';
import { expectRandomKeepsPromises, expectSameRunTwice, pctKeepsPromises, randomKeepsPromises } from './support/checks.js';
import { Schedule } from '../src/schedule/schedule.js';
import { decisionsArbitrary } from '../src/explore/shrink.js';
import { params } from './support/params.js';
import { burstProgramArb, programArb } from './support/program.js';

const seedArb = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }));

describe('determinism: the same program and seed give an identical world.trace()', () => {
  it('under fifo: two runs (another program between them) give the same trace and callbacks, and neither breaks a guarantee', async () => {
    await fc.assert(
      fc.asyncProperty(programArb(), programArb(), seedArb, (p, other, seed) => expectSameRunTwice(p, { strategy: 'fifo', seed }, other)),
      params(120),
    );
  });

  it('under random: two runs with one seed (another program between them) give the same trace and callbacks, and neither runs a timer early, leaves microtasks behind or misreports an exception', async () => {
    await fc.assert(
      fc.asyncProperty(programArb(), programArb(), seedArb, (p, other, seed) => expectSameRunTwice(p, { strategy: 'random', seed }, other)),
      params(150),
    );
  });
});

describe("what 'random' keeps", () => {
  // Programs whose every loop callback is labelled (no sleep(ms > 0), whose
  // timer is internal), so that each choice of the run can be checked.
  const checkable = programArb({ sleepTimers: false });

  it('per-origin order (a task\'s callbacks and a callback\'s children in order), and timers never early (ready only from the first iteration that begins at or after their time)', async () => {
    await fc.assert(fc.asyncProperty(checkable, seedArb, randomKeepsPromises), params(300));
  });

  it('the same choices hold for programs of many concurrent tasks that interleave', async () => {
    const arb = programArb({
      sleepTimers: false,
      ops: { soon: 2, later: 1, at: 0, cancel: 1, task: 5, micro: 1, bad: 0 },
      awaits: { sleep: 3, done: 1, plain: 1, futSoon: 3, futLater: 2 },
      throwPct: 0,
      maxSteps: 4,
    });
    await fc.assert(fc.asyncProperty(arb, seedArb, randomKeepsPromises), params(200));
  });

  it('per-origin order holds when hundreds of callbacks from a few origins are ready at once', async () => {
    await fc.assert(fc.asyncProperty(burstProgramArb(), seedArb, randomKeepsPromises), params(100));
  });

  it('different seeds may differ: over 40 seeds two independent tasks interleave in more than one way', async () => {
    const orders = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const log: string[] = [];
      await simulate(
        async (w) => {
          const mk = (name: string) =>
            w.loop.createTask(async () => {
              for (let i = 0; i < 3; i++) {
                log.push(`${name}${i}`);
                await sleep(0);
              }
            });
          const a = mk('a');
          const b = mk('b');
          await a;
          await b;
        },
        { strategy: 'random', seed },
      );
      orders.add(log.join(' '));
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('a ready task may wait across iterations while another, woken later, runs many steps: some seed lets a run three steps between b\'s two', async () => {
    let found = false;
    for (let seed = 0; seed < 200 && !found; seed++) {
      const log: string[] = [];
      await simulate(
        async (w) => {
          const a = w.loop.createTask(async () => {
            for (let i = 0; i < 4; i++) {
              log.push(`a${i}`);
              await sleep(0);
            }
          });
          const b = w.loop.createTask(async () => {
            log.push('b0');
            await sleep(0);
            log.push('b1');
          });
          await a;
          await b;
        },
        { strategy: 'random', seed },
      );
      // Impossible in asyncio's lockstep (each ready task runs once per iteration): a0 b0 a1 b1 ...
      found = log.indexOf('b0') < log.indexOf('a1') && log.indexOf('a3') < log.indexOf('b1');
    }
    expect(found).toBe(true);
  });
});

describe("what 'pct' keeps", () => {
  const checkable = programArb({ sleepTimers: false });

  it('per-origin order, and timers never early (ready only from the first iteration that begins at or after their time)', async () => {
    await fc.assert(fc.asyncProperty(checkable, seedArb, pctKeepsPromises), params(200));
  });

  it('the same holds for programs of many concurrent tasks, and one seed gives one trace', async () => {
    const arb = programArb({
      sleepTimers: false,
      ops: { soon: 2, later: 1, at: 0, cancel: 1, task: 5, micro: 1, bad: 0 },
      awaits: { sleep: 3, done: 1, plain: 1, futSoon: 3, futLater: 2 },
      throwPct: 0,
      maxSteps: 4,
    });
    await fc.assert(fc.asyncProperty(arb, seedArb, pctKeepsPromises), params(150));
    await fc.assert(fc.asyncProperty(programArb(), programArb(), seedArb, (p, other, seed) => expectSameRunTwice(p, { strategy: 'pct', seed }, other)), params(80));
  });
});

describe('a Schedule value (any decisions) keeps the same promises and always gives the same run', () => {
  const scheduleArb = fc.record({ seed: fc.integer(), decisions: decisionsArbitrary(['jitter']) }).map(({ seed, decisions }) => new Schedule(seed, decisions));

  it('per-origin order and timers never early under arbitrary decisions', async () => {
    const checkable = programArb({ sleepTimers: false });
    await fc.assert(
      fc.asyncProperty(checkable, scheduleArb, async (p, s) => {
        await expectRandomKeepsPromises(p, 0, s);
      }),
      params(200),
    );
  });

  it('one Schedule value gives one trace', async () => {
    await fc.assert(fc.asyncProperty(programArb(), programArb(), scheduleArb, (p, other, s) => expectSameRunTwice(p, { strategy: s }, other)), params(80));
  });
});
