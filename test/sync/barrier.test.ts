import { describe, expect, it } from 'vitest';
import { Barrier, BrokenBarrierError, CancelledError, createTask, gather, simulate } from '../../src/index.js';
import { internals, rejection, ticks } from './support.js';

const N = 5;

/** Runs `n` tasks of `body` together and resolves to their results. */
async function together<T>(n: number, body: () => Promise<T>): Promise<T[]> {
  return await gather(Array.from({ length: n }, () => createTask(body)));
}

describe('Barrier', () => {
  it('rejects parties below 1 with RangeError and a non-integer with TypeError', () => {
    expect(() => new Barrier(0)).toThrow(RangeError);
    expect(() => new Barrier(-4)).toThrow('Barrier: parties must be >= 1, got -4');
    expect(() => new Barrier(2.5)).toThrow(TypeError);
    expect(() => new Barrier('3' as unknown as number)).toThrow('Barrier: parties must be an integer, got "3"');
    expect(new Barrier(N).parties).toBe(N);
  });

  it('releases parties tasks together, giving each a distinct arrival index', async () => {
    await simulate(async () => {
      const barrier = new Barrier(3);
      const indices = await together(3, () => barrier.wait());
      expect([...indices].sort()).toEqual([0, 1, 2]);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    });
  });

  it('lets a single party through at once, every time', async () => {
    await simulate(async () => {
      const barrier = new Barrier(1);
      expect(await barrier.wait()).toBe(0);
      const t1 = createTask(() => barrier.wait());
      await ticks();
      expect(barrier.nWaiting).toBe(0);
      const t2 = createTask(() => barrier.wait());
      await ticks();
      expect(t1.result()).toBe(0);
      expect(t2.result()).toBe(0);
      expect(barrier.broken).toBe(false);
    });
  });

  it('counts the tasks waiting for it to fill in nWaiting', async () => {
    await simulate(async () => {
      const barrier = new Barrier(3);
      const t1 = createTask(() => barrier.wait());
      await ticks();
      expect(barrier.nWaiting).toBe(1);
      const t2 = createTask(() => barrier.wait());
      await ticks();
      expect(barrier.nWaiting).toBe(2);
      const t3 = createTask(() => barrier.wait());
      await gather([t1, t2, t3]);
      expect(barrier.nWaiting).toBe(0);
    });
  });

  it('can be passed twice in a row by the same tasks', async () => {
    await simulate(async () => {
      const barrier = new Barrier(N);
      const first: number[] = [];
      const second: number[] = [];
      await together(N, async () => {
        first.push(await barrier.wait());
        second.push(await barrier.wait());
      });
      expect([...first].sort()).toEqual([0, 1, 2, 3, 4]);
      expect([...second].sort()).toEqual([0, 1, 2, 3, 4]);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    });
  });

  it('makes tasks arriving while the previous round drains wait for the next round', async () => {
    await simulate(async () => {
      const rewait = 2;
      const barrier = new Barrier(N);
      const others = new Barrier(N - rewait);
      let rewaitLeft = rewait;
      // Completes only if the second round of `barrier` is made of exactly
      // the rewaiting tasks plus the others, once they are all through `others`.
      await together(N, async () => {
        await barrier.wait();
        if (rewaitLeft > 0) {
          rewaitLeft -= 1;
          await barrier.wait();
        } else {
          await others.wait();
          await barrier.wait();
        }
      });
      expect(barrier.nWaiting).toBe(0);
    });
  });

  it('stays draining, with nWaiting 0, until the last task of a round has left', async () => {
    await simulate(async () => {
      const barrier = new Barrier(N);
      const seen: string[] = [];
      await together(N, async () => {
        await barrier.wait();
        seen.push(`${internals<string>(barrier, '_state')}:${barrier.nWaiting}`);
      });
      expect(seen).toEqual([...Array<string>(N - 1).fill('draining:0'), 'filling:0']);
    });
  });

  it('forgets a waiter that is cancelled, which no longer counts toward the parties', async () => {
    await simulate(async () => {
      const barrier = new Barrier(3);
      const passed: boolean[] = [];
      const body = async () => {
        await barrier.wait();
        passed.push(true);
      };
      const t1 = createTask(body);
      await ticks();
      const t2 = createTask(body);
      await ticks();
      expect(barrier.nWaiting).toBe(2);
      t1.cancel();
      await ticks();
      expect(barrier.nWaiting).toBe(1);
      expect(await rejection(t1)).toBeInstanceOf(CancelledError);
      const t3 = createTask(body);
      await ticks();
      expect(barrier.nWaiting).toBe(2);
      const t4 = createTask(body);
      await gather([t2, t3, t4]);
      expect(passed).toHaveLength(3);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    });
  });

  it('reset() with nobody waiting leaves it filling and unbroken', async () => {
    await simulate(async () => {
      const barrier = new Barrier(1);
      await barrier.reset();
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    });
  });

  it('reset() makes the waiting tasks throw BrokenBarrierError and leaves it usable', async () => {
    await simulate(async () => {
      const barrier = new Barrier(N);
      const broken: unknown[] = [];
      const tasks = Array.from({ length: N - 1 }, () =>
        createTask(async () => {
          try {
            await barrier.wait();
          } catch (err) {
            broken.push(err);
          }
        }),
      );
      await ticks();
      createTask(() => barrier.reset());
      await gather(tasks);
      expect(broken).toHaveLength(N - 1);
      for (const err of broken) expect(err).toBeInstanceOf(BrokenBarrierError);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
      expect(internals<string>(barrier, '_state')).toBe('filling');
      expect([...(await together(N, () => barrier.wait()))].sort()).toEqual([0, 1, 2, 3, 4]);
    });
  });

  it('reset() while a tripped round is still leaving breaks the tasks that have not left yet', async () => {
    await simulate(async () => {
      const barrier = new Barrier(N);
      const brokenWaiters: boolean[] = [];
      const restOfTasks = Math.floor(N / 2);
      await together(N, async () => {
        try {
          await barrier.wait();
        } catch (err) {
          expect(err).toBeInstanceOf(BrokenBarrierError);
          brokenWaiters.push(true);
          return;
        }
        if (internals<number>(barrier, '_count') === restOfTasks) await barrier.reset();
      });
      expect(brokenWaiters).toEqual(Array(restOfTasks).fill(true));
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    });
  });

  it('reset() during draining breaks the tasks still leaving; they and the early arrivals then fill the next round', async () => {
    await simulate(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blockingTasks = Math.floor(N / 2);
      let count = 0;
      await together(N, async () => {
        try {
          await barrier.wait();
        } catch {
          results1.push(true);
          await barrier.wait();
          return;
        }
        count += 1;
        if (count > blockingTasks) {
          await barrier.reset();
          await barrier.wait();
        } else {
          try {
            await barrier.wait();
          } catch {
            results2.push(true);
          }
        }
      });
      expect(results1).toEqual(Array(blockingTasks).fill(true));
      expect(results2).toEqual([]);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    });
  });

  it('lets tasks broken by reset() wait again and fill it with a newcomer', async () => {
    await simulate(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const tasks = Array.from({ length: N - 1 }, () =>
        createTask(async () => {
          try {
            await barrier.wait();
          } catch (err) {
            if (err instanceof BrokenBarrierError) results1.push(true);
          } finally {
            await barrier.wait();
            results2.push(true);
          }
        }),
      );
      createTask(() => barrier.reset());
      await ticks();
      createTask(async () => {
        await barrier.wait();
        results2.push(true);
      });
      await gather(tasks);
      await ticks();
      expect(barrier.broken).toBe(false);
      expect(results1).toHaveLength(N - 1);
      expect(results2).toHaveLength(N);
      expect(barrier.nWaiting).toBe(0);
    });
  });

  it('reset() by the last task out of a round does not break the next round', async () => {
    await simulate(async () => {
      const barrier = new Barrier(N);
      let count = 0;
      let secondRound = 0;
      let secondRoundErrors = 0;
      let thirdRound = 0;
      await together(N, async () => {
        await barrier.wait();
        count += 1;
        if (count === N) {
          await barrier.reset();
          await barrier.wait();
        } else {
          try {
            await barrier.wait();
            secondRound += 1;
          } catch {
            secondRoundErrors += 1;
          }
        }
        await barrier.wait();
        thirdRound += 1;
      });
      expect(secondRound).toBe(N - 1);
      expect(secondRoundErrors).toBe(0);
      expect(thirdRound).toBe(N);
      expect(barrier.broken).toBe(false);
      expect(barrier.nWaiting).toBe(0);
    });
  });

  it('abort() breaks it: waiting and later wait() calls throw BrokenBarrierError', async () => {
    await simulate(async () => {
      const barrier = new Barrier(3);
      const t = createTask(() => barrier.wait());
      await ticks();
      await barrier.abort();
      expect(barrier.broken).toBe(true);
      const err = await rejection(t);
      expect(err).toBeInstanceOf(BrokenBarrierError);
      expect(await rejection(barrier.wait())).toBeInstanceOf(BrokenBarrierError);
      expect(barrier.nWaiting).toBe(0);
    });
  });

  it('abort() by a task of a tripped round breaks the tasks still leaving it and those waiting for the next', async () => {
    await simulate(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blockingTasks = Math.floor(N / 2);
      let count = 0;
      await together(N, async () => {
        try {
          await barrier.wait();
        } catch (err) {
          expect(err).toBeInstanceOf(BrokenBarrierError);
          results1.push(true);
          return;
        }
        count += 1;
        if (count > blockingTasks) {
          await barrier.abort();
        } else {
          try {
            await barrier.wait();
          } catch (err) {
            expect(err).toBeInstanceOf(BrokenBarrierError);
            results2.push(true);
          }
        }
      });
      expect(barrier.broken).toBe(true);
      // The tasks of the tripped round that had not left yet see the abort ...
      expect(results1).toEqual(Array(blockingTasks).fill(true));
      // ... and so do those already waiting for the next round.
      expect(results2).toEqual(Array(N - blockingTasks - 1).fill(true));
      expect(barrier.nWaiting).toBe(0);
    });
  });

  it('abort() after a failure inside a round breaks the other parties, and reset() repairs it', async () => {
    await simulate(async () => {
      const barrier1 = new Barrier(N);
      const barrier2 = new Barrier(N);
      let passed = 0;
      let broken = 0;
      let repaired = 0;
      await together(N, async () => {
        try {
          const i = await barrier1.wait();
          if (i === Math.floor(N / 2)) throw new Error('boom');
          await barrier1.wait();
          passed += 1;
        } catch (err) {
          if (err instanceof BrokenBarrierError) broken += 1;
          else await barrier1.abort();
        }
        // Everyone has left barrier1 before the reset, and nobody enters it before.
        const i = await barrier2.wait();
        if (i === Math.floor(N / 2)) await barrier1.reset();
        await barrier2.wait();
        await barrier1.wait();
        repaired += 1;
      });
      expect(passed).toBe(0);
      expect(broken).toBe(N - 1);
      expect(repaired).toBe(N);
      expect(barrier1.broken).toBe(false);
      expect(barrier1.nWaiting).toBe(0);
    });
  });
});
