import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import {
  currentTask,
  EventLoop,
  EventLoopError,
  getEventLoop,
  getRunningLoop,
  newEventLoop,
  setEventLoop,
  sleep,
} from '../../src/index.js';
import { rejection, virtualLoop } from './support.js';

const als = new AsyncLocalStorage<string>();

describe('async context of loop callbacks', () => {
  it('runs a callback in the AsyncLocalStorage context of the code that scheduled it', async () => {
    const { loop } = virtualLoop();
    const seen: (string | undefined)[] = [];
    als.run('one', () => loop.callSoon(() => seen.push(als.getStore())));
    als.run('two', () => loop.callLater(5, () => seen.push(als.getStore())));
    loop.callSoon(() => seen.push(als.getStore()));
    loop.callLater(6, () => loop.stop());
    await als.run('runner', () => loop.runForever());
    expect(seen).toEqual(['one', undefined, 'two']);
    loop.close();
  });

  it('does not let the context of one callback leak into the next one', async () => {
    const { loop } = virtualLoop();
    const seen: (string | undefined)[] = [];
    loop.callSoon(() => {
      als.enterWith('leaked');
      loop.callSoon(() => seen.push(als.getStore()));
    });
    loop.callSoon(() => seen.push(als.getStore()));
    loop.callSoon(() => loop.callSoon(() => loop.stop()));
    await loop.runForever();
    expect(seen).toEqual([undefined, 'leaked']);
    loop.close();
  });

  it('runs a callback scheduled from inside a task in the task\'s context, with currentTask() null', async () => {
    const { loop } = virtualLoop();
    const seen: unknown[] = [];
    await loop.runUntilComplete(async () => {
      const task = currentTask();
      expect(task).not.toBeNull();
      await als.run('in-task', async () => {
        loop.callSoon(() => seen.push(als.getStore(), currentTask()));
        await sleep(0);
      });
    });
    expect(seen).toEqual(['in-task', null]);
    loop.close();
  });

  it('gives currentTask() null in a plain callback and in a timer callback', async () => {
    const { loop } = virtualLoop();
    const seen: unknown[] = [];
    loop.callSoon(() => seen.push(currentTask()));
    loop.callLater(1, () => {
      seen.push(currentTask());
      loop.stop();
    });
    await loop.runForever();
    expect(seen).toEqual([null, null]);
    loop.close();
  });

  it('gives currentTask() null in a callback that a task scheduled and that runs while the task is suspended', async () => {
    const { loop } = virtualLoop();
    let inCallback: unknown = 'unset';
    await loop.runUntilComplete(async () => {
      loop.callLater(1, () => {
        inCallback = currentTask();
      });
      await sleep(2);
    });
    expect(inCallback).toBeNull();
    loop.close();
  });

  it('keeps a callback woken from outside the loop out of the waker\'s context', async () => {
    const { loop } = virtualLoop({ idle: 'wait' });
    const running = loop.runForever();
    await new Promise((r) => setImmediate(r));
    const seen: (string | undefined)[] = [];
    als.run('waker', () => loop.callSoon(() => seen.push(als.getStore())));
    loop.callSoon(() => seen.push(als.getStore()));
    loop.callSoon(() => loop.stop());
    await running;
    expect(seen).toEqual(['waker', undefined]);
    loop.close();
  });
});

describe('the loop\'s own callbacks (task steps, wakeups)', () => {
  it('do not inherit the context of the code that woke the idle loop', async () => {
    const { loop } = virtualLoop({ idle: 'wait' });
    const running = loop.runForever();
    await new Promise((r) => setImmediate(r));
    const seen: (string | undefined)[] = [];
    als.run('waker', () => loop._scheduleInternal(() => seen.push(als.getStore()), [], null, 0));
    loop.callSoon(() => loop.callSoon(() => loop._scheduleInternal(() => seen.push(als.getStore()), [], null, 0)));
    loop.callLater(1, () => loop.stop());
    await running;
    expect(seen).toEqual([undefined, undefined]);
    loop.close();
  });

  it('do not see another loop\'s task as the current one when that task woke this loop', async () => {
    const { loop: a } = virtualLoop();
    const { loop: b } = virtualLoop({ idle: 'wait' });
    const runningB = b.runForever();
    await new Promise((r) => setImmediate(r));
    let seenInB: unknown = 'unset';
    await a.runUntilComplete(async () => {
      b._scheduleInternal(() => {
        seenInB = currentTask();
      }, [], null, 0);
      await sleep(1);
    });
    b.callSoon(() => b.stop());
    await runningB;
    expect(seenInB).toBeNull();
    a.close();
    b.close();
  });
});

