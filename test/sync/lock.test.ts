import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  createTask,
  gather,
  getRunningLoop,
  InvalidStateError,
  Lock,
  run,
  simulate,
  sleep,
} from '../../src/index.js';
import { internals, rejection, ticks } from './support.js';

const waitersOf = (lock: Lock): unknown[] => internals<unknown[] | null>(lock, '_waiters') ?? [];

describe('Lock', () => {
  it('starts unlocked, and acquire() on a free lock locks it and resolves to true', async () => {
    await simulate(async () => {
      const lock = new Lock();
      expect(lock.locked()).toBe(false);
      expect(await lock.acquire()).toBe(true);
      expect(lock.locked()).toBe(true);
    });
  });

  it('acquires a free lock without yielding to the loop', async () => {
    await simulate(async () => {
      const lock = new Lock();
      let ranMeanwhile = false;
      getRunningLoop().callSoon(() => {
        ranMeanwhile = true;
      });
      await lock.acquire();
      expect(ranMeanwhile).toBe(false);
    });
  });

  it('release() unlocks a lock that has no waiters', async () => {
    await simulate(async () => {
      const lock = new Lock();
      await lock.acquire();
      lock.release();
      expect(lock.locked()).toBe(false);
    });
  });

  it('release() of an unlocked lock throws InvalidStateError', () => {
    const lock = new Lock();
    expect(() => lock.release()).toThrow(InvalidStateError);
    expect(() => lock.release()).toThrow(/not acquired/);
  });

  it('wakes waiters one release at a time, in FIFO order, including one that queued later', async () => {
    await simulate(async () => {
      const lock = new Lock();
      const result: number[] = [];
      const taker = (n: number) => async () => {
        if (await lock.acquire()) result.push(n);
        return true;
      };
      await lock.acquire();
      const t1 = createTask(taker(1));
      const t2 = createTask(taker(2));
      await ticks();
      expect(result).toEqual([]);

      lock.release();
      await ticks();
      expect(result).toEqual([1]);
      await ticks();
      expect(result).toEqual([1]);

      const t3 = createTask(taker(3));
      lock.release();
      await ticks();
      expect(result).toEqual([1, 2]);

      lock.release();
      await ticks();
      expect(result).toEqual([1, 2, 3]);
      for (const t of [t1, t2, t3]) expect(t.result()).toBe(true);
    });
  });

  it('does not let a newcomer overtake a woken waiter that has not run yet', async () => {
    await simulate(async () => {
      const lock = new Lock();
      const order: string[] = [];
      await lock.acquire();
      const b = createTask(async () => {
        await lock.acquire();
        order.push('b');
        lock.release();
      });
      await ticks();
      lock.release();
      expect(lock.locked()).toBe(false);
      await lock.acquire();
      order.push('main');
      expect(order).toEqual(['b', 'main']);
      await b;
    });
  });

  it('lets a newcomer take the lock at once when every queued waiter is cancelled', async () => {
    await simulate(async () => {
      const lock = new Lock();
      await lock.acquire();
      const b = createTask(() => lock.acquire());
      await ticks();
      b.cancel();
      lock.release();
      let ranMeanwhile = false;
      getRunningLoop().callSoon(() => {
        ranMeanwhile = true;
      });
      await lock.acquire();
      expect(ranMeanwhile).toBe(false);
      expect(await rejection(b)).toBeInstanceOf(CancelledError);
      expect(lock.locked()).toBe(true);
    });
  });

  it('removes a waiter that is cancelled while queued', async () => {
    await simulate(async () => {
      const lock = new Lock();
      await lock.acquire();
      const t = createTask(() => lock.acquire());
      getRunningLoop().callSoon(() => t.cancel());
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      expect(waitersOf(lock)).toHaveLength(0);
      expect(lock.locked()).toBe(true);
    });
  });

  it('passes the lock on when a queued waiter is cancelled in the same step as the release', async () => {
    await simulate(async () => {
      // A holds the lock, B and C queue; then A's release and B's
      // cancellation happen together. C must get the lock.
      const lock = new Lock();
      const lockit = async (blocker: PromiseLike<unknown> | null) => {
        await lock.acquire();
        try {
          if (blocker !== null) await blocker;
        } finally {
          lock.release();
        }
      };
      const fa = getRunningLoop().createFuture<null>();
      const ta = createTask(() => lockit(fa));
      await ticks();
      expect(lock.locked()).toBe(true);
      const tb = createTask(() => lockit(null));
      await ticks();
      expect(waitersOf(lock)).toHaveLength(1);
      const tc = createTask(() => lockit(null));
      await ticks();
      expect(waitersOf(lock)).toHaveLength(2);

      fa.setResult(null);
      tb.cancel();
      await ticks();
      expect(lock.locked()).toBe(false);
      expect(ta.done()).toBe(true);
      expect(tb.cancelled()).toBe(true);
      await tc;
      expect(lock.locked()).toBe(false);
    });
  });

  it('never hands the lock to two waiters when one is cancelled as the lock is released', async () => {
    await simulate(async () => {
      const lock = new Lock();
      let acquired = 0;
      let calls = 0;
      const lockit = async () => {
        calls += 1;
        await lock.acquire();
        acquired += 1;
      };
      await lock.acquire();
      const t1 = createTask(lockit);
      const t2 = createTask(lockit);
      const t3 = createTask(lockit);
      await ticks();
      getRunningLoop().callSoon(() => {
        t1.cancel();
        lock.release();
      });
      expect(await rejection(t1)).toBeInstanceOf(CancelledError);
      expect(acquired).toBe(1);
      expect(calls).toBe(3);
      expect(t2.done()).toBe(true);
      t3.cancel();
      await ticks();
      expect(t3.cancelled()).toBe(true);
    });
  });

  it('hands the wakeup to the next waiter when a woken waiter is cancelled before it runs', async () => {
    await simulate(async () => {
      const lock = new Lock();
      await lock.acquire();
      const b = createTask(() => lock.acquire());
      const c = createTask(() => lock.acquire());
      await ticks();
      lock.release(); // wakes b ...
      b.cancel(); // ... which is cancelled before it can take the lock
      await ticks();
      expect(b.cancelled()).toBe(true);
      expect(await c).toBe(true);
      expect(lock.locked()).toBe(true);
      expect(waitersOf(lock)).toHaveLength(0);
    });
  });

  it('passes the lock to the waiter queued after one whose cancellation came before the release', async () => {
    await simulate(async () => {
      const lock = new Lock();
      await lock.acquire();
      const b = createTask(() => lock.acquire());
      await ticks();
      expect(waitersOf(lock)).toHaveLength(1);
      const c = createTask(() => lock.acquire());
      b.cancel();
      lock.release();
      await ticks();
      expect(lock.locked()).toBe(true);
      expect(b.cancelled()).toBe(true);
      expect(await c).toBe(true);
    });
  });

  it('keeps critical sections apart under contention, and every task gets its turn', async () => {
    await simulate(async () => {
      const lock = new Lock();
      let inside = 0;
      let maxInside = 0;
      const turns: number[] = [];
      const worker = (id: number) => async () => {
        for (let round = 0; round < 3; round++) {
          await lock.acquire();
          try {
            inside += 1;
            maxInside = Math.max(maxInside, inside);
            turns.push(id);
            await sleep(1 + (id % 3));
            inside -= 1;
          } finally {
            lock.release();
          }
        }
      };
      await gather([0, 1, 2, 3, 4].map((id) => createTask(worker(id))));
      expect(maxInside).toBe(1);
      // FIFO: everyone who was queued gets the lock before anyone's second turn.
      expect(turns).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    });
  });

  it('throws InvalidStateError when made to wait from a loop other than the one it is bound to (here a real one)', async () => {
    const lock = new Lock();
    await simulate(async () => {
      await lock.acquire();
      const t = createTask(() => lock.acquire());
      await ticks();
      lock.release();
      await t;
    });
    // Non-blocking use needs no loop.
    lock.release();
    await run(async () => {
      await lock.acquire();
      const err = await rejection(lock.acquire());
      expect(err).toBeInstanceOf(InvalidStateError);
      expect((err as Error).message).toMatch(/bound to a different event loop/);
    });
  });
});
