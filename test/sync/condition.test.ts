import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  Condition,
  createTask,
  getRunningLoop,
  InvalidStateError,
  Lock,
  run,
  simulate,
  TimeoutError,
  waitFor,
} from '../../src/index.js';
import { internals, rejection, ticks } from './support.js';

const waitersOf = (cond: Condition): unknown[] => internals<unknown[]>(cond, '_waiters');

describe('Condition', () => {
  it('wakes notified waiters in FIFO order, each only once it holds the lock', async () => {
    await simulate(async () => {
      const cond = new Condition();
      const result: number[] = [];
      const waiter = (n: number) => async () => {
        await cond.acquire();
        if (await cond.wait()) result.push(n);
        return true;
      };
      const t1 = createTask(waiter(1));
      const t2 = createTask(waiter(2));
      const t3 = createTask(waiter(3));
      await ticks();
      expect(result).toEqual([]);
      expect(cond.locked()).toBe(false);

      expect(await cond.acquire()).toBe(true);
      cond.notify();
      await ticks();
      expect(result).toEqual([]);
      expect(cond.locked()).toBe(true);

      cond.release();
      await ticks();
      expect(result).toEqual([1]);
      expect(cond.locked()).toBe(true);

      cond.notify(2);
      await ticks();
      expect(result).toEqual([1]);
      expect(cond.locked()).toBe(true);

      cond.release();
      await ticks();
      expect(result).toEqual([1, 2]);
      expect(cond.locked()).toBe(true);

      cond.release();
      await ticks();
      expect(result).toEqual([1, 2, 3]);
      expect(cond.locked()).toBe(true);
      for (const t of [t1, t2, t3]) expect(t.result()).toBe(true);
    });
  });

  it('wait() without the lock held throws InvalidStateError', async () => {
    await simulate(async () => {
      const cond = new Condition();
      const err = await rejection(cond.wait());
      expect(err).toBeInstanceOf(InvalidStateError);
      expect((err as Error).message).toMatch(/not acquired/);
    });
  });

  it('notify() and notifyAll() without the lock held throw InvalidStateError', () => {
    const cond = new Condition();
    expect(() => cond.notify()).toThrow(InvalidStateError);
    expect(() => cond.notifyAll()).toThrow(InvalidStateError);
  });

  it('re-acquires the lock before a cancelled wait() throws, and leaves no waiter behind', async () => {
    await simulate(async () => {
      const cond = new Condition();
      await cond.acquire();
      const t = createTask(() => cond.wait());
      getRunningLoop().callSoon(() => t.cancel());
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      expect(waitersOf(cond)).toHaveLength(0);
      expect(cond.locked()).toBe(true);
    });
  });

  it('re-acquires the lock even when cancelled while waiting for the lock after a notify', async () => {
    await simulate(async () => {
      const cond = new Condition();
      await cond.acquire();
      const t = createTask(() => cond.wait());
      await ticks();
      expect(cond.locked()).toBe(false);

      // Notify while holding the lock, then cancel the waiter while it
      // contends for the lock, and only then let go of it.
      await cond.acquire();
      cond.notify();
      getRunningLoop().callSoon(() => t.cancel());
      getRunningLoop().callSoon(() => cond.release());
      try {
        await t;
      } catch (err) {
        expect(err).toBeInstanceOf(CancelledError);
      }
      expect(cond.locked()).toBe(true);
    });
  });

  it('ends a waiter cancelled between its notification and its re-acquire as cancelled', async () => {
    await simulate(async () => {
      const cond = new Condition();
      let waited = false;
      const waiter = createTask(async () => {
        await cond.acquire();
        try {
          waited = true;
          await cond.wait();
        } finally {
          cond.release();
        }
      });
      await ticks();
      await cond.acquire();
      cond.notify();
      await ticks(); // the waiter now waits for the lock
      waiter.cancel();
      await ticks();
      cond.release();
      await ticks();
      expect(waiter.cancelled()).toBe(true);
      expect(waited).toBe(true);
      expect(cond.locked()).toBe(false);
    });
  });

  it('passes a notification on when the notified waiter is cancelled before it runs', async () => {
    await simulate(async () => {
      const cond = new Condition();
      const woke: string[] = [];
      const waiter = (name: string) => async () => {
        await cond.acquire();
        try {
          await cond.wait();
          woke.push(name);
        } finally {
          cond.release();
        }
      };
      const a = createTask(waiter('a'));
      const b = createTask(waiter('b'));
      await ticks();
      await cond.acquire();
      cond.notify(1); // meant for a ...
      a.cancel(); // ... which cannot take it
      cond.release();
      expect(await rejection(a)).toBeInstanceOf(CancelledError);
      await b;
      expect(woke).toEqual(['b']);
    });
  });

  it('times out a wait() under waitFor and still re-acquires the lock', async () => {
    await simulate(async () => {
      const cond = new Condition();
      await cond.acquire();
      const err = await rejection(waitFor(() => cond.wait(), 500));
      expect(err).toBeInstanceOf(TimeoutError);
      expect(cond.locked()).toBe(true);
      expect(getRunningLoop().time()).toBe(500);
      cond.release();
    });
  });

  it('waitFor() waits until the predicate holds and resolves to its value', async () => {
    await simulate(async () => {
      const cond = new Condition();
      let ready: string | null = null;
      const result: string[] = [];
      const t = createTask(async () => {
        await cond.acquire();
        const value = await cond.waitFor(() => ready);
        result.push(value as string);
        cond.release();
        return true;
      });
      await ticks();
      expect(result).toEqual([]);

      await cond.acquire();
      cond.notify();
      cond.release();
      await ticks();
      expect(result).toEqual([]);

      ready = 'go';
      await cond.acquire();
      cond.notify();
      cond.release();
      await ticks();
      expect(result).toEqual(['go']);
      expect(t.result()).toBe(true);
    });
  });

  it('waitFor() returns a predicate that already holds without the lock, and throws when it must wait without it', async () => {
    await simulate(async () => {
      const cond = new Condition();
      expect(await cond.waitFor(() => [1, 2, 3])).toEqual([1, 2, 3]);
      expect(await rejection(cond.waitFor(() => false))).toBeInstanceOf(InvalidStateError);
    });
  });

  it('notify(n) wakes at most n waiters, and notify() with more than are waiting wakes them all', async () => {
    await simulate(async () => {
      const cond = new Condition();
      const result: number[] = [];
      const waiter = (n: number) => async () => {
        await cond.acquire();
        if (await cond.wait()) {
          result.push(n);
          cond.release();
        }
      };
      const tasks = [createTask(waiter(1)), createTask(waiter(2)), createTask(waiter(3))];
      await ticks();

      await cond.acquire();
      cond.notify(1);
      cond.release();
      await ticks();
      expect(result).toEqual([1]);

      await cond.acquire();
      cond.notify(1);
      cond.notify(2048);
      cond.release();
      await ticks();
      expect(result).toEqual([1, 2, 3]);
      for (const t of tasks) expect(t.done()).toBe(true);
    });
  });

  it('notifyAll() wakes every waiter', async () => {
    await simulate(async () => {
      const cond = new Condition();
      const result: number[] = [];
      const waiter = (n: number) => async () => {
        await cond.acquire();
        if (await cond.wait()) {
          result.push(n);
          cond.release();
        }
      };
      createTask(waiter(1));
      createTask(waiter(2));
      await ticks();
      await cond.acquire();
      cond.notifyAll();
      cond.release();
      await ticks();
      expect(result).toEqual([1, 2]);
    });
  });

  it('shares an explicit lock: the condition is locked exactly when the lock is', async () => {
    await simulate(async () => {
      const lock = new Lock();
      const cond = new Condition(lock);
      expect(cond.locked()).toBe(false);
      await cond.acquire();
      expect(lock.locked()).toBe(true);
      cond.release();
      await lock.acquire();
      expect(cond.locked()).toBe(true);
      lock.release();
      expect(cond.locked()).toBe(false);
    });
  });

  it('lets two conditions over one lock be waited on and notified separately', async () => {
    await simulate(async () => {
      const lock = new Lock();
      const notEmpty = new Condition(lock);
      const notFull = new Condition(lock);
      const woke: string[] = [];
      const waitOn = (cond: Condition, name: string) => async () => {
        await cond.acquire();
        try {
          await cond.wait();
          woke.push(name);
        } finally {
          cond.release();
        }
      };
      const a = createTask(waitOn(notEmpty, 'notEmpty'));
      const b = createTask(waitOn(notFull, 'notFull'));
      await ticks();
      await lock.acquire();
      notFull.notifyAll();
      lock.release();
      await b;
      expect(woke).toEqual(['notFull']);
      expect(a.done()).toBe(false);
      a.cancel();
      expect(await rejection(a)).toBeInstanceOf(CancelledError);
    });
  });

  it('rejects a lock argument that is not a Lock, and a predicate that is not a function, with TypeError', async () => {
    expect(() => new Condition({} as unknown as Lock)).toThrow(TypeError);
    expect(() => new Condition({} as unknown as Lock)).toThrow(/Condition: lock must be a Lock, got an object/);
    const cond = new Condition(null);
    expect(() => cond.notify(Number.NaN)).toThrow(TypeError);
    await expect(cond.waitFor(true as unknown as () => boolean)).rejects.toThrow(
      /Condition.waitFor: predicate must be a function, got true/,
    );
  });

  it('throws InvalidStateError from wait() on a loop other than the one it is bound to (here a real one)', async () => {
    const cond = new Condition();
    await simulate(async () => {
      await cond.acquire();
      const t = createTask(async () => {
        await cond.acquire();
        cond.notify();
        cond.release();
      });
      await cond.wait();
      cond.release();
      await t;
    });
    await run(async () => {
      await cond.acquire();
      expect(await rejection(cond.wait())).toBeInstanceOf(InvalidStateError);
      // The failed wait() kept the lock.
      expect(cond.locked()).toBe(true);
      cond.release();
    });
  });
});
