import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  createTask,
  currentTask,
  EventLoop,
  EventLoopError,
  Future,
  getRunningLoop,
  InvalidStateError,
  isFuture,
  simulate,
  SimulationError,
  sleep,
} from '../../src/index.js';
import { microtasks, rejection, ticks } from './support.js';

describe('Future states', () => {
  it('a new future is pending: not done, not cancelled', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      expect(fut.done()).toBe(false);
      expect(fut.cancelled()).toBe(false);
    });
  });

  it('result() and exception() of a pending future throw InvalidStateError', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      expect(() => fut.result()).toThrow(InvalidStateError);
      expect(() => fut.exception()).toThrow(InvalidStateError);
    });
  });

  it('setResult makes it done with that result and a null exception()', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      fut.setResult(42);
      expect(fut.done()).toBe(true);
      expect(fut.cancelled()).toBe(false);
      expect(fut.result()).toBe(42);
      expect(fut.exception()).toBeNull();
    });
  });

  it('setException makes result() throw it and exception() return it', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      const err = new RangeError('boom');
      fut.setException(err);
      expect(fut.done()).toBe(true);
      expect(fut.cancelled()).toBe(false);
      expect(() => fut.result()).toThrow(err);
      expect(fut.exception()).toBe(err);
    });
  });

  it('cancel() makes it done and cancelled; result() and exception() throw CancelledError with the message', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      expect(fut.cancel('stop it')).toBe(true);
      expect(fut.done()).toBe(true);
      expect(fut.cancelled()).toBe(true);
      expect(() => fut.result()).toThrow(CancelledError);
      expect(() => fut.exception()).toThrow(CancelledError);
      let caught: unknown;
      try {
        fut.result();
      } catch (e) {
        caught = e;
      }
      expect((caught as Error).message).toBe('stop it');
    });
  });

  it('cancel() of a done future returns false and changes nothing', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      fut.setResult(1);
      expect(fut.cancel()).toBe(false);
      expect(fut.cancelled()).toBe(false);
      const cancelled = new Future<number>();
      cancelled.cancel();
      expect(cancelled.cancel()).toBe(false);
    });
  });

  it('setResult twice throws InvalidStateError and keeps the first result', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      fut.setResult(1);
      expect(() => fut.setResult(2)).toThrow(InvalidStateError);
      expect(fut.result()).toBe(1);
    });
  });

  it('setException or setResult on a finished or cancelled future throws InvalidStateError', async () => {
    await simulate(async () => {
      const done = new Future<number>();
      done.setResult(1);
      expect(() => done.setException(new Error('x'))).toThrow(InvalidStateError);
      const failed = new Future<number>();
      failed.setException(new Error('first'));
      failed.exception();
      expect(() => failed.setResult(1)).toThrow(InvalidStateError);
      const cancelled = new Future<number>();
      cancelled.cancel();
      expect(() => cancelled.setResult(1)).toThrow(InvalidStateError);
      expect(() => cancelled.setException(new Error('x'))).toThrow(InvalidStateError);
    });
  });

  it('cancel() with a message that is not a string throws TypeError', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      expect(() => fut.cancel(42 as unknown as string)).toThrow(TypeError);
      expect(fut.done()).toBe(false);
    });
  });

  it('a future without a loop option binds to the running loop; getLoop() returns it', async () => {
    await simulate(async (world) => {
      expect(new Future().getLoop()).toBe(world.loop);
      expect(getRunningLoop().createFuture().getLoop()).toBe(world.loop);
    });
  });

  it('constructing a future outside any loop throws EventLoopError', () => {
    expect(() => new Future()).toThrow(EventLoopError);
  });

  it('constructing a future with options that are not an object throws TypeError', async () => {
    await simulate(async () => {
      expect(() => new Future(5 as unknown as { loop?: EventLoop })).toThrow(TypeError);
    });
  });

  it('a future may be bound to a loop that is not running', () => {
    const loop = new EventLoop();
    try {
      const fut = new Future<number>({ loop });
      fut.setResult(3);
      expect(fut.getLoop()).toBe(loop);
      expect(fut.result()).toBe(3);
    } finally {
      loop.close();
    }
  });

  it('isFuture recognises futures and tasks, not promises', async () => {
    await simulate(async () => {
      const t = createTask(async () => 1);
      expect(isFuture(new Future())).toBe(true);
      expect(isFuture(t)).toBe(true);
      expect(isFuture(Promise.resolve(1))).toBe(false);
      expect(isFuture(null)).toBe(false);
      await t;
    });
  });
});

