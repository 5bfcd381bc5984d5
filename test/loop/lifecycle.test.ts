import { describe, expect, it } from 'vitest';
import { EventLoop, EventLoopError } from '../../src/index.js';
import { TestSelector, collectReports, rejection, virtualLoop } from './support.js';

describe('runForever', () => {
  it('resolves after stop()', async () => {
    const { loop } = virtualLoop();
    loop.callLater(10, () => loop.stop());
    await expect(loop.runForever()).resolves.toBeUndefined();
    loop.close();
  });

  it('rejects with EventLoopError "This event loop is already running" when the loop runs', async () => {
    const { loop } = virtualLoop();
    loop.callLater(10, () => loop.stop());
    const first = loop.runForever();
    const err = await rejection(loop.runForever());
    expect(err).toBeInstanceOf(EventLoopError);
    expect((err as Error).message).toBe('This event loop is already running');
    await first;
    loop.close();
  });

  it('rejects with EventLoopError "Event loop is closed" on a closed loop', async () => {
    const { loop } = virtualLoop();
    loop.close();
    const err = await rejection(loop.runForever());
    expect(err).toBeInstanceOf(EventLoopError);
    expect((err as Error).message).toBe('Event loop is closed');
  });

  it('rejects with the error a selector reports through onWake, and stops the loop', async () => {
    const { loop } = virtualLoop();
    const err = await rejection(loop.runForever());
    expect(String(err)).toMatch(/idle/);
    expect(loop.isRunning()).toBe(false);
    loop.close();
  });

  it('rejects with the error a clock throws from setWakeup, and leaves the loop stopped', async () => {
    const broken = new Error('setWakeup failed');
    const clock = { now: () => 0, sleepTime: (when: number) => when, setWakeup: (wake: (() => void) | null) => { if (wake !== null) throw broken; } };
    const loop = new EventLoop({ clock, selector: new TestSelector(), os: {} });
    expect(await rejection(loop.runForever())).toBe(broken);
    expect(loop.isRunning()).toBe(false);
    loop.close();
  });

  it('can be run again after it stopped', async () => {
    const { loop } = virtualLoop();
    for (let i = 0; i < 3; i++) {
      loop.callSoon(() => loop.stop());
      await loop.runForever();
    }
    loop.close();
  });
});

describe('close', () => {
  it('marks the loop closed', () => {
    const { loop } = virtualLoop();
    expect(loop.isClosed()).toBe(false);
    loop.close();
    expect(loop.isClosed()).toBe(true);
  });

  it('is idempotent', () => {
    const { loop, selector } = virtualLoop();
    loop.close();
    loop.close();
    loop.close();
    expect(loop.isClosed()).toBe(true);
    expect(selector.closed).toBe(1);
  });

  it('throws EventLoopError while the loop is running, and leaves it open', async () => {
    const { loop } = virtualLoop();
    let err: unknown = null;
    loop.callSoon(() => {
      try {
        loop.close();
      } catch (e) {
        err = e;
      }
      loop.stop();
    });
    await loop.runForever();
    expect(err).toBeInstanceOf(EventLoopError);
    expect(loop.isClosed()).toBe(false);
    loop.close();
  });

  it('throws EventLoopError while the loop waits idle', async () => {
    const { loop } = virtualLoop({ idle: 'wait' });
    const running = loop.runForever();
    await new Promise((r) => setImmediate(r));
    expect(() => loop.close()).toThrow(EventLoopError);
    loop.stop();
    await running;
    loop.close();
  });

  it('discards pending callbacks and timers and releases the selector', () => {
    const { loop, selector } = virtualLoop();
    loop.callSoon(() => {});
    loop.callLater(10, () => {});
    loop.close();
    expect(loop._timers.size).toBe(0);
    expect(loop._scheduler.size).toBe(0);
    expect(selector.closed).toBe(1);
  });

  it('reports nothing when nothing was left behind', () => {
    const { loop } = virtualLoop();
    const reports = collectReports(loop);
    loop.close();
    expect(reports).toEqual([]);
  });
});

describe('Symbol.asyncDispose', () => {
  it('closes a stopped loop', async () => {
    const { loop } = virtualLoop();
    await loop[Symbol.asyncDispose]();
    expect(loop.isClosed()).toBe(true);
  });

  it('stops a running loop, waits for its run to end, then closes it', async () => {
    const { loop } = virtualLoop({ idle: 'wait' });
    const running = loop.runForever();
    await new Promise((r) => setImmediate(r));
    await loop[Symbol.asyncDispose]();
    await running;
    expect(loop.isRunning()).toBe(false);
    expect(loop.isClosed()).toBe(true);
  });

  it('works with await using', async () => {
    let captured: EventLoop | null = null;
    {
      await using loop = new EventLoop({ clock: virtualLoop().clock, selector: new TestSelector(), os: {} });
      captured = loop;
      loop.callSoon(() => loop.stop());
      await loop.runForever();
    }
    expect(captured!.isClosed()).toBe(true);
  });
});

describe('EventLoop constructor', () => {
  it('throws TypeError for options that are not an object', () => {
    expect(() => new EventLoop(42 as never)).toThrow(TypeError);
  });

  it('throws TypeError naming the clock when it does not implement Clock', () => {
    expect(() => new EventLoop({ clock: {} as never, selector: new TestSelector(), os: {} })).toThrow(/options\.clock/);
  });

  it('throws TypeError naming the selector when it does not implement Selector', () => {
    const { clock } = virtualLoop();
    expect(() => new EventLoop({ clock, selector: { wait() {} } as never, os: {} })).toThrow(/options\.selector/);
  });

  it('throws RangeError naming driverBudget when the selector gives one that is not a positive integer', () => {
    const { clock } = virtualLoop();
    for (const driverBudget of [0, -1, 1.5, NaN, '4']) {
      const selector = Object.assign(new TestSelector(), { driverBudget: driverBudget as number });
      expect(() => new EventLoop({ clock, selector, os: {} })).toThrow(/options\.selector\.driverBudget/);
      expect(() => new EventLoop({ clock, selector, os: {} })).toThrow(RangeError);
    }
  });

  it('defaults to the Node backends and debug off', () => {
    const loop = new EventLoop();
    expect(loop.getDebug()).toBe(false);
    expect(typeof loop.time()).toBe('number');
    expect(loop.slowCallbackDuration).toBe(100);
    loop.close();
  });

  it('takes debug from its options', () => {
    const { loop } = virtualLoop({ debug: true });
    expect(loop.getDebug()).toBe(true);
    loop.setDebug(false);
    expect(loop.getDebug()).toBe(false);
    loop.close();
  });
});
