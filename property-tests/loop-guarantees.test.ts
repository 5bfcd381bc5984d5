/**
 * The six scheduling guarantees of API.md ("The loop"), checked against the
 * reference model of one iteration (support/model.ts) on random programs run
 * in a simulated world with the FIFO scheduler: the order in which labelled
 * callbacks ran, the virtual time at which each ran, and what ran inside each
 * (microtasks, the exception handler) must be the model's, exactly.
 *
 * A failure prints fast-check's seed and path (replay with FC_SEED=<seed>
 * FC_PATH=<path>), the shrunk program, and where the run and the model part.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CancelledError, createSimWorld, simulate, sleep, timeout, waitFor, type EventLoop, type TimerHandle } from '../src/index.js';
import { expectFifoMatchesModel, fifoMatchesModel, stopsMatchModel } from './support/checks.js';
import { params } from './support/params.js';
import { badTimeArb, burstProgramArb, finiteDelayArb, programArb, type MicroLink } from './support/program.js';

const none = { soon: 0, later: 0, at: 0, cancel: 0, task: 0, micro: 0, bad: 0, stop: 0, advance: 0 };

describe('the loop runs random programs exactly as the reference model of one iteration does (fifo)', () => {
  it('callSoon/callLater/callAt/cancel/tasks/microtasks/throwing callbacks: same callbacks, same order, same virtual times', async () => {
    await fc.assert(fc.asyncProperty(programArb(), fifoMatchesModel), params(500));
  });

  it('G1: callSoon callbacks run in the order they were scheduled (FIFO), from callbacks and task steps alike', async () => {
    const arb = programArb({ ops: { ...none, soon: 5, task: 1 }, throwPct: 0, maxOps: 5 });
    await fc.assert(fc.asyncProperty(arb, fifoMatchesModel), params(200));
  });

  it('G1 holds while hundreds of callbacks are ready at once (the ready queue grows and wraps while it is consumed)', async () => {
    await fc.assert(fc.asyncProperty(burstProgramArb(), fifoMatchesModel), params(100));
  });

  it('G2: a timer never runs before its when, timers due together run in scheduling order, and a due timer runs after the callbacks already ready (also when clock.advance() moves time inside a callback)', async () => {
    const arb = programArb({ ops: { ...none, soon: 3, later: 4, at: 3, task: 1, advance: 1 }, infinity: false, throwPct: 0, maxOps: 5 });
    await fc.assert(fc.asyncProperty(arb, fifoMatchesModel), params(300));
  });

  it('G3: a cancelled handle never runs (callSoon, callLater, callAt; before it is due, once due, or by itself while running)', async () => {
    const arb = programArb({ ops: { ...none, soon: 3, later: 3, at: 2, cancel: 5, task: 1 }, maxOps: 5 });
    await fc.assert(fc.asyncProperty(arb, fifoMatchesModel), params(200));
  });

  it('G4: every microtask a callback queued (promise chains, queueMicrotask, process.nextTick, async functions) runs before the next loop callback', async () => {
    const arb = programArb({
      ops: { ...none, soon: 3, later: 1, micro: 5, task: 2 },
      awaits: { sleep: 1, done: 2, plain: 3, futSoon: 1, futLater: 0 },
      throwPct: 0,
    });
    await fc.assert(fc.asyncProperty(arb, fifoMatchesModel), params(200));
  });

  it('G5: a throwing callback reaches the exception handler with { message, exception, handle } and the loop goes on', async () => {
    const arb = programArb({ ops: { ...none, soon: 4, later: 3, at: 1, task: 1, micro: 1 }, throwPct: 50 });
    await fc.assert(fc.asyncProperty(arb, fifoMatchesModel), params(200));
  });

  it('iterations: stop() returns from runForever() right after the callbacks that were ready when its iteration began, the next runForever() goes on from there, and a stop() before a run lets exactly one iteration run, without a time jump', async () => {
    const arb = programArb({ ops: { ...none, soon: 4, later: 3, at: 1, cancel: 1, task: 2, micro: 1, stop: 2 }, throwPct: 0 });
    const preStops = fc.array(fc.boolean(), { maxLength: 8 });
    await fc.assert(fc.asyncProperty(arb, preStops, stopsMatchModel), params(200));
  });

  it('G6: negative and fractional delays keep the order of their whens, and Infinity timers never fire (time never jumps to them)', async () => {
    const arb = programArb({ ops: { ...none, soon: 1, later: 4, at: 4, cancel: 1, task: 1, bad: 1 }, throwPct: 0, maxOps: 5 });
    await fc.assert(
      fc.asyncProperty(arb, async (p) => {
        const run = await expectFifoMatchesModel(p);
        expect(Number.isFinite(run.endTime)).toBe(true);
      }),
      params(200),
    );
  });
});

describe('guarantees checked directly', () => {
  it('G3: under schedule/cancel churn the timer heap holds at most 2·live + 128 entries after every cancel, and its bookkeeping matches the live timers', async () => {
    const round = fc.record({
      add: fc.integer({ min: 1, max: 60 }),
      delay: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1000, max: 100_000 })),
      // cancel the live timers whose index is a multiple of this (1: all)
      cancelEvery: fc.integer({ min: 1, max: 4 }),
      advance: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(round, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 15 }), async (rounds, repeat) => {
        const problems: string[] = [];
        let peak = 0;
        await simulate(async (w) => {
          const loop = w.loop;
          const heap = loop._timers;
          const live = new Set<TimerHandle>();
          const check = (where: string): void => {
            if (heap.size - heap.cancelled !== live.size) problems.push(`${where}: size ${heap.size} - cancelled ${heap.cancelled} != ${live.size} live timers`);
            if (heap.cancelled < 0) problems.push(`${where}: negative cancelled count ${heap.cancelled}`);
            if (heap.size > 2 * live.size + 128) problems.push(`${where}: ${heap.size} entries for ${live.size} live timers`);
            peak = Math.max(peak, heap.size);
          };
          for (let r = 0; r < repeat; r++) {
            for (const rd of rounds) {
              for (let i = 0; i < rd.add; i++) {
                const h: TimerHandle = loop.callLater(rd.delay + (i % 7), () => void live.delete(h));
                live.add(h);
              }
              let i = 0;
              for (const h of [...live]) {
                if (i++ % rd.cancelEvery === 0) {
                  h.cancel();
                  live.delete(h);
                  check(`round ${r}, after a cancel`);
                }
              }
              if (rd.advance > 0) await sleep(rd.advance);
            }
          }
          for (const h of live) h.cancel();
          live.clear();
          check('after cancelling everything');
        });
        expect(problems.slice(0, 5)).toEqual([]);
        expect(peak).toBeGreaterThan(0);
      }),
      params(100),
    );
  });

  it('G4: the code of a task between two awaits of loop futures runs without another task interleaving (fifo and random)', async () => {
    const link = fc.constantFrom<MicroLink>('promise', 'queueMicrotask', 'nextTick', 'async');
    const segment = fc.record({
      plain: fc.array(link, { maxLength: 5 }),
      loopAwait: fc.oneof(
        fc.constant({ k: 'sleep' as const, ms: 0 }),
        finiteDelayArb.map((ms) => ({ k: 'sleep' as const, ms })),
        fc.constant({ k: 'futSoon' as const }),
      ),
    });
    const tasks = fc.array(fc.array(segment, { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 5 });
    await fc.assert(
      fc.asyncProperty(tasks, fc.constantFrom<'fifo' | 'random'>('fifo', 'random'), fc.integer(), async (spec, strategy, seed) => {
        const problems: string[] = [];
        let owner: number | null = null;
        const hop = (l: MicroLink): Promise<void> =>
          l === 'promise'
            ? Promise.resolve()
            : l === 'queueMicrotask'
              ? new Promise((r) => queueMicrotask(r))
              : l === 'nextTick'
                ? new Promise((r) => process.nextTick(r))
                : (async () => {
                    await undefined;
                  })();
        await simulate(
          async (w) => {
            const loop = w.loop;
            const ts = spec.map((segs, i) =>
              loop.createTask(async () => {
                for (const [j, seg] of segs.entries()) {
                  if (owner !== null) problems.push(`task ${i} segment ${j} started while task ${owner}'s segment was still running`);
                  owner = i;
                  for (const l of seg.plain) {
                    await hop(l);
                    if (owner !== i) problems.push(`task ${owner ?? 'none'} ran inside task ${i}'s segment ${j}`);
                  }
                  owner = null;
                  const a = seg.loopAwait;
                  if (a.k === 'sleep') await sleep(a.ms);
                  else {
                    const f = loop.createFuture<void>();
                    loop.callSoon(() => f.setResult(undefined));
                    await f;
                  }
                }
              }),
            );
            for (const t of ts) await t;
          },
          { strategy, seed },
        );
        expect(problems.slice(0, 5)).toEqual([]);
      }),
      params(200),
    );
  });

  it('G6: callLater/callAt/sleep with NaN or a non-number throw TypeError naming the parameter, and schedule nothing', async () => {
    await fc.assert(
      fc.asyncProperty(badTimeArb, fc.constantFrom('callLater', 'callAt', 'sleep'), async (value, api) => {
        await simulate(async (w) => {
          const loop: EventLoop = w.loop;
          const before = loop._timers.size;
          let ran = false;
          let error: unknown = null;
          try {
            if (api === 'callLater') loop.callLater(value as number, () => void (ran = true));
            else if (api === 'callAt') loop.callAt(value as number, () => void (ran = true));
            else void sleep(value as number);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(TypeError);
          expect((error as Error).message).toMatch(api === 'callLater' ? /delayMs/ : api === 'callAt' ? /whenMs/ : /\bms\b/);
          expect(loop._timers.size).toBe(before);
          await sleep(0);
          await sleep(5);
          expect(ran).toBe(false);
        });
      }),
      params(200),
    );
  });

  it('G6: Infinity is a valid delay for sleep, waitFor and timeout: it never fires and autojump never jumps to it', async () => {
    const kind = fc.constantFrom('sleep', 'waitFor', 'timeout', 'callLater', 'callAt');
    await fc.assert(
      fc.asyncProperty(fc.array(kind, { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 5 }), async (kinds, delays) => {
        const world = createSimWorld();
        try {
          await world.run(async (w) => {
            const loop = w.loop;
            let fired = 0;
            const infinite = kinds.map((k) => {
              if (k === 'callLater') return loop.callLater(Infinity, () => void fired++);
              if (k === 'callAt') return loop.callAt(Infinity, () => void fired++);
              return loop.createTask(async () => {
                if (k === 'sleep') await sleep(Infinity);
                else if (k === 'waitFor') await waitFor(loop.createFuture<void>(), Infinity);
                else await timeout(Infinity, async () => await loop.createFuture<void>());
                fired++;
              });
            });
            const last = Math.max(...delays);
            const sleeps = delays.map((d) => sleep(d));
            for (const s of sleeps) await s;
            expect(loop.time()).toBe(last);
            expect(fired).toBe(0);
            for (const x of infinite) {
              x.cancel();
              if ('getName' in x) {
                let err: unknown = null;
                try {
                  await x;
                } catch (e) {
                  err = e;
                }
                expect(err).toBeInstanceOf(CancelledError);
              }
            }
            expect(loop.time()).toBe(last);
            expect(fired).toBe(0);
          });
        } finally {
          await world[Symbol.asyncDispose]();
        }
        expect(world.trace().every((e) => Number.isFinite(e.time))).toBe(true);
      }),
      params(150),
    );
  });
});
