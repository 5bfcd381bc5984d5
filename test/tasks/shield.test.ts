import { describe, expect, it } from 'vitest';
import { CancelledError, createTask, ensureFuture, EventLoop, Future, gather, getRunningLoop, shield, simulate, SimulationError, sleep, Task } from '../../src/index.js';
import { now, rejection, ticks } from './support.js';

describe('shield', () => {
  it('passes the inner result through when nothing is cancelled', async () => {
    await simulate(async () => {
      const inner = createTask(async () => {
        await sleep(10);
        return 'inner';
      });
      expect(await shield(inner)).toBe('inner');
    });
  });

  it('cancelling the shield does not cancel the inner task, which runs to its end', async () => {
    await simulate(async () => {
      const inner = createTask(async () => {
        await sleep(10);
        return 'finished';
      });
      const outer = shield(inner);
      await sleep(1);
      expect(outer.cancel()).toBe(true);
      expect(await rejection(outer)).toBeInstanceOf(CancelledError);
      expect(inner.cancelled()).toBe(false);
      expect(await inner).toBe('finished');
      expect(now()).toBe(10);
    });
  });

  it('cancelling the task that awaits a shield interrupts only that task', async () => {
    await simulate(async () => {
      const inner = createTask(async () => {
        await sleep(10);
        return 'finished';
      });
      const waiter = createTask(async () => shield(inner));
      await sleep(1);
      waiter.cancel();
      expect(await rejection(waiter)).toBeInstanceOf(CancelledError);
      expect(now()).toBe(1);
      expect(await inner).toBe('finished');
    });
  });

  it('a failure of the inner future reaches the shield', async () => {
    await simulate(async () => {
      const err = new Error('inner failed');
      const inner = createTask(async () => {
        await sleep(1);
        throw err;
      });
      expect(await rejection(shield(inner))).toBe(err);
    });
  });

  it('cancelling the inner future cancels the shield', async () => {
    await simulate(async () => {
      const inner = new Future<number>();
      const outer = shield(inner);
      inner.cancel();
      expect(await rejection(outer)).toBeInstanceOf(CancelledError);
      expect(outer.cancelled()).toBe(true);
    });
  });

  it('an inner task failing after its shield was cancelled still has its error reported, as in asyncio', async () => {
    const err = new Error('nobody listens');
    const outcome = await rejection(
      simulate(async () => {
        const inner = createTask(async () => {
          await sleep(5);
          throw err;
        });
        shield(inner).cancel();
        await sleep(10);
      }),
    );
    expect((outcome as SimulationError).unhandled).toEqual([err]);
  });

  it('a done awaitable is returned as is', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      fut.setResult(1);
      expect(shield(fut)).toBe(fut);
    });
  });

  it('a function becomes a task that runs to its end even when the shield is cancelled', async () => {
    await simulate(async () => {
      let finished = false;
      const outer = shield(async () => {
        await sleep(10);
        finished = true;
      });
      outer.cancel();
      await sleep(20);
      expect(finished).toBe(true);
    });
  });
});

describe('shield with gather', () => {
  it('cancelling a shielded gather leaves the gather and its children running', async () => {
    await simulate(async () => {
      const a = createTask(async () => sleep(10, 'a'));
      const b = createTask(async () => sleep(20, 'b'));
      const g = gather([a, b]);
      const outer = shield(g);
      await ticks();
      outer.cancel();
      expect(await rejection(outer)).toBeInstanceOf(CancelledError);
      expect(await g).toEqual(['a', 'b']);
    });
  });

  it('cancelling a gather of shields cancels only the shields', async () => {
    await simulate(async () => {
      const a = createTask(async () => sleep(10, 'a'));
      const b = createTask(async () => sleep(20, 'b'));
      const g = gather([shield(a), shield(b)]);
      await ticks();
      g.cancel();
      expect(await rejection(g)).toBeInstanceOf(CancelledError);
      expect(await a).toBe('a');
      expect(await b).toBe('b');
    });
  });
});

describe('ensureFuture', () => {
  it('returns a Future or Task as is', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      const t = createTask(async () => 1);
      expect(ensureFuture(fut)).toBe(fut);
      expect(ensureFuture(t)).toBe(t);
      fut.cancel();
      await t;
    });
  });

  it('turns a function into a task', async () => {
    await simulate(async () => {
      const t = ensureFuture(async () => 'from fn');
      expect(t).toBeInstanceOf(Task);
      expect(await t).toBe('from fn');
    });
  });

  it('wraps a plain promise in a future that settles with it', async () => {
    await simulate(async () => {
      const ok = ensureFuture(Promise.resolve(4));
      const err = new Error('rejected');
      const bad = ensureFuture(Promise.reject(err));
      expect(ok).toBeInstanceOf(Future);
      expect(ok).not.toBeInstanceOf(Task);
      expect(await ok).toBe(4);
      expect(await rejection(bad)).toBe(err);
    });
  });

  it('cancelling the wrapper of a plain promise settles it at once; the promise settling later changes nothing', async () => {
    await simulate(async () => {
      let resolve!: (v: number) => void;
      const wrapped = ensureFuture(new Promise<number>((r) => (resolve = r)));
      wrapped.cancel();
      resolve(1);
      await ticks();
      expect(wrapped.cancelled()).toBe(true);
    });
  });

  it('throws TypeError for something that is not awaitable', async () => {
    await simulate(async () => {
      expect(() => ensureFuture(42 as unknown as Promise<number>)).toThrow(TypeError);
    });
  });

  it('throws RangeError when a future belongs to another loop than the one given', async () => {
    const other = new EventLoop();
    try {
      await simulate(async () => {
        const fut = getRunningLoop().createFuture<number>();
        expect(() => ensureFuture(fut, other)).toThrow(RangeError);
        fut.cancel();
      });
    } finally {
      other.close();
    }
  });
});
