import { describe, expect, it } from 'vitest';
import { CancelledError, createTask, currentTask, Future, getRunningLoop, simulate, sleep, TimeoutError, waitFor } from '../../src/index.js';
import { never, now, rejection, ticks } from './support.js';

describe('waitFor', () => {
  it('resolves to the result when it comes before the deadline', async () => {
    await simulate(async () => {
      const fut = getRunningLoop().createFuture<string>();
      getRunningLoop().callLater(100, () => fut.setResult('ok'));
      expect(await waitFor(fut, 200)).toBe('ok');
      expect(now()).toBe(100);
    });
  });

  it('with a null timeout waits as long as it takes', async () => {
    await simulate(async () => {
      expect(
        await waitFor(async () => {
          await sleep(1_000_000);
          return 'late';
        }, null),
      ).toBe('late');
    });
  });

  it('rejects with TimeoutError at the deadline and cancels the awaitable', async () => {
    await simulate(async () => {
      let running = false;
      const t = createTask(async () => {
        running = true;
        try {
          await sleep(10_000);
        } finally {
          running = false;
        }
        return 'done';
      });
      const err = await rejection(waitFor(t, 100));
      expect(err).toBeInstanceOf(TimeoutError);
      expect(now()).toBe(100);
      expect(t.cancelled()).toBe(true);
      expect(running).toBe(false);
    });
  });

  it('the TimeoutError has the CancelledError as its cause', async () => {
    await simulate(async () => {
      const err = await rejection(waitFor(sleep(1000), 10));
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).cause).toBeInstanceOf(CancelledError);
    });
  });

  it('waits for the cancelled awaitable to finish its cleanup before rejecting', async () => {
    await simulate(async () => {
      let cleanedUp = false;
      const inner = createTask(async () => {
        try {
          await sleep(10_000);
        } catch (e) {
          await sleep(5);
          cleanedUp = true;
          throw e;
        }
      });
      expect(await rejection(waitFor(inner, 10))).toBeInstanceOf(TimeoutError);
      expect(cleanedUp).toBe(true);
      expect(now()).toBe(15);
    });
  });

  it('an error raised during the cancellation replaces the TimeoutError', async () => {
    await simulate(async () => {
      const err = new Error('cleanup failed');
      const inner = createTask(async () => {
        try {
          await sleep(200);
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw err;
        }
      });
      expect(await rejection(waitFor(inner, 1))).toBe(err);
    });
  });

  it('an awaitable that swallows the cancellation and returns gives its value instead of TimeoutError', async () => {
    await simulate(async () => {
      const value = await waitFor(async () => {
        try {
          await sleep(10_000);
        } catch {
          return 42;
        }
        return 0;
      }, 100);
      expect(value).toBe(42);
    });
  });

  it('a plain promise that never settles still times out at the deadline', async () => {
    await simulate(async () => {
      expect(await rejection(waitFor(never(), 1000))).toBeInstanceOf(TimeoutError);
      expect(now()).toBe(1000);
    });
  });

  it('a plain promise that settles in time gives its value', async () => {
    await simulate(async () => {
      expect(await waitFor(Promise.resolve('plain'), 10)).toBe('plain');
    });
  });

  it('a function is run as a task, which the timeout cancels', async () => {
    await simulate(async () => {
      let sawCancel = false;
      const err = await rejection(
        waitFor(async () => {
          try {
            await sleep(1000);
          } catch (e) {
            sawCancel = e instanceof CancelledError;
            throw e;
          }
        }, 50),
      );
      expect(err).toBeInstanceOf(TimeoutError);
      expect(sawCancel).toBe(true);
    });
  });

  it('with a timeout of 0, a done future gives its result at once', async () => {
    await simulate(async () => {
      const fut = new Future<string>();
      fut.setResult('done');
      expect(await waitFor(fut, 0)).toBe('done');
      expect(now()).toBe(0);
    });
  });

  it('with a timeout of 0, a function is never started and TimeoutError is thrown', async () => {
    await simulate(async () => {
      let started = false;
      const err = await rejection(
        waitFor(async () => {
          started = true;
        }, 0),
      );
      expect(err).toBeInstanceOf(TimeoutError);
      expect(started).toBe(false);
    });
  });

  it('with a timeout of 0 or below, a running task is cancelled and awaited, then TimeoutError', async () => {
    await simulate(async () => {
      for (const ms of [0, -1]) {
        let running = false;
        const started = new Future<void>();
        const t = createTask(async () => {
          running = true;
          started.setResult(undefined);
          try {
            await sleep(10_000);
          } finally {
            running = false;
          }
        });
        await started;
        expect(await rejection(waitFor(t, ms))).toBeInstanceOf(TimeoutError);
        expect(t.cancelled()).toBe(true);
        expect(running).toBe(false);
        expect(now()).toBe(0);
      }
    });
  });

  it('cancelling the task that waits cancels the awaitable too (finite and null timeouts)', async () => {
    await simulate(async () => {
      for (const ms of [60_000, null]) {
        const inner = createTask(async () => {
          await new Future<void>();
        });
        const waiter = createTask(async () => waitFor(inner, ms));
        await ticks(2);
        waiter.cancel();
        expect(await rejection(waiter)).toBeInstanceOf(CancelledError);
        expect(inner.cancelled()).toBe(true);
      }
    });
  });

  it('a waiter cancelled while the awaitable holds up its own cancellation still ends cancelled', async () => {
    await simulate(async () => {
      const inner = createTask(async () => {
        try {
          await sleep(300);
        } catch {
          try {
            await sleep(300);
          } catch {
            await sleep(300);
          }
        }
        return 42;
      });
      const waiter = createTask(async () => waitFor(inner, 100));
      waiter.cancel();
      expect(await rejection(waiter)).toBeInstanceOf(CancelledError);
      expect(await inner).toBe(42);
    });
  });

  it('a cancellation after waitFor returned is delivered at the next await, not lost', async () => {
    await simulate(async () => {
      let reachedEnd = false;
      const t = createTask(async () => {
        await waitFor(async () => undefined, 100);
        await sleep(1000);
        reachedEnd = true;
      });
      await ticks();
      expect(t.done()).toBe(false);
      t.cancel();
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      expect(reachedEnd).toBe(false);
    });
  });

  it('the task that waits is not left cancelled after a timeout', async () => {
    await simulate(async () => {
      const t = createTask(async () => {
        await rejection(waitFor(sleep(1000), 10));
        await sleep(10);
        return currentTask()!.cancelling();
      });
      expect(await t).toBe(0);
      expect(t.cancelled()).toBe(false);
    });
  });

  it('called from a plain callback (no task), it runs in a new task', async () => {
    await simulate(async () => {
      const loop = getRunningLoop();
      const result = loop.createFuture<Promise<string>>();
      loop.callSoon(() => result.setResult(waitFor(sleep(5, 'from callback'), 10)));
      const p = await new Promise<Promise<string>>((resolve) => result.addDoneCallback((f) => resolve(f.result())));
      expect(await p).toBe('from callback');
    });
  });

  it('throws TypeError at the call for NaN or a non-number timeout', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      expect(() => waitFor(fut, Number.NaN)).toThrow(TypeError);
      expect(() => waitFor(fut, '5' as unknown as number)).toThrow(TypeError);
      fut.cancel();
    });
  });
});
