import { describe, expect, it } from 'vitest';
import { sleep } from '../../src/index.js';
import { virtualLoop } from './support.js';

describe('one iteration of the loop (asyncio _run_once)', () => {
  it('runs what a callback schedules with callSoon in the next iteration, not the current one', async () => {
    const { loop } = virtualLoop();
    const order: string[] = [];
    loop.callSoon(() => {
      order.push('a');
      loop.callSoon(() => order.push('a-child'));
    });
    loop.callSoon(() => order.push('b'));
    loop.callSoon(() => loop.callSoon(() => loop.stop()));
    await loop.runForever();
    expect(order).toEqual(['a', 'b', 'a-child']);
    loop.close();
  });

  it('stop() ends the run after the callbacks of the current batch, and leaves what they scheduled for the next run', async () => {
    const { loop } = virtualLoop();
    const order: string[] = [];
    loop.callSoon(() => {
      order.push('a');
      loop.stop();
      loop.callSoon(() => order.push('next-iteration'));
    });
    loop.callSoon(() => order.push('b'));
    await loop.runForever();
    expect(order).toEqual(['a', 'b']);
    expect(loop.isRunning()).toBe(false);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(order).toEqual(['a', 'b', 'next-iteration']);
    loop.close();
  });

  it('stop() from the last callback of a batch ends the run before the next iteration', async () => {
    const { loop } = virtualLoop();
    const order: string[] = [];
    loop.callSoon(() => order.push('a'));
    loop.callSoon(() => {
      order.push('b');
      loop.callLater(0, () => order.push('timer'));
      loop.stop();
    });
    await loop.runForever();
    expect(order).toEqual(['a', 'b']);
    loop.close();
  });

  it('a timer that comes due while a batch runs waits for the next iteration', async () => {
    const { loop, clock } = virtualLoop();
    const order: string[] = [];
    loop.callLater(5, () => order.push('timer'));
    loop.callSoon(() => {
      clock.advance(10);
      order.push('a');
    });
    loop.callSoon(() => {
      order.push('b');
      loop.stop();
    });
    await loop.runForever();
    expect(order).toEqual(['a', 'b']);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(order).toEqual(['a', 'b', 'timer']);
    loop.close();
  });

  it('stop() before runForever lets exactly one iteration run', async () => {
    const { loop } = virtualLoop();
    const order: string[] = [];
    loop.callSoon(() => {
      order.push('first');
      loop.callSoon(() => order.push('second'));
    });
    loop.stop();
    await loop.runForever();
    expect(order).toEqual(['first']);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(order).toEqual(['first', 'second']);
    loop.close();
  });

  it('stop() before runForever with nothing ready returns without waiting for a timer', async () => {
    const { loop, clock } = virtualLoop();
    let fired = false;
    loop.callLater(100, () => {
      fired = true;
    });
    loop.stop();
    await loop.runForever();
    expect(fired).toBe(false);
    expect(clock.now()).toBe(0);
    loop.close();
  });

  it('stop() before runForever still runs the timers already due', async () => {
    const { loop } = virtualLoop();
    let fired = false;
    loop.callLater(0, () => {
      fired = true;
    });
    loop.stop();
    await loop.runForever();
    expect(fired).toBe(true);
    loop.close();
  });

  it('stop() called twice still ends only the current run', async () => {
    const { loop } = virtualLoop();
    loop.callSoon(() => {
      loop.stop();
      loop.stop();
    });
    await loop.runForever();
    let ran = 0;
    loop.callSoon(() => ran++);
    loop.callSoon(() => loop.callSoon(() => loop.stop()));
    await loop.runForever();
    expect(ran).toBe(1);
    loop.close();
  });

  it('stop() from outside the loop wakes an idle loop and ends its run', async () => {
    const { loop } = virtualLoop({ idle: 'wait' });
    const running = loop.runForever();
    await new Promise((r) => setImmediate(r));
    expect(loop.isRunning()).toBe(true);
    loop.stop();
    await running;
    expect(loop.isRunning()).toBe(false);
    loop.close();
  });

  it('a callSoon from outside the loop wakes an idle loop', async () => {
    const { loop } = virtualLoop({ idle: 'wait' });
    const running = loop.runForever();
    await new Promise((r) => setImmediate(r));
    let ran = false;
    loop.callSoon(() => {
      ran = true;
      loop.stop();
    });
    await running;
    expect(ran).toBe(true);
    loop.close();
  });

  it('a timer scheduled from outside the loop while it waits idle is not missed', async () => {
    const { loop } = virtualLoop({ idle: 'wait' });
    const running = loop.runForever();
    await new Promise((r) => setImmediate(r));
    const fired: number[] = [];
    loop.callLater(25, () => {
      fired.push(loop.time());
      loop.stop();
    });
    await running;
    expect(fired).toEqual([25]);
    loop.close();
  });

  it('a timer earlier than the one an idle loop waits for shortens the wait', async () => {
    const { loop, clock } = virtualLoop({ idle: 'wait' });
    clock.autoJump = false;
    const fired: string[] = [];
    loop.callLater(100, () => fired.push('late'));
    const running = loop.runForever();
    await new Promise((r) => setImmediate(r));
    loop.callLater(10, () => {
      fired.push('early');
      loop.stop();
    });
    clock.advance(10);
    await running;
    expect(fired).toEqual(['early']);
    loop.close();
  });

  it('a task that resumes from a plain promise and then sleeps wakes the idle loop for its timer', async () => {
    const { loop } = virtualLoop({ idle: 'wait' });
    const t = await loop.runUntilComplete(async () => {
      await new Promise((r) => setImmediate(r));
      await sleep(10);
      return loop.time();
    });
    expect(t).toBe(10);
    loop.close();
  });

  it('a clock advance() from outside wakes an idle loop waiting for a timer', async () => {
    const { loop, clock } = virtualLoop({ idle: 'wait' });
    clock.autoJump = false;
    const fired: number[] = [];
    loop.callLater(50, () => {
      fired.push(loop.time());
      loop.stop();
    });
    const running = loop.runForever();
    await new Promise((r) => setImmediate(r));
    expect(fired).toEqual([]);
    clock.advance(49);
    await new Promise((r) => setImmediate(r));
    expect(fired).toEqual([]);
    clock.advance(1);
    await running;
    expect(fired).toEqual([50]);
    loop.close();
  });

  it('isRunning() is true inside callbacks and false before and after a run', async () => {
    const { loop } = virtualLoop();
    const seen: boolean[] = [loop.isRunning()];
    loop.callSoon(() => {
      seen.push(loop.isRunning());
      loop.stop();
    });
    const p = loop.runForever();
    seen.push(loop.isRunning());
    await p;
    seen.push(loop.isRunning());
    expect(seen).toEqual([false, true, true, false]);
    loop.close();
  });

  it('time() follows the injected clock', () => {
    const { loop, clock } = virtualLoop({ startTime: 123 });
    expect(loop.time()).toBe(123);
    clock.advance(7);
    expect(loop.time()).toBe(130);
    loop.close();
  });

  it('runs a long chain of callbacks, each scheduled by the previous one', async () => {
    const { loop } = virtualLoop();
    let n = 0;
    const hop = (): void => {
      if (++n < 20_000) loop.callSoon(hop);
      else loop.stop();
    };
    loop.callSoon(hop);
    await loop.runForever();
    expect(n).toBe(20_000);
    loop.close();
  });
});
