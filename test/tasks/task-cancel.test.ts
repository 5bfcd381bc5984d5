import { once } from 'node:events';
import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CancelledError, createTask, currentTask, Future, gather, getRunningLoop, simulate, sleep } from '../../src/index.js';
import { microtasks, rejection, ticks } from './support.js';

describe('Task.cancel while the task awaits a loop future', () => {
  it('throws CancelledError carrying the message at the await the task is suspended on', async () => {
    await simulate(async () => {
      let caught: unknown;
      const t = createTask(async () => {
        try {
          await sleep(1000);
        } catch (e) {
          caught = e;
          throw e;
        }
      });
      await sleep(10);
      expect(t.cancel('enough')).toBe(true);
      const err = await rejection(t);
      expect(caught).toBeInstanceOf(CancelledError);
      expect((caught as Error).message).toBe('enough');
      expect(err).toBeInstanceOf(CancelledError);
      expect((err as Error).message).toBe('enough');
      expect(t.cancelled()).toBe(true);
      expect(getRunningLoop().time()).toBe(10);
    });
  });

  it('the task may catch the CancelledError and go on to a normal result', async () => {
    await simulate(async () => {
      const t = createTask(async () => {
        try {
          await sleep(1000);
        } catch {
          await sleep(5);
          return 'recovered';
        }
        return 'not cancelled';
      });
      await sleep(1);
      t.cancel();
      expect(await t).toBe('recovered');
      expect(t.cancelled()).toBe(false);
      expect(t.cancelling()).toBe(1);
      expect(getRunningLoop().time()).toBe(6);
    });
  });

  it('the awaited future is cancelled too, so its other awaiters see CancelledError', async () => {
    await simulate(async () => {
      const shared = new Future<number>();
      const a = createTask(async () => await shared);
      const b = createTask(async () => await shared);
      await ticks();
      a.cancel('via a');
      expect(shared.cancelled()).toBe(true);
      expect(await rejection(a)).toBeInstanceOf(CancelledError);
      const errB = await rejection(b);
      expect(errB).toBeInstanceOf(CancelledError);
      expect((errB as Error).message).toBe('via a');
    });
  });

  it('cancelling a task that awaits another task cancels the inner task as well', async () => {
    await simulate(async () => {
      let innerCancelled = false;
      const inner = createTask(async () => {
        try {
          await sleep(1000);
        } catch (e) {
          innerCancelled = e instanceof CancelledError;
          throw e;
        }
      });
      const outer = createTask(async () => await inner);
      await ticks();
      outer.cancel();
      expect(await rejection(outer)).toBeInstanceOf(CancelledError);
      expect(inner.cancelled()).toBe(true);
      expect(innerCancelled).toBe(true);
    });
  });

  it('an outer task whose inner task swallows the cancellation resumes with the inner result', async () => {
    await simulate(async () => {
      const inner = createTask(async () => {
        try {
          await sleep(1000);
        } catch {
          return 'swallowed';
        }
        return 'finished';
      });
      const outer = createTask(async () => await inner);
      await ticks();
      outer.cancel();
      expect(await outer).toBe('swallowed');
      expect(outer.cancelling()).toBe(1);
    });
  });

  it('a cancel that comes after the awaited future completed, but before the task resumed, is still delivered', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      const t = createTask(async () => await fut);
      await ticks();
      fut.setResult(1);
      expect(t.cancel()).toBe(true);
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      expect(fut.result()).toBe(1);
    });
  });

  it('a second cancel() after the first was caught is delivered at the next await', async () => {
    await simulate(async () => {
      const caught: string[] = [];
      const t = createTask(async () => {
        for (;;) {
          try {
            await sleep(100);
          } catch (e) {
            caught.push((e as Error).message);
            if (caught.length === 2) throw e;
          }
        }
      });
      await sleep(1);
      t.cancel('first');
      await sleep(1);
      t.cancel('second');
      await rejection(t);
      expect(caught).toEqual(['first', 'second']);
      expect(t.cancelling()).toBe(2);
    });
  });

  it('cancel() returns false on a finished task and true on a pending one', async () => {
    await simulate(async () => {
      const done = createTask(async () => 1);
      await done;
      expect(done.cancel()).toBe(false);
      expect(done.cancelled()).toBe(false);
      const pending = createTask(async () => sleep(10));
      expect(pending.cancel()).toBe(true);
      await rejection(pending);
    });
  });

  it('cancel() with a message that is not a string throws TypeError', async () => {
    await simulate(async () => {
      const t = createTask(async () => sleep(10));
      expect(() => t.cancel({} as unknown as string)).toThrow(TypeError);
      expect(t.cancelling()).toBe(0);
      await t;
    });
  });

  it('result() and exception() of a cancelled task throw CancelledError', async () => {
    await simulate(async () => {
      const t = createTask(async () => sleep(10));
      await ticks();
      t.cancel('m');
      await rejection(t);
      expect(() => t.result()).toThrow(CancelledError);
      expect(() => t.exception()).toThrow(CancelledError);
    });
  });
});

