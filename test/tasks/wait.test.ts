import { describe, expect, it } from 'vitest';
import {
  ALL_COMPLETED,
  CancelledError,
  createTask,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  simulate,
  sleep,
  Task,
  wait,
} from '../../src/index.js';
import { now, rejection } from './support.js';

const after = <T>(ms: number, value: T) => async (): Promise<T> => {
  await sleep(ms);
  return value;
};
const failAfter = (ms: number, err: Error) => async (): Promise<never> => {
  await sleep(ms);
  throw err;
};

describe('wait', () => {
  it('exports the returnWhen constants with their own names as values', () => {
    expect([FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED]).toEqual(['FIRST_COMPLETED', 'FIRST_EXCEPTION', 'ALL_COMPLETED']);
  });

  it('by default waits for all and returns them all in done', async () => {
    await simulate(async () => {
      const a = createTask(after(10, 'a'));
      const b = createTask(after(20, 'b'));
      const { done, pending } = await wait([a, b]);
      expect(done).toEqual(new Set([a, b]));
      expect(pending.size).toBe(0);
      expect(now()).toBe(20);
    });
  });

  it('FIRST_COMPLETED returns when the first one finishes', async () => {
    await simulate(async () => {
      const a = createTask(after(10, 'a'));
      const b = createTask(after(20, 'b'));
      const { done, pending } = await wait([a, b], { returnWhen: FIRST_COMPLETED });
      expect(done).toEqual(new Set([a]));
      expect(pending).toEqual(new Set([b]));
      expect(now()).toBe(10);
      await b;
    });
  });

  it('FIRST_EXCEPTION returns when the first one fails', async () => {
    await simulate(async () => {
      const ok = createTask(after(5, 'ok'));
      const bad = createTask(failAfter(10, new Error('bad')));
      const slow = createTask(after(100, 'slow'));
      const { done, pending } = await wait([ok, bad, slow], { returnWhen: FIRST_EXCEPTION });
      expect(done).toEqual(new Set([ok, bad]));
      expect(pending).toEqual(new Set([slow]));
      expect(now()).toBe(10);
      await slow;
    });
  });

  it('FIRST_EXCEPTION waits for all when none fails, and a cancellation does not count as a failure', async () => {
    await simulate(async () => {
      const cancelled = createTask(after(100, 'never'));
      const ok = createTask(after(20, 'ok'));
      cancelled.cancel();
      const { done, pending } = await wait([cancelled, ok], { returnWhen: FIRST_EXCEPTION });
      expect(done).toEqual(new Set([cancelled, ok]));
      expect(pending.size).toBe(0);
      expect(now()).toBe(20);
    });
  });

  it('a timeout returns what is done so far and cancels nothing', async () => {
    await simulate(async () => {
      const fast = createTask(after(10, 'fast'));
      const slow = createTask(after(100, 'slow'));
      const { done, pending } = await wait([fast, slow], { timeout: 50 });
      expect(done).toEqual(new Set([fast]));
      expect(pending).toEqual(new Set([slow]));
      expect(now()).toBe(50);
      expect(slow.cancelled()).toBe(false);
      expect(await slow).toBe('slow');
    });
  });

  it('returns before the timeout when the condition is met first', async () => {
    await simulate(async () => {
      const { pending } = await wait([createTask(after(10, 1))], { timeout: 1000 });
      expect(pending.size).toBe(0);
      expect(now()).toBe(10);
    });
  });

  it('the done and pending sets hold futures: functions become tasks, promises are wrapped', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      fut.setResult(1);
      const { done } = await wait<unknown>([fut, after(1, 'fn'), Promise.resolve('promise')]);
      expect(done.size).toBe(3);
      expect(done.has(fut)).toBe(true);
      const results = [...done].map((f) => f.result()).sort();
      expect(results).toEqual([1, 'fn', 'promise']);
      expect([...done].filter((f) => f instanceof Task)).toHaveLength(1);
    });
  });

  it('failures in done count as retrieved', async () => {
    await simulate(async () => {
      const bad = createTask(failAfter(1, new Error('collected')));
      const { done } = await wait([bad]);
      expect(done.has(bad)).toBe(true);
    });
  });

  it('futures that are already done still come back in done', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      fut.setResult(1);
      const { done, pending } = await wait([fut], { returnWhen: FIRST_COMPLETED });
      expect(done).toEqual(new Set([fut]));
      expect(pending.size).toBe(0);
    });
  });

  it('cancelling the task that waits does not cancel the awaitables', async () => {
    await simulate(async () => {
      const inner = createTask(after(100, 'inner'));
      const waiter = createTask(async () => wait([inner]));
      await sleep(10);
      waiter.cancel();
      expect(await rejection(waiter)).toBeInstanceOf(CancelledError);
      expect(inner.cancelled()).toBe(false);
      expect(await inner).toBe('inner');
    });
  });

  it('rejects with RangeError for an empty collection', async () => {
    await simulate(async () => {
      expect(await rejection(wait([]))).toBeInstanceOf(RangeError);
    });
  });

  it('rejects with RangeError for an unknown returnWhen', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      expect(await rejection(wait([fut], { returnWhen: 'SOMETIMES' as typeof ALL_COMPLETED }))).toBeInstanceOf(RangeError);
      fut.cancel();
    });
  });

  it('rejects with TypeError for a single future instead of a collection', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      expect(await rejection(wait(fut as unknown as Future<number>[]))).toBeInstanceOf(TypeError);
      fut.cancel();
    });
  });

  it('rejects with TypeError for a NaN timeout', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      expect(await rejection(wait([fut], { timeout: Number.NaN }))).toBeInstanceOf(TypeError);
      fut.cancel();
    });
  });
});