describe('Future done callbacks', () => {
  it('a done callback does not run synchronously when the future completes, but on the next loop iteration', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      const seen: number[] = [];
      fut.addDoneCallback((f) => seen.push(f.result()));
      fut.setResult(7);
      expect(seen).toEqual([]);
      await microtasks(20);
      expect(seen).toEqual([]);
      await ticks();
      expect(seen).toEqual([7]);
    });
  });

  it('a done callback added to a done future still goes through callSoon', async () => {
    await simulate(async () => {
      const loop = getRunningLoop();
      const fut = new Future<number>();
      fut.setResult(1);
      const order: string[] = [];
      loop.callSoon(() => order.push('earlier callSoon'));
      fut.addDoneCallback(() => order.push('done callback'));
      loop.callSoon(() => order.push('later callSoon'));
      expect(order).toEqual([]);
      await microtasks(20);
      expect(order).toEqual([]);
      await ticks();
      expect(order).toEqual(['earlier callSoon', 'done callback', 'later callSoon']);
    });
  });

  it('done callbacks run in the order they were added, each receiving the future', async () => {
    await simulate(async () => {
      const fut = new Future<string>();
      const calls: [string, unknown][] = [];
      fut.addDoneCallback((f) => calls.push(['a', f]));
      fut.addDoneCallback((f) => calls.push(['b', f]));
      fut.addDoneCallback((f) => calls.push(['c', f]));
      fut.cancel();
      await ticks();
      expect(calls).toEqual([
        ['a', fut],
        ['b', fut],
        ['c', fut],
      ]);
    });
  });

  it('a done callback runs in the async context of the code that added it, outside any task', async () => {
    await simulate(async () => {
      const als = new AsyncLocalStorage<string>();
      const fut = new Future<number>();
      const seen: [string | undefined, unknown][] = [];
      als.run('added here', () => fut.addDoneCallback(() => seen.push([als.getStore(), currentTask()])));
      als.run('completed here', () => fut.setResult(1));
      await ticks();
      expect(seen).toEqual([['added here', null]]);
    });
  });

  it('a done callback added to a done future also runs in the context of its adder', async () => {
    await simulate(async () => {
      const als = new AsyncLocalStorage<string>();
      const fut = new Future<number>();
      fut.setResult(1);
      let seen: string | undefined;
      als.run('adder', () => fut.addDoneCallback(() => (seen = als.getStore())));
      await ticks();
      expect(seen).toBe('adder');
    });
  });

  it('removeDoneCallback removes every registration of the callback and returns how many', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      const calls: string[] = [];
      const a = (): void => void calls.push('a');
      const b = (): void => void calls.push('b');
      fut.addDoneCallback(a);
      fut.addDoneCallback(b);
      fut.addDoneCallback(a);
      expect(fut.removeDoneCallback(a)).toBe(2);
      expect(fut.removeDoneCallback(a)).toBe(0);
      fut.setResult(1);
      await ticks();
      expect(calls).toEqual(['b']);
    });
  });

  it('after removeDoneCallback drops the first callback, the rest and those added later keep their order', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      const calls: string[] = [];
      const cb = (name: string) => (): void => void calls.push(name);
      const a = cb('a');
      fut.addDoneCallback(a);
      fut.addDoneCallback(cb('b'));
      fut.addDoneCallback(cb('c'));
      expect(fut.removeDoneCallback(a)).toBe(1);
      fut.addDoneCallback(cb('d'));
      fut.setResult(1);
      await ticks();
      expect(calls).toEqual(['b', 'c', 'd']);
    });
  });

  it('removeDoneCallback of the only callback leaves room for a new first one', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      const calls: string[] = [];
      const a = (): void => void calls.push('a');
      fut.addDoneCallback(a);
      expect(fut.removeDoneCallback(a)).toBe(1);
      fut.addDoneCallback(() => void calls.push('b'));
      fut.addDoneCallback(() => void calls.push('c'));
      fut.setResult(1);
      await ticks();
      expect(calls).toEqual(['b', 'c']);
    });
  });

  it('removeDoneCallback on a future with no callbacks returns 0', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      expect(fut.removeDoneCallback(() => {})).toBe(0);
    });
  });

  it('removeDoneCallback does not disturb a task awaiting the future', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      const t = createTask(async () => await fut);
      await ticks();
      expect(fut.removeDoneCallback(() => {})).toBe(0);
      fut.setResult(5);
      expect(await t).toBe(5);
    });
  });

  it('addDoneCallback with something that is not a function throws TypeError', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      expect(() => fut.addDoneCallback(null as unknown as () => void)).toThrow(TypeError);
    });
  });

  it('a done callback that throws goes to the exception handler, and later callbacks still run', async () => {
    const reports: unknown[] = [];
    await simulate(
      async (world) => {
        world.loop.setExceptionHandler((_l, ctx) => reports.push(ctx.exception));
        const fut = new Future<number>();
        const err = new Error('callback failed');
        let later = false;
        fut.addDoneCallback(() => {
          throw err;
        });
        fut.addDoneCallback(() => (later = true));
        fut.setResult(1);
        await ticks();
        expect(later).toBe(true);
        expect(reports).toEqual([err]);
      },
      { strict: false },
    );
  });
});

