import { describe, expect, it } from 'vitest';
import { EventLoopError, TimerHandle } from '../../src/index.js';
import { virtualLoop } from './support.js';

describe('callLater and callAt', () => {
  it('callLater returns a TimerHandle whose when() is time() + delay', () => {
    const { loop } = virtualLoop({ startTime: 1000 });
    const h = loop.callLater(250, () => {});
    expect(h).toBeInstanceOf(TimerHandle);
    expect(h.when()).toBe(1250);
    loop.close();
  });

  it('callAt returns a TimerHandle whose when() is the given time', () => {
    const { loop } = virtualLoop();
    expect(loop.callAt(42.5, () => {}).when()).toBe(42.5);
    loop.close();
  });

  it('runs a timer at its when, never before', async () => {
    const { loop } = virtualLoop();
    const firedAt: number[] = [];
    for (const d of [30, 10, 20, 10.5]) loop.callLater(d, () => firedAt.push(loop.time()));
    loop.callLater(40, () => loop.stop());
    await loop.runForever();
    expect(firedAt).toEqual([10, 10.5, 20, 30]);
    loop.close();
  });

  it('runs timers due at the same time in the order they were scheduled', async () => {
    const { loop } = virtualLoop();
    const order: number[] = [];
    for (let i = 0; i < 50; i++) loop.callAt(7, () => order.push(i));
    loop.callAt(8, () => loop.stop());
    await loop.runForever();
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i));
    loop.close();
  });

  it('orders callLater and callAt timers together by (when, scheduling order)', async () => {
    const { loop } = virtualLoop({ startTime: 100 });
    const order: string[] = [];
    loop.callAt(110, () => order.push('at110-first'));
    loop.callLater(10, () => order.push('later10'));
    loop.callAt(105, () => order.push('at105'));
    loop.callAt(110, () => order.push('at110-second'));
    loop.callLater(20, () => loop.stop());
    await loop.runForever();
    expect(order).toEqual(['at105', 'at110-first', 'later10', 'at110-second']);
    loop.close();
  });

  it('gives a negative delay a when in the past, so past-due timers keep the order of their whens', async () => {
    const { loop } = virtualLoop({ startTime: 100 });
    const order: string[] = [];
    const a = loop.callLater(-1, () => order.push('a'));
    const b = loop.callLater(-2, () => order.push('b'));
    expect(a.when()).toBe(99);
    expect(b.when()).toBe(98);
    loop.callLater(0, () => loop.stop());
    await loop.runForever();
    expect(order).toEqual(['b', 'a']);
    loop.close();
  });

  it('runs a timer with a past callAt time on the next iteration', async () => {
    const { loop } = virtualLoop({ startTime: 500 });
    const seen: number[] = [];
    loop.callAt(0, () => {
      seen.push(loop.time());
      loop.stop();
    });
    await loop.runForever();
    expect(seen).toEqual([500]);
    loop.close();
  });

  it('runs callLater(0, x) after a callSoon scheduled right after it', async () => {
    const { loop } = virtualLoop();
    const order: string[] = [];
    loop.callLater(0, () => order.push('x'));
    loop.callSoon(() => order.push('b'));
    loop.callLater(0, () => loop.stop());
    await loop.runForever();
    expect(order).toEqual(['b', 'x']);
    loop.close();
  });

  it('runs a due timer after the callbacks that were ready when it came due', async () => {
    const { loop } = virtualLoop();
    const order: string[] = [];
    loop.callSoon(() => {
      loop.callLater(0, () => order.push('timer'));
      loop.callSoon(() => order.push('soon-1'));
      loop.callSoon(() => order.push('soon-2'));
    });
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    expect(order).toEqual(['soon-1', 'soon-2', 'timer']);
    loop.close();
  });

  it('passes the extra arguments to a timer callback', async () => {
    const { loop } = virtualLoop();
    const seen: unknown[] = [];
    loop.callLater(5, (a: number, b: string) => seen.push(a, b), 1, 'x');
    loop.callAt(5, (c: boolean) => seen.push(c), true);
    loop.callLater(6, () => loop.stop());
    await loop.runForever();
    expect(seen).toEqual([1, 'x', true]);
    loop.close();
  });

  it('waits for the earliest timer without running anything early when time jumps', async () => {
    const { loop, clock } = virtualLoop();
    loop.callLater(1000, () => loop.stop());
    await loop.runForever();
    expect(clock.now()).toBe(1000);
    loop.close();
  });

  it('never fires a timer with an Infinity delay, and keeps it out of the timer heap', async () => {
    const { loop } = virtualLoop();
    let fired = false;
    const h = loop.callLater(Infinity, () => {
      fired = true;
    });
    const h2 = loop.callAt(Infinity, () => {
      fired = true;
    });
    expect(h.when()).toBe(Infinity);
    expect(h2.when()).toBe(Infinity);
    expect(loop._timers.size).toBe(0);
    loop.callLater(1e9, () => loop.stop());
    await loop.runForever();
    expect(fired).toBe(false);
    h.cancel();
    expect(h.cancelled()).toBe(true);
    loop.close();
  });

  it('does not let an Infinity timer keep a run from reporting that it went idle', async () => {
    const { loop } = virtualLoop();
    loop.callLater(Infinity, () => {});
    const err = await loop.runForever().then(
      () => null,
      (e: unknown) => e,
    );
    expect(String(err)).toContain('idle');
    loop.close();
  });

  it('accepts -Infinity as a delay: the timer is due at once', async () => {
    const { loop } = virtualLoop();
    let fired = false;
    loop.callLater(-Infinity, () => {
      fired = true;
      loop.stop();
    });
    await loop.runForever();
    expect(fired).toBe(true);
    loop.close();
  });

  it.each([NaN, '10', null, undefined, 10n, {}, [5]])('callLater throws TypeError naming delayMs for %s', (bad) => {
    const { loop } = virtualLoop();
    expect(() => loop.callLater(bad as number, () => {})).toThrow(TypeError);
    expect(() => loop.callLater(bad as number, () => {})).toThrow(/^callLater: delayMs must be a number/);
    expect(loop._timers.size).toBe(0);
    loop.close();
  });

  it.each([NaN, '10', null, undefined])('callAt throws TypeError naming whenMs for %s', (bad) => {
    const { loop } = virtualLoop();
    expect(() => loop.callAt(bad as number, () => {})).toThrow(TypeError);
    expect(() => loop.callAt(bad as number, () => {})).toThrow(/^callAt: whenMs must be a number/);
    loop.close();
  });

  it('says "got NaN" for a NaN delay', () => {
    const { loop } = virtualLoop();
    expect(() => loop.callLater(NaN, () => {})).toThrow('callLater: delayMs must be a number, got NaN');
    loop.close();
  });

  it('callLater and callAt throw TypeError naming the callback when it is not a function', () => {
    const { loop } = virtualLoop();
    expect(() => loop.callLater(1, 'nope' as never)).toThrow(/^callLater: callback must be a function/);
    expect(() => loop.callAt(1, null as never)).toThrow(/^callAt: callback must be a function/);
    expect(() => loop.callLater(1, 'nope' as never)).toThrow(TypeError);
    expect(loop._timers.size).toBe(0);
    loop.close();
  });

  it('callLater and callAt throw EventLoopError on a closed loop', () => {
    const { loop } = virtualLoop();
    loop.close();
    expect(() => loop.callLater(1, () => {})).toThrow(EventLoopError);
    expect(() => loop.callAt(1, () => {})).toThrow('Event loop is closed');
  });
});

