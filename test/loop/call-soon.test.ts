import { describe, expect, it } from 'vitest';
import { EventLoopError, Handle, TimerHandle } from '../../src/index.js';
import { virtualLoop } from './support.js';

describe('callSoon', () => {
  it('returns a Handle (not a TimerHandle) that is not cancelled', () => {
    const { loop } = virtualLoop();
    const h = loop.callSoon(() => {});
    expect(h).toBeInstanceOf(Handle);
    expect(h).not.toBeInstanceOf(TimerHandle);
    expect(h.cancelled()).toBe(false);
    loop.close();
  });

  it('runs callbacks in the order they were scheduled (FIFO)', async () => {
    const { loop } = virtualLoop();
    const order: number[] = [];
    for (let i = 0; i < 100; i++) loop.callSoon(() => order.push(i));
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(order).toEqual(Array.from({ length: 100 }, (_, i) => i));
    loop.close();
  });

  it('keeps FIFO order past its queue growing several times (10,000 callbacks)', async () => {
    const { loop } = virtualLoop();
    const order: number[] = [];
    for (let i = 0; i < 10_000; i++) loop.callSoon(() => order.push(i));
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(order.length).toBe(10_000);
    expect(order.every((v, i) => v === i)).toBe(true);
    loop.close();
  });

  it('keeps FIFO order when the queue wraps around while callbacks schedule more', async () => {
    const { loop } = virtualLoop();
    const order: number[] = [];
    let next = 0;
    const step = (n: number): void => {
      order.push(n);
      if (next < 500) {
        loop.callSoon(step, next++);
        loop.callSoon(step, next++);
      } else if (order.length === next) {
        loop.stop();
      }
    };
    loop.callSoon(step, next++);
    await loop.runForever();
    expect(order).toEqual(Array.from({ length: next }, (_, i) => i));
    loop.close();
  });

  it('passes the extra arguments to the callback', async () => {
    const { loop } = virtualLoop();
    const seen: unknown[][] = [];
    loop.callSoon((...args: unknown[]) => seen.push(args), 1, 'two', null);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(seen).toEqual([[1, 'two', null]]);
    loop.close();
  });

  it('does not run a callback synchronously', () => {
    const { loop } = virtualLoop();
    let ran = false;
    loop.callSoon(() => {
      ran = true;
    });
    expect(ran).toBe(false);
    loop.close();
  });

  it('runs a callback scheduled before the loop started once the loop runs', async () => {
    const { loop } = virtualLoop();
    let ran = false;
    loop.callSoon(() => {
      ran = true;
    });
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(ran).toBe(true);
    loop.close();
  });

  it('runs a callback at most once', async () => {
    const { loop } = virtualLoop();
    let runs = 0;
    loop.callSoon(() => runs++);
    loop.callSoon(() => loop.callSoon(() => loop.callSoon(() => loop.stop())));
    await loop.runForever();
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(runs).toBe(1);
    loop.close();
  });

  it('callSoonThreadsafe runs in the same FIFO order as callSoon', async () => {
    const { loop } = virtualLoop();
    const order: string[] = [];
    loop.callSoon(() => order.push('a'));
    loop.callSoonThreadsafe(() => order.push('b'));
    loop.callSoon(() => order.push('c'));
    loop.callSoonThreadsafe((x: string) => order.push(x), 'd');
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    loop.close();
  });

  it.each([
    ['callSoon', (l: ReturnType<typeof virtualLoop>['loop'], cb: any) => l.callSoon(cb)],
    ['callSoonThreadsafe', (l: ReturnType<typeof virtualLoop>['loop'], cb: any) => l.callSoonThreadsafe(cb)],
  ])('%s throws TypeError naming the callback parameter when it is not a function', (name, call) => {
    const { loop } = virtualLoop();
    for (const bad of [undefined, null, 42, 'f', {}, Promise.resolve()]) {
      expect(() => call(loop, bad)).toThrow(TypeError);
      expect(() => call(loop, bad)).toThrow(new RegExp(`^${name}: callback must be a function`));
    }
    loop.close();
  });

  it('throws EventLoopError "Event loop is closed" on a closed loop', () => {
    const { loop } = virtualLoop();
    loop.close();
    expect(() => loop.callSoon(() => {})).toThrow(EventLoopError);
    expect(() => loop.callSoon(() => {})).toThrow('Event loop is closed');
    expect(() => loop.callSoonThreadsafe(() => {})).toThrow(EventLoopError);
  });
});

describe('Handle', () => {
  it('cancel() prevents the callback from running', async () => {
    const { loop } = virtualLoop();
    const ran: string[] = [];
    const h = loop.callSoon(() => ran.push('cancelled one'));
    loop.callSoon(() => ran.push('other'));
    h.cancel();
    expect(h.cancelled()).toBe(true);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(ran).toEqual(['other']);
    loop.close();
  });

  it('cancel() from an earlier callback of the same batch prevents a later one', async () => {
    const { loop } = virtualLoop();
    const ran: string[] = [];
    let later: Handle | null = null;
    loop.callSoon(() => later!.cancel());
    later = loop.callSoon(() => ran.push('later'));
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(ran).toEqual([]);
    loop.close();
  });

  it('cancel() is idempotent and harmless after the callback ran', async () => {
    const { loop } = virtualLoop();
    let runs = 0;
    const h = loop.callSoon(() => runs++);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    h.cancel();
    h.cancel();
    expect(runs).toBe(1);
    expect(h.cancelled()).toBe(true);
    loop.close();
  });

  it('cancel() releases the callback and its arguments', () => {
    const { loop } = virtualLoop();
    const big = { payload: new Uint8Array(16) };
    const h = loop.callSoon((_x: object) => {}, big);
    h.cancel();
    expect(h._callback).toBeNull();
    expect(h._args).toEqual([]);
    loop.close();
  });

  it('describes itself with its callback name, and says when it is cancelled', () => {
    const { loop } = virtualLoop();
    function namedCallback(): void {}
    const h = loop.callSoon(namedCallback);
    expect(String(h)).toContain('namedCallback');
    h.cancel();
    expect(String(h)).toContain('cancelled');
    loop.close();
  });
});
