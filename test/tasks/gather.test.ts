import { describe, expect, it } from 'vitest';
import { CancelledError, createTask, Future, gather, getRunningLoop, simulate, sleep } from '../../src/index.js';
import { now, rejection, ticks } from './support.js';

const after = <T>(ms: number, value: T) => async (): Promise<T> => {
  await sleep(ms);
  return value;
};
const failAfter = (ms: number, err: Error) => async (): Promise<never> => {
  await sleep(ms);
  throw err;
};

describe('gather', () => {
  it('resolves to the results in the order of the awaitables, not of completion', async () => {
    await simulate(async () => {
      const results = await gather([after(30, 'a'), after(10, 'b'), after(20, 'c')]);
      expect(results).toEqual(['a', 'b', 'c']);
      expect(now()).toBe(30);
    });
  });

  it('accepts tasks, futures, plain promises and functions together', async () => {
    await simulate(async () => {
      const fut = getRunningLoop().createFuture<number>();
      getRunningLoop().callLater(5, () => fut.setResult(2));
      const task = createTask(after(1, 1));
      const results = await gather([task, fut, Promise.resolve(3), after(2, 4)]);
      expect(results).toEqual([1, 2, 3, 4]);
    });
  });

  it('of an empty list resolves to []', async () => {
    await simulate(async () => {
      expect(await gather([])).toEqual([]);
    });
  });

  it('returns a Future', async () => {
    await simulate(async () => {
      const g = gather([after(1, 1)]);
      expect(g).toBeInstanceOf(Future);
      await g;
    });
  });

  it('the same awaitable given twice runs once and appears twice in the results', async () => {
    await simulate(async () => {
      let runs = 0;
      const fn = async (): Promise<number> => {
        runs++;
        await sleep(1);
        return runs;
      };
      const t = createTask(fn);
      expect(await gather([t, t, after(1, 'x')])).toEqual([1, 1, 'x']);
      expect(runs).toBe(1);
    });
  });

  it('rejects with the first failure as soon as it happens; the other children keep running', async () => {
    await simulate(async () => {
      const err = new Error('first');
      const slow = createTask(after(100, 'slow'));
      const g = gather([slow, failAfter(10, err)]);
      expect(await rejection(g)).toBe(err);
      expect(now()).toBe(10);
      expect(slow.done()).toBe(false);
      expect(await slow).toBe('slow');
    });
  });

  it('a failure that comes after the first one is not reported as unretrieved', async () => {
    await simulate(async () => {
      const first = new Error('first');
      const g = gather([failAfter(1, first), failAfter(2, new Error('second'))]);
      expect(await rejection(g)).toBe(first);
      await sleep(5);
    });
  });

  it('with returnExceptions, failures become entries of the result', async () => {
    await simulate(async () => {
      const err = new Error('failed');
      const results = await gather([after(2, 'ok'), failAfter(1, err)], { returnExceptions: true });
      expect(results).toEqual(['ok', err]);
    });
  });

  it('a cancelled child rejects gather with CancelledError, but gather itself is not cancelled', async () => {
    await simulate(async () => {
      const child = createTask(after(100, 'never'));
      const other = createTask(after(200, 'other'));
      const g = gather([child, other]);
      await sleep(1);
      child.cancel('child only');
      const err = await rejection(g);
      expect(err).toBeInstanceOf(CancelledError);
      expect((err as Error).message).toBe('child only');
      expect(g.cancelled()).toBe(false);
      expect(other.cancelled()).toBe(false);
      await other;
    });
  });

  it('with returnExceptions, a cancelled child becomes a CancelledError entry', async () => {
    await simulate(async () => {
      const child = createTask(after(100, 'never'));
      const g = gather([child, after(10, 'fine')], { returnExceptions: true });
      await sleep(1);
      child.cancel('bye');
      const results = await g;
      expect(results[0]).toBeInstanceOf(CancelledError);
      expect((results[0] as Error).message).toBe('bye');
      expect(results[1]).toBe('fine');
    });
  });

  it('cancelling the returned future cancels every child that is not done', async () => {
    await simulate(async () => {
      const done = createTask(after(1, 'early'));
      const a = createTask(after(100, 'a'));
      const b = createTask(after(100, 'b'));
      const g = gather([done, a, b]);
      await sleep(5);
      expect(g.cancel()).toBe(true);
      expect(await rejection(g)).toBeInstanceOf(CancelledError);
      expect(a.cancelled()).toBe(true);
      expect(b.cancelled()).toBe(true);
      expect(done.result()).toBe('early');
    });
  });

  it('cancelling it propagates CancelledError with the message even with returnExceptions', async () => {
    await simulate(async () => {
      const a = createTask(after(100, 'a'));
      const g = gather([a, after(100, 'b')], { returnExceptions: true });
      await sleep(1);
      g.cancel('outer cancel');
      const err = await rejection(g);
      expect(err).toBeInstanceOf(CancelledError);
      expect((err as Error).message).toBe('outer cancel');
      expect(a.cancelled()).toBe(true);
    });
  });

  it('cancelling it once every child is done returns false', async () => {
    await simulate(async () => {
      const g = gather([after(1, 1)]);
      await g;
      expect(g.cancel()).toBe(false);
    });
  });

  it('cancelling the task that awaits gather cancels the children', async () => {
    await simulate(async () => {
      const a = createTask(after(100, 'a'));
      const b = createTask(after(100, 'b'));
      const waiter = createTask(async () => gather([a, b]));
      await sleep(1);
      waiter.cancel();
      expect(await rejection(waiter)).toBeInstanceOf(CancelledError);
      expect(a.cancelled()).toBe(true);
      expect(b.cancelled()).toBe(true);
    });
  });

  it('a child that swallows the cancellation makes gather resolve only once all are done, still rejecting with CancelledError', async () => {
    await simulate(async () => {
      const stubborn = createTask(async () => {
        try {
          await sleep(100);
        } catch {
          await sleep(50);
          return 'stubborn';
        }
        return 'unreached';
      });
      const g = gather([stubborn, after(100, 'x')], { returnExceptions: true });
      await sleep(1);
      g.cancel();
      expect(await rejection(g)).toBeInstanceOf(CancelledError);
      expect(now()).toBe(51);
      expect(stubborn.result()).toBe('stubborn');
    });
  });

  it('a plain promise child that rejects becomes a failure like any other', async () => {
    await simulate(async () => {
      const err = new Error('promise failed');
      const results = await gather([Promise.reject(err), after(1, 1)], { returnExceptions: true });
      expect(results).toEqual([err, 1]);
    });
  });

  it('throws TypeError when aws is not iterable', async () => {
    await simulate(async () => {
      expect(() => gather(null as unknown as [])).toThrow(TypeError);
    });
  });

  it('works when every child is already done', async () => {
    await simulate(async () => {
      const f = getRunningLoop().createFuture<number>();
      f.setResult(1);
      expect(await gather([f, f])).toEqual([1, 1]);
      await ticks();
    });
  });
});
