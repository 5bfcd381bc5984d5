import { describe, expect, it } from 'vitest';
import {
  BoundedSemaphore,
  CancelledError,
  createTask,
  gather,
  getRunningLoop,
  InvalidStateError,
  run,
  Semaphore,
  simulate,
  sleep,
  TaskGroup,
  waitFor,
} from '../../src/index.js';
import { internals, rejection, ticks } from './support.js';

const valueOf = (sem: Semaphore): number => internals<number>(sem, '_value');
const waitersOf = (sem: Semaphore): { done(): boolean }[] => internals<{ done(): boolean }[] | null>(sem, '_waiters') ?? [];

describe('Semaphore', () => {
  it('is locked from the start when its value is 0', () => {
    expect(new Semaphore(0).locked()).toBe(true);
  });

  it('has value 1 by default: one acquire locks it, one release unlocks it', async () => {
    await simulate(async () => {
      const sem = new Semaphore();
      expect(sem.locked()).toBe(false);
      expect(await sem.acquire()).toBe(true);
      expect(sem.locked()).toBe(true);
      sem.release();
      expect(sem.locked()).toBe(false);
    });
  });

  it('rejects a negative value with RangeError and a non-integer one with TypeError naming it', () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    expect(() => new Semaphore(-1)).toThrow('Semaphore: value must be >= 0, got -1');
    expect(() => new Semaphore('x' as unknown as number)).toThrow(TypeError);
    expect(() => new Semaphore('x' as unknown as number)).toThrow('Semaphore: value must be an integer, got "x"');
    expect(() => new Semaphore(1.5)).toThrow('Semaphore: value must be an integer, got 1.5');
    expect(() => new Semaphore(Number.NaN)).toThrow(TypeError);
    expect(() => new BoundedSemaphore(-2)).toThrow('BoundedSemaphore: value must be >= 0, got -2');
  });

  it('lets value tasks in at once and queues the rest, waking them as units are released', async () => {
    await simulate(async () => {
      const sem = new Semaphore(3);
      const result: number[] = [];
      expect(await sem.acquire()).toBe(true);
      expect(await sem.acquire()).toBe(true);
      expect(sem.locked()).toBe(false);
      const taker = (n: number) => async () => {
        await sem.acquire();
        result.push(n);
        return true;
      };
      const t1 = createTask(taker(1));
      const t2 = createTask(taker(2));
      const t3 = createTask(taker(3));
      await ticks();
      expect(result).toEqual([1]);
      expect(sem.locked()).toBe(true);
      expect(waitersOf(sem)).toHaveLength(2);
      expect(valueOf(sem)).toBe(0);

      const t4 = createTask(taker(4));
      sem.release();
      sem.release();
      // Each unit is handed to a waiter as it is released.
      expect(valueOf(sem)).toBe(0);
      await ticks();
      expect(valueOf(sem)).toBe(0);
      expect(result).toEqual([1, 2, 3]);
      expect(sem.locked()).toBe(true);
      expect(waitersOf(sem)).toHaveLength(1);
      expect(t1.result()).toBe(true);
      expect(t4.done()).toBe(false);

      sem.release();
      await gather([t2, t3, t4]);
      expect(result).toEqual([1, 2, 3, 4]);
    });
  });

  it('removes a waiter that is cancelled while queued', async () => {
    await simulate(async () => {
      const sem = new Semaphore();
      await sem.acquire();
      const t = createTask(() => sem.acquire());
      getRunningLoop().callSoon(() => t.cancel());
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      expect(waitersOf(sem).every((w) => w.done())).toBe(true);
      expect(valueOf(sem)).toBe(0);
    });
  });

  it('skips waiters cancelled before the release and wakes the first live one', async () => {
    await simulate(async () => {
      const sem = new Semaphore(0);
      const [t1, t2, t3, t4] = [0, 1, 2, 3].map(() => createTask(() => sem.acquire()));
      await ticks();
      t1!.cancel();
      t2!.cancel();
      sem.release();
      await ticks(2);
      expect(t3!.done()).toBe(true);
      expect(t4!.done()).toBe(false);
      t3!.cancel();
      t4!.cancel();
      await ticks();
    });
  });

  it('does not hang when the first waiter is cancelled just before a release', async () => {
    await simulate(async () => {
      const sem = new Semaphore(0);
      const t1 = createTask(() => sem.acquire());
      const t2 = createTask(() => sem.acquire());
      await ticks();
      t1.cancel();
      sem.release();
      await ticks(2);
      expect(sem.locked()).toBe(true);
      expect(t2.done()).toBe(true);
      expect(t1.cancelled()).toBe(true);
    });
  });

  it('gives the unit of a woken waiter that is cancelled before it runs to the next waiter', async () => {
    await simulate(async () => {
      const sem = new Semaphore(0);
      const t1 = createTask(() => sem.acquire());
      const t2 = createTask(() => sem.acquire());
      await ticks();
      sem.release(); // the unit goes to t1 ...
      t1.cancel(); // ... which is cancelled before it can use it
      expect(await rejection(t1)).toBeInstanceOf(CancelledError);
      expect(await t2).toBe(true);
      expect(valueOf(sem)).toBe(0);
      expect(sem.locked()).toBe(true);
    });
  });

  it('is usable again after a holder that cancelled a waiter releases it', async () => {
    await simulate(async () => {
      const sem = new Semaphore(1);
      let t2: ReturnType<typeof createTask<void>> | undefined;
      const t1 = createTask(async () => {
        await sem.acquire();
        try {
          await sleep(0);
        } finally {
          sem.release();
        }
        t2!.cancel();
      });
      t2 = createTask(async () => {
        await sem.acquire();
        try {
          throw new Error('t2 must never get the semaphore');
        } finally {
          sem.release();
        }
      });
      const [r1, r2] = await gather([t1, t2], { returnExceptions: true });
      expect(r1).toBeUndefined();
      expect(r2).toBeInstanceOf(CancelledError);
      await waitFor(() => sem.acquire(), 1000);
    });
  });

  it('queues a newcomer behind a woken waiter that has not run yet, even with a unit free', async () => {
    await simulate(async () => {
      const sem = new Semaphore(0);
      const order: string[] = [];
      const t1 = createTask(async () => {
        await sem.acquire();
        order.push('t1');
      });
      await ticks();
      sem.release(); // woken: t1's unit is taken for it
      sem.release(); // a free unit, but t1 has not run
      expect(valueOf(sem)).toBe(1);
      expect(sem.locked()).toBe(true);
      await sem.acquire(); // must queue behind t1, then t1 wakes us
      order.push('main');
      expect(order).toEqual(['t1', 'main']);
      await t1;
    });
  });

  it('serves acquirers in FIFO order across repeated acquire/release rounds', async () => {
    await simulate(async () => {
      const sem = new Semaphore(1);
      const result: string[] = [];
      const worker = (tag: string) => async () => {
        for (const round of [1, 2]) {
          await sem.acquire();
          result.push(`${tag}_${round}`);
          await sleep(10);
          sem.release();
        }
      };
      await new TaskGroup().run(async (tg) => {
        tg.createTask(worker('c1'));
        tg.createTask(worker('c2'));
        tg.createTask(worker('c3'));
      });
      expect(result).toEqual(['c1_1', 'c2_1', 'c3_1', 'c1_2', 'c2_2', 'c3_2']);
    });
  });

  it('makes a releasing task that re-acquires queue behind the tasks already waiting', async () => {
    await simulate(async () => {
      const sem = new Semaphore(1);
      const result: number[] = [];
      const t1 = createTask(async () => {
        await sem.acquire();
        result.push(1);
      });
      const t2 = createTask(async () => {
        await sem.acquire();
        result.push(2);
        sem.release();
        await sem.acquire();
        result.push(4);
      });
      const t3 = createTask(async () => {
        await sem.acquire();
        result.push(3);
      });
      await ticks();
      sem.release();
      sem.release();
      await gather([t1, t2, t3]);
      expect(result).toEqual([1, 2, 3, 4]);
    });
  });

  it('wakes the waiters behind one that was cancelled while queued', async () => {
    await simulate(async () => {
      const sem = new Semaphore(0);
      const result: number[] = [];
      const taker = (n: number) => async () => {
        await sem.acquire();
        result.push(n);
      };
      const tasks = [createTask(taker(1)), createTask(taker(2)), createTask(taker(3))];
      await ticks();
      tasks[0]!.cancel();
      await ticks();
      sem.release();
      sem.release();
      await gather(tasks, { returnExceptions: true });
      expect(result).toEqual([2, 3]);
    });
  });

  it('bounds concurrency to its value under load', async () => {
    await simulate(async () => {
      const sem = new Semaphore(3);
      let inside = 0;
      let maxInside = 0;
      await gather(
        Array.from({ length: 12 }, (_, i) =>
          createTask(async () => {
            await sem.acquire();
            try {
              inside += 1;
              maxInside = Math.max(maxInside, inside);
              await sleep(1 + (i % 4));
            } finally {
              inside -= 1;
              sem.release();
            }
          }),
        ),
      );
      expect(maxInside).toBe(3);
      expect(valueOf(sem)).toBe(3);
    });
  });
  it('throws InvalidStateError when made to wait from a loop other than the one it is bound to (here a real one)', async () => {
    const sem = new Semaphore(0);
    await simulate(async () => {
      const t = createTask(() => sem.acquire());
      await ticks();
      sem.release();
      await t;
    });
    await run(async () => {
      expect(await rejection(sem.acquire())).toBeInstanceOf(InvalidStateError);
      sem.release(); // non-blocking calls still work
      expect(await sem.acquire()).toBe(true);
    });
  });
});

describe('BoundedSemaphore', () => {
  it('throws RangeError when released more often than acquired', async () => {
    const sem = new BoundedSemaphore();
    expect(() => sem.release()).toThrow(RangeError);
    expect(() => sem.release()).toThrow(/released too many times/);
    await simulate(async () => {
      await sem.acquire();
      sem.release();
      expect(() => sem.release()).toThrow(RangeError);
      expect(sem.locked()).toBe(false);
    });
  });

  it('behaves as a Semaphore within its bound', async () => {
    await simulate(async () => {
      const sem = new BoundedSemaphore(2);
      await sem.acquire();
      await sem.acquire();
      expect(sem.locked()).toBe(true);
      const t = createTask(() => sem.acquire());
      await ticks();
      sem.release();
      expect(await t).toBe(true);
      sem.release();
      sem.release();
      expect(() => sem.release()).toThrow(RangeError);
    });
  });
});