describe('Task.cancel: more cases from asyncio\'s test suite', () => {
  it('cancelling both the awaited future and the task ends the task cancelled', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      const t = createTask(async () => {
        await fut;
        return 12;
      });
      await ticks();
      fut.cancel();
      t.cancel();
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      expect(t.cancelled()).toBe(true);
      expect(fut.cancelled()).toBe(true);
    });
  });

  it('cancelling a task suspended in sleep(0) delivers CancelledError there', async () => {
    await simulate(async () => {
      let reached = false;
      const t = createTask(async () => {
        await sleep(0);
        reached = true;
      });
      await sleep(0);
      t.cancel();
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      expect(reached).toBe(false);
    });
  });

  it('the cancel message reaches whoever awaits a task cancelled while it awaited gather', async () => {
    await simulate(async () => {
      const t = createTask(async () => {
        for (let ms = 50; ; ms += 50) await gather([sleep(ms)]);
      });
      await sleep(200);
      t.cancel('my message');
      const err = await rejection(t);
      expect(err).toBeInstanceOf(CancelledError);
      expect((err as Error).message).toBe('my message');
    });
  });

  it('uncancel() undoes a cancellation that was requested after the awaited future completed', async () => {
    await simulate(async () => {
      const fut = new Future<void>();
      const t = createTask(async () => {
        await fut;
        return 42;
      });
      await ticks();
      fut.setResult(undefined);
      t.cancel();
      expect(t.cancelling()).toBe(1);
      expect(t.uncancel()).toBe(0);
      expect(await t).toBe(42);
    });
  });
});

describe('Task.cancel before the task runs or while it runs', () => {
  it('a task cancelled before its first step never runs its function', async () => {
    await simulate(async () => {
      let ran = false;
      const t = createTask(async () => {
        ran = true;
      });
      t.cancel('early');
      const err = await rejection(t);
      expect(err).toBeInstanceOf(CancelledError);
      expect((err as Error).message).toBe('early');
      expect(ran).toBe(false);
      expect(t.cancelled()).toBe(true);
    });
  });

  it('a task whose function returns while its own cancellation is pending ends cancelled', async () => {
    await simulate(async () => {
      const t = createTask(async () => {
        currentTask()!.cancel('self');
        return 'never seen';
      });
      const err = await rejection(t);
      expect(err).toBeInstanceOf(CancelledError);
      expect((err as Error).message).toBe('self');
      expect(t.cancelled()).toBe(true);
    });
  });

  it('a self-cancelled task sees CancelledError at its next await of a pending loop future', async () => {
    await simulate(async () => {
      let reached = false;
      const t = createTask(async () => {
        currentTask()!.cancel();
        await sleep(10);
        reached = true;
      });
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      expect(reached).toBe(false);
      expect(getRunningLoop().time()).toBe(0);
    });
  });

  it('a pending cancellation delivered at an await cancels the future awaited there, as asyncio does', async () => {
    await simulate(async () => {
      const shared = new Future<number>();
      const other = createTask(async () => await shared);
      const t = createTask(async () => {
        currentTask()!.cancel('pending');
        await shared;
      });
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      expect(shared.cancelled()).toBe(true);
      const err = await rejection(other);
      expect(err).toBeInstanceOf(CancelledError);
      expect((err as Error).message).toBe('pending');
    });
  });
});