describe('TimerHandle', () => {
  it('describes itself with its callback name and its when', () => {
    const { loop } = virtualLoop();
    function tick(): void {}
    const h = loop.callAt(123, tick);
    expect(String(h)).toMatch(/tick/);
    expect(String(h)).toMatch(/when=123/);
    loop.close();
  });

  it('is ready, once due, like any callback: cancelling it then still prevents it', async () => {
    const { loop, clock } = virtualLoop();
    const ran: string[] = [];
    const h = loop.callLater(5, () => ran.push('timer'));
    loop.callSoon(() => {
      clock.advance(5);
      // due now, moved to the ready queue at the next iteration's start
      loop.callSoon(() => h.cancel());
    });
    loop.callLater(6, () => loop.stop());
    await loop.runForever();
    expect(ran).toEqual([]);
    loop.close();
  });
});

describe('TimerHandle.cancel', () => {
  it('prevents the timer from running', async () => {
    const { loop } = virtualLoop();
    const ran: string[] = [];
    const h = loop.callLater(10, () => ran.push('cancelled'));
    loop.callLater(10, () => ran.push('kept'));
    h.cancel();
    loop.callLater(20, () => loop.stop());
    await loop.runForever();
    expect(ran).toEqual(['kept']);
    loop.close();
  });

  it('prevents a due timer from running when cancelled by a callback of the same batch', async () => {
    const { loop } = virtualLoop();
    const ran: string[] = [];
    let t2: TimerHandle | null = null;
    loop.callLater(10, () => t2!.cancel());
    t2 = loop.callLater(10, () => ran.push('t2'));
    loop.callLater(20, () => loop.stop());
    await loop.runForever();
    expect(ran).toEqual([]);
    loop.close();
  });

  it('lets the loop stop waiting for a cancelled timer: time does not jump to it', async () => {
    const { loop, clock } = virtualLoop();
    const h = loop.callLater(5000, () => {});
    loop.callLater(10, () => loop.stop());
    h.cancel();
    await loop.runForever();
    expect(clock.now()).toBe(10);
    loop.close();
  });

  it('keeps memory bounded: 100,000 timers scheduled and cancelled leave a small heap', () => {
    const { loop } = virtualLoop();
    loop.callLater(1e6, () => {});
    for (let i = 0; i < 100_000; i++) loop.callLater(60_000 + i, () => {}).cancel();
    expect(loop._timers.size).toBeLessThanOrEqual(200);
    expect(loop._timers.cancelled).toBeLessThanOrEqual(loop._timers.size);
    loop.close();
  });

  it('keeps memory bounded when live timers are interleaved with cancelled ones', () => {
    const { loop } = virtualLoop();
    const live: TimerHandle[] = [];
    for (let i = 0; i < 100_000; i++) {
      const h = loop.callLater(1000 + (i % 997), () => {});
      if (i % 100 === 0) live.push(h);
      else h.cancel();
    }
    expect(loop._timers.size).toBeLessThanOrEqual(2 * live.length + 200);
    expect([...loop._timers.live()].length).toBe(live.length);
    loop.close();
  });

  it('keeps the count of cancelled timers exact across compactions', () => {
    const { loop } = virtualLoop();
    for (let i = 0; i < 10_000; i++) loop.callLater(1000 + i, () => {}).cancel();
    const live = [...loop._timers.live()].length;
    expect(loop._timers.cancelled).toBe(loop._timers.size - live);
    loop.close();
  });

  it('does not run any of many cancelled timers interleaved with live ones, and runs the live ones in order', async () => {
    const { loop } = virtualLoop();
    const ran: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const h = loop.callLater(i % 50, () => ran.push(i));
      if (i % 3 !== 0) h.cancel();
    }
    loop.callLater(60, () => loop.stop());
    await loop.runForever();
    const expected = Array.from({ length: 5000 }, (_, i) => i)
      .filter((i) => i % 3 === 0)
      .sort((a, b) => (a % 50) - (b % 50) || a - b);
    expect(ran).toEqual(expected);
    loop.close();
  });
});