describe('getRunningLoop', () => {
  it('returns the loop inside its callbacks', async () => {
    const { loop } = virtualLoop();
    let seen: EventLoop | null = null;
    loop.callSoon(() => {
      seen = getRunningLoop();
      loop.stop();
    });
    await loop.runForever();
    expect(seen).toBe(loop);
    loop.close();
  });

  it('returns the loop across native awaits inside a task', async () => {
    const { loop } = virtualLoop({ idle: 'wait' });
    const seen = await loop.runUntilComplete(async () => {
      await Promise.resolve();
      await sleep(10);
      await new Promise((r) => setImmediate(r));
      return getRunningLoop();
    });
    expect(seen).toBe(loop);
    loop.close();
  });

  it('throws EventLoopError "no running event loop" outside a loop', () => {
    expect(() => getRunningLoop()).toThrow(EventLoopError);
    expect(() => getRunningLoop()).toThrow('no running event loop');
  });

  it('throws once the loop has stopped, even in code that started inside it', async () => {
    const { loop } = virtualLoop();
    let later: Promise<unknown> | null = null;
    loop.callSoon(() => {
      later = new Promise((resolve) => setTimeout(() => resolve(rejection(Promise.resolve().then(() => getRunningLoop()))), 5));
      loop.stop();
    });
    await loop.runForever();
    expect(await later).toBeInstanceOf(EventLoopError);
    loop.close();
  });

  it('gives each of two loops running at once in one process its own running loop', async () => {
    const a = virtualLoop({ idle: 'wait' }).loop;
    const b = virtualLoop({ idle: 'wait' }).loop;
    const body = (loop: EventLoop) => async (): Promise<boolean[]> => {
      const seen: boolean[] = [];
      for (let i = 0; i < 20; i++) {
        seen.push(getRunningLoop() === loop);
        await sleep(1);
        await new Promise((r) => setImmediate(r));
      }
      return seen;
    };
    const [ra, rb] = await Promise.all([a.runUntilComplete(body(a)), b.runUntilComplete(body(b))]);
    expect(ra.every(Boolean)).toBe(true);
    expect(rb.every(Boolean)).toBe(true);
    a.close();
    b.close();
  });

  it('gives each of two loops running at once their own plain callbacks\' loop', async () => {
    const a = virtualLoop().loop;
    const b = virtualLoop().loop;
    const seen: [EventLoop, EventLoop][] = [];
    for (let i = 0; i < 50; i++) {
      a.callSoon(() => seen.push([a, getRunningLoop()]));
      b.callSoon(() => seen.push([b, getRunningLoop()]));
    }
    a.callSoon(() => a.callSoon(() => a.stop()));
    b.callSoon(() => b.callSoon(() => b.stop()));
    await Promise.all([a.runForever(), b.runForever()]);
    expect(seen).toHaveLength(100);
    expect(seen.every(([want, got]) => want === got)).toBe(true);
    a.close();
    b.close();
  });
});

describe('getEventLoop, setEventLoop, newEventLoop', () => {
  it('getEventLoop() throws EventLoopError when no loop is running and none was set', () => {
    setEventLoop(null);
    expect(() => getEventLoop()).toThrow(EventLoopError);
  });

  it('getEventLoop() returns the loop given to setEventLoop outside a running loop', () => {
    const { loop } = virtualLoop();
    setEventLoop(loop);
    try {
      expect(getEventLoop()).toBe(loop);
    } finally {
      setEventLoop(null);
      loop.close();
    }
    expect(() => getEventLoop()).toThrow(EventLoopError);
  });

  it('getEventLoop() returns the running loop rather than the one that was set', async () => {
    const { loop: set } = virtualLoop();
    const { loop: running } = virtualLoop();
    setEventLoop(set);
    try {
      let seen: EventLoop | null = null;
      running.callSoon(() => {
        seen = getEventLoop();
        running.stop();
      });
      await running.runForever();
      expect(seen).toBe(running);
    } finally {
      setEventLoop(null);
      set.close();
      running.close();
    }
  });

  it('setEventLoop throws TypeError for something that is not a loop', () => {
    expect(() => setEventLoop({} as never)).toThrow(TypeError);
    expect(() => setEventLoop(42 as never)).toThrow(TypeError);
  });

  it('newEventLoop() returns a new, open, stopped loop each call', () => {
    const a = newEventLoop();
    const b = newEventLoop();
    expect(a).toBeInstanceOf(EventLoop);
    expect(a).not.toBe(b);
    expect(a.isRunning()).toBe(false);
    expect(a.isClosed()).toBe(false);
    a.close();
    b.close();
  });

  it('newEventLoop(opts) uses the injected interfaces', () => {
    const { clock, selector } = virtualLoop({ startTime: 77 });
    const loop = newEventLoop({ clock, selector, os: {} });
    expect(loop.time()).toBe(77);
    loop.close();
  });
});