describe('Task.cancel while the task awaits a plain promise', () => {
  it('the cancellation waits for the next await of a loop future', async () => {
    await simulate(async () => {
      const steps: string[] = [];
      const t = createTask(async () => {
        await new Promise<void>((r) => setImmediate(r));
        steps.push('plain promise settled');
        try {
          await sleep(100);
          steps.push('slept');
        } catch (e) {
          steps.push(`loop future: ${(e as Error).name}`);
          throw e;
        }
      });
      await ticks();
      t.cancel();
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      expect(steps).toEqual(['plain promise settled', 'loop future: CancelledError']);
    });
  });

  it('task.signal is aborted at once, with a CancelledError carrying the message as its reason', async () => {
    await simulate(async () => {
      let reason: unknown;
      const t = createTask(async () => {
        const signal = currentTask()!.signal;
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        reason = signal.reason;
        await sleep(1);
      });
      await ticks();
      expect(t.signal.aborted).toBe(false);
      t.cancel('abort it');
      expect(t.signal.aborted).toBe(true);
      await rejection(t);
      expect(reason).toBeInstanceOf(CancelledError);
      expect((reason as Error).message).toBe('abort it');
    });
  });

  it('a signal first read after cancel() is already aborted', async () => {
    await simulate(async () => {
      const t = createTask(async () => sleep(10));
      await ticks();
      t.cancel();
      expect(t.signal.aborted).toBe(true);
      expect(t.signal.reason).toBeInstanceOf(CancelledError);
      await rejection(t);
    });
  });

  it('an AbortError from node:timers/promises whose cause is the pending CancelledError ends the task cancelled', async () => {
    await simulate(async () => {
      const t = createTask(async () => {
        await delay(60_000, undefined, { signal: currentTask()!.signal });
      });
      await ticks();
      t.cancel('stop waiting');
      const err = await rejection(t);
      expect(err).toBeInstanceOf(CancelledError);
      expect(t.cancelled()).toBe(true);
    });
  });

  it('an AbortError from events.once aborted by the task signal ends the task cancelled', async () => {
    await simulate(async () => {
      const emitter = new EventEmitter();
      const t = createTask(async () => {
        await once(emitter, 'never', { signal: currentTask()!.signal });
      });
      await ticks();
      t.cancel();
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      expect(t.cancelled()).toBe(true);
    });
  });

  it('an AbortError with some other cause is an ordinary failure', async () => {
    await simulate(async () => {
      const controller = new AbortController();
      const t = createTask(async () => {
        await delay(60_000, undefined, { signal: controller.signal });
      });
      await ticks();
      controller.abort(new Error('not a cancellation'));
      const err = await rejection(t);
      expect((err as Error).name).toBe('AbortError');
      expect(t.cancelled()).toBe(false);
      expect(t.exception()).toBe(err);
    });
  });

  it('a task cancelled while awaiting a plain promise that then returns without another loop await ends cancelled', async () => {
    await simulate(async () => {
      const t = createTask(async () => {
        await new Promise<void>((r) => setImmediate(r));
        return 'done';
      });
      await ticks();
      t.cancel();
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      expect(t.cancelled()).toBe(true);
    });
  });

  it('under Promise.all of loop futures a cancellation reaches the last one whose then() was called', async () => {
    await simulate(async () => {
      const f1 = new Future<number>();
      const f2 = new Future<number>();
      const t = createTask(async () => await Promise.all([f1, f2]));
      await ticks();
      t.cancel();
      expect(f1.cancelled()).toBe(false);
      expect(f2.cancelled()).toBe(true);
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      f1.cancel();
    });
  });
});

describe('cancelling() and uncancel()', () => {
  it('cancelling() counts the cancellation requests; uncancel() takes one back and returns the count left', async () => {
    await simulate(async () => {
      const t = createTask(async () => {
        try {
          await sleep(100);
        } catch {
          // go on
        }
        await sleep(100);
      });
      await ticks();
      expect(t.cancelling()).toBe(0);
      t.cancel();
      t.cancel();
      expect(t.cancelling()).toBe(2);
      expect(t.uncancel()).toBe(1);
      expect(t.uncancel()).toBe(0);
      expect(t.uncancel()).toBe(0);
      expect(t.cancelling()).toBe(0);
      await t;
    });
  });

  it('cancel() on a finished task does not count', async () => {
    await simulate(async () => {
      const t = createTask(async () => 1);
      await t;
      t.cancel();
      expect(t.cancelling()).toBe(0);
    });
  });

  it('once uncancel() brings cancelling() back to 0 the signal is a fresh, unaborted one', async () => {
    await simulate(async () => {
      const t = createTask(async () => {
        try {
          await sleep(100);
        } catch {
          currentTask()!.uncancel();
        }
        const signal = currentTask()!.signal;
        await sleep(10);
        return signal.aborted;
      });
      await ticks();
      const before = t.signal;
      t.cancel();
      expect(before.aborted).toBe(true);
      expect(await t).toBe(false);
      expect(t.signal).not.toBe(before);
      expect(t.signal.aborted).toBe(false);
    });
  });

  it('the signal stays aborted while some cancellation request is still counted', async () => {
    await simulate(async () => {
      const t = createTask(async () => {
        for (let i = 0; i < 2; i++) {
          try {
            await sleep(100);
          } catch {
            // keep going
          }
        }
        currentTask()!.uncancel();
        return currentTask()!.signal.aborted;
      });
      await ticks();
      t.cancel();
      await ticks();
      t.cancel();
      expect(await t).toBe(true);
      expect(t.cancelling()).toBe(1);
    });
  });

  it('uncancel() to 0 drops a cancellation not yet delivered', async () => {
    await simulate(async () => {
      const t = createTask(async () => {
        await new Promise<void>((r) => setImmediate(r));
        await sleep(10);
        return 'not cancelled';
      });
      await ticks();
      t.cancel();
      expect(t.uncancel()).toBe(0);
      expect(await t).toBe('not cancelled');
    });
  });
});

describe('cancellation and microtasks', () => {
  it('the CancelledError arrives through a loop callback: microtasks of the cancelling code run first', async () => {
    await simulate(async () => {
      const order: string[] = [];
      const t = createTask(async () => {
        try {
          await sleep(100);
        } catch {
          order.push('task saw cancel');
        }
      });
      await ticks();
      t.cancel();
      void microtasks(30).then(() => order.push('microtasks done'));
      await t;
      expect(order).toEqual(['microtasks done', 'task saw cancel']);
    });
  });
});
