import { describe, expect, it } from 'vitest';
import { asCompleted, CancelledError, createTask, Future, simulate, sleep, TimeoutError } from '../../src/index.js';
import { now, rejection } from './support.js';

/**
 * TypeScript types a `for await` variable as the awaited type of what the
 * iterator yields, and a Future is a thenable: the values are the futures at
 * run time, so the tests say so.
 */
const asFuture = <T = unknown>(x: unknown): Future<T> => x as Future<T>;

const after = <T>(ms: number, value: T) => async (): Promise<T> => {
  await sleep(ms);
  return value;
};

describe('asCompleted, iterated with for...of', () => {
  it('yields awaitables that resolve to the results in completion order', async () => {
    await simulate(async () => {
      const seen: [string, number][] = [];
      for (const next of asCompleted([after(30, 'c'), after(10, 'a'), after(20, 'b')])) {
        seen.push([await next, now()]);
      }
      expect(seen).toEqual([
        ['a', 10],
        ['b', 20],
        ['c', 30],
      ]);
    });
  });

  it('whichever awaitable is awaited first gets the first result', async () => {
    await simulate(async () => {
      const its = [...asCompleted([after(10, 'first'), after(20, 'second')])];
      expect(its).toHaveLength(2);
      expect(await its[1]).toBe('first');
      expect(await its[0]).toBe('second');
    });
  });

  it('an awaitable rejects with the failure of the future it stands for', async () => {
    await simulate(async () => {
      const err = new Error('failed');
      const its = asCompleted([
        async () => {
          await sleep(5);
          throw err;
        },
        after(10, 'ok'),
      ]);
      const got: unknown[] = [];
      for (const next of its) {
        try {
          got.push(await next);
        } catch (e) {
          got.push(e);
        }
      }
      expect(got).toEqual([err, 'ok']);
    });
  });

  it('after the timeout the remaining awaitables reject with TimeoutError, and nothing is cancelled', async () => {
    await simulate(async () => {
      const slow = createTask(after(100, 'slow'));
      const got: unknown[] = [];
      for (const next of asCompleted([after(10, 'fast'), slow], { timeout: 50 })) {
        try {
          got.push(await next);
        } catch (e) {
          got.push(e);
        }
      }
      expect(got[0]).toBe('fast');
      expect(got[1]).toBeInstanceOf(TimeoutError);
      expect(now()).toBe(50);
      expect(slow.cancelled()).toBe(false);
      expect(await slow).toBe('slow');
    });
  });

  it('an empty collection yields nothing', async () => {
    await simulate(async () => {
      expect([...asCompleted([])]).toEqual([]);
      expect([...asCompleted([], { timeout: 10 })]).toEqual([]);
    });
  });

  it('the same awaitable given twice counts once', async () => {
    await simulate(async () => {
      const t = createTask(after(1, 'once'));
      expect([...asCompleted([t, t])]).toHaveLength(1);
      await t;
    });
  });

  it('awaitables left unawaited do not reject on their own when the timeout passes', async () => {
    await simulate(async () => {
      const slow = createTask(after(100, 'slow'));
      const its = [...asCompleted([slow], { timeout: 10 })];
      expect(its).toHaveLength(1);
      await sleep(20);
      await slow;
    });
  });
});

describe('asCompleted, iterated with for await', () => {
  it('yields the original futures and tasks in completion order', async () => {
    await simulate(async () => {
      const a = createTask(after(20, 'a'));
      const b = createTask(after(10, 'b'));
      const fut = new Future<string>();
      setTimeoutOnLoop(fut, 15, 'f');
      const order: unknown[] = [];
      for await (const done of asCompleted([a, b, fut])) order.push(done);
      expect(order).toEqual([b, fut, a]);
    });
  });

  it('throws TimeoutError from the iteration once the timeout passes', async () => {
    await simulate(async () => {
      const slow = createTask(after(100, 'slow'));
      const got: unknown[] = [];
      const err = await rejection(
        (async () => {
          for await (const done of asCompleted([after(10, 'fast'), slow], { timeout: 50 })) got.push(asFuture(done).result());
        })(),
      );
      expect(got).toEqual(['fast']);
      expect(err).toBeInstanceOf(TimeoutError);
      expect(now()).toBe(50);
      await slow;
    });
  });

  it('yields failed futures as they are, without throwing', async () => {
    await simulate(async () => {
      const err = new Error('x');
      const bad = createTask(async () => {
        throw err;
      });
      for await (const done of asCompleted([bad])) expect(asFuture(done).exception()).toBe(err);
    });
  });
});

describe('asCompleted and cancellation', () => {
  it('a waiter cancelled while it waits for the next result loses nothing', async () => {
    await simulate(async () => {
      const it = asCompleted([after(10, 'one'), after(20, 'two')]);
      const waiter = createTask(async () => {
        for await (const done of it) return asFuture(done).result();
        return 'none';
      });
      await sleep(5);
      waiter.cancel();
      expect(await rejection(waiter)).toBeInstanceOf(CancelledError);
      const rest: string[] = [];
      for await (const done of it) rest.push(asFuture<string>(done).result());
      // The waiter took its turn (as asyncio's __anext__ counts it) but no result was lost to it.
      expect(rest).toEqual(['one']);
      await sleep(20);
    });
  });

  it('throws TypeError for something that is not iterable or a NaN timeout', async () => {
    await simulate(async () => {
      expect(() => asCompleted(null as unknown as [])).toThrow(TypeError);
      expect(() => asCompleted([], { timeout: Number.NaN })).toThrow(TypeError);
    });
  });
});

function setTimeoutOnLoop<T>(fut: Future<T>, ms: number, value: T): void {
  fut.getLoop().callLater(ms, () => fut.setResult(value));
}