describe('awaiting a Future', () => {
  it('await of a done future gives its result without yielding to the loop', async () => {
    await simulate(async () => {
      const loop = getRunningLoop();
      const fut = new Future<number>();
      fut.setResult(3);
      let ran = false;
      loop.callSoon(() => (ran = true));
      expect(await fut).toBe(3);
      expect(ran).toBe(false);
    });
  });

  it('await of a failed future throws its exception without yielding to the loop', async () => {
    await simulate(async () => {
      const loop = getRunningLoop();
      const fut = new Future<number>();
      const err = new Error('bad');
      fut.setException(err);
      let ran = false;
      loop.callSoon(() => (ran = true));
      expect(await rejection(fut)).toBe(err);
      expect(ran).toBe(false);
    });
  });

  it('await of a cancelled future throws CancelledError carrying the cancel message', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      fut.cancel('gone');
      const err = await rejection(fut);
      expect(err).toBeInstanceOf(CancelledError);
      expect((err as Error).message).toBe('gone');
    });
  });

  it('await of a pending future resumes from a loop callback, not from a microtask of the code that completed it', async () => {
    await simulate(async () => {
      const loop = getRunningLoop();
      const fut = new Future<number>();
      const order: string[] = [];
      loop.callSoon(() => {
        fut.setResult(1);
        // Every microtask queued by this callback runs before the waiter resumes.
        void microtasks(50).then(() => order.push('microtasks of the completing callback'));
        loop.callSoon(() => order.push('callback scheduled after completion'));
      });
      await fut;
      order.push('resumed');
      await ticks(2);
      expect(order).toEqual(['microtasks of the completing callback', 'resumed', 'callback scheduled after completion']);
    });
  });

  it('a task resumed after awaiting a pending future is the current task again', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      const t = createTask(async () => {
        await fut;
        // Boxed: a task is a thenable, and returning it would await it.
        return { current: currentTask() };
      });
      await ticks();
      fut.setResult(1);
      expect((await t).current).toBe(t);
    });
  });

  it('several awaiters of one future all resume with its result', async () => {
    await simulate(async () => {
      const fut = new Future<string>();
      const tasks = [1, 2, 3].map((n) => createTask(async () => `${n}:${await fut}`));
      await ticks();
      fut.setResult('x');
      expect(await Promise.all(tasks)).toEqual(['1:x', '2:x', '3:x']);
    });
  });

  it('then() with handlers maps the result like a promise', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      const doubled = fut.then((v) => v * 2);
      const failed = new Future<number>();
      const recovered = failed.then(null, (e: Error) => `caught ${e.message}`);
      fut.setResult(21);
      failed.setException(new Error('x'));
      expect(await doubled).toBe(42);
      expect(await recovered).toBe('caught x');
    });
  });

  it('then() never calls its handlers synchronously, even on a done future', async () => {
    await simulate(async () => {
      const fut = new Future<number>();
      fut.setResult(1);
      let called = false;
      const p = fut.then(() => {
        called = true;
      });
      expect(called).toBe(false);
      await p;
      expect(called).toBe(true);
    });
  });

  it('then() handlers run in the async context of the then() call, current task included', async () => {
    await simulate(async () => {
      const als = new AsyncLocalStorage<string>();
      const fut = new Future<number>();
      const seen: unknown[] = [];
      const a = createTask(
        async () => {
          als.run('A', () => fut.then(() => seen.push([currentTask()?.getName(), als.getStore()])));
          await sleep(50);
        },
        { name: 'A' },
      );
      const b = createTask(
        async () => {
          await sleep(10);
          fut.setResult(1);
          await sleep(10);
        },
        { name: 'B' },
      );
      await Promise.all([a, b]);
      expect(seen).toEqual([['A', 'A']]);
    });
  });

  it('an async function returning a Future resolves to the future\'s result', async () => {
    await simulate(async () => {
      const loop = getRunningLoop();
      const fut = loop.createFuture<number>();
      loop.callLater(5, () => fut.setResult(9));
      const viaFunction = async (): Promise<Future<number>> => fut;
      expect(await viaFunction()).toBe(9);
      expect(loop.time()).toBe(5);
    });
  });

  it('a task whose function returns a Future ends with that future\'s result', async () => {
    await simulate(async () => {
      const fut = getRunningLoop().createFuture<string>();
      const t = createTask(() => fut);
      await ticks(2);
      expect(t.done()).toBe(false);
      fut.setResult('inner');
      expect(await t).toBe('inner');
    });
  });

  it('a task whose async function returns a Future awaits it: cancelling the task cancels that future', async () => {
    await simulate(async () => {
      const fut = getRunningLoop().createFuture<string>();
      const t = createTask(async () => fut);
      await ticks(2);
      t.cancel();
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      expect(fut.cancelled()).toBe(true);
    });
  });
});

describe('Future exceptions nobody retrieved', () => {
  it('a failed future whose exception was never retrieved fails a strict simulation', async () => {
    const err = new Error('lost');
    const outcome = await rejection(
      simulate(async () => {
        new Future<number>().setException(err);
      }),
    );
    expect(outcome).toBeInstanceOf(SimulationError);
    expect((outcome as SimulationError).unhandled).toContain(err);
  });

  it('retrieving the exception with exception(), result() or await counts as handling it', async () => {
    await simulate(async () => {
      const a = new Future<number>();
      a.setException(new Error('a'));
      a.exception();
      const b = new Future<number>();
      b.setException(new Error('b'));
      expect(() => b.result()).toThrow('b');
      const c = new Future<number>();
      c.setException(new Error('c'));
      await rejection(c);
    });
  });

  it('a cancelled future is not an unretrieved exception', async () => {
    await simulate(async () => {
      new Future<number>().cancel();
      await sleep(1);
    });
  });
});
