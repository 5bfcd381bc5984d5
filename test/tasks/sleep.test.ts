import { describe, expect, it } from 'vitest';
import { CancelledError, createTask, DeadlockError, EventLoopError, Future, getRunningLoop, simulate, sleep } from '../../src/index.js';
import type { Handle, TimerHandle } from '../../src/loop/handle.js';
import { now, rejection, ticks } from './support.js';

describe('sleep', () => {
  it('resolves after ms of loop time', async () => {
    await simulate(async () => {
      await sleep(250);
      expect(now()).toBe(250);
      await sleep(0.5);
      expect(now()).toBe(250.5);
    });
  });

  it('resolves to the value given', async () => {
    await simulate(async () => {
      expect(await sleep(10, 'value')).toBe('value');
      expect(await sleep(0, 7)).toBe(7);
    });
  });

  it('a cancelled sleep releases its timer at once', async () => {
    await simulate(async () => {
      const s = sleep(100);
      const held = s._producerHandle as TimerHandle;
      s.cancel();
      expect(held.cancelled()).toBe(true);
      await rejection(s);
    });
  });

  it('returns a Future that can be cancelled', async () => {
    await simulate(async () => {
      const s = sleep(100);
      expect(s).toBeInstanceOf(Future);
      expect(s.cancel()).toBe(true);
      expect(await rejection(s)).toBeInstanceOf(CancelledError);
      expect(now()).toBe(0);
    });
  });

  it('a cancelled sleep(0) releases its loop callback: nothing runs for it afterwards', async () => {
    await simulate(async () => {
      const s = sleep(0);
      const held = s._producerHandle as Handle;
      expect(held.cancelled()).toBe(false);
      expect(s.cancel()).toBe(true);
      expect(held.cancelled()).toBe(true);
      expect(s._producerHandle).toBeNull();
      expect(await rejection(s)).toBeInstanceOf(CancelledError);
    });
  });

  it('sleep(0) yields to the loop exactly once', async () => {
    await simulate(async () => {
      const loop = getRunningLoop();
      const order: string[] = [];
      loop.callSoon(() => {
        order.push('ready before');
        loop.callSoon(() => order.push('scheduled by it'));
      });
      await sleep(0);
      order.push('resumed');
      await ticks();
      expect(order).toEqual(['ready before', 'resumed', 'scheduled by it']);
      expect(now()).toBe(0);
    });
  });

  it('a negative delay behaves as sleep(0)', async () => {
    await simulate(async () => {
      const loop = getRunningLoop();
      let ran = false;
      loop.callSoon(() => (ran = true));
      await sleep(-50);
      expect(ran).toBe(true);
      expect(now()).toBe(0);
    });
  });

  it('tasks sleeping different times wake in the order of their deadlines', async () => {
    await simulate(async () => {
      const order: number[] = [];
      const sleeper = (ms: number) => async () => {
        await sleep(ms);
        order.push(ms);
      };
      await Promise.all([createTask(sleeper(30)), createTask(sleeper(10)), createTask(sleeper(20))]);
      expect(order).toEqual([10, 20, 30]);
    });
  });

  it('sleep(Infinity) never resolves, and virtual time never jumps to it', async () => {
    await simulate(async () => {
      const t = createTask(async () => sleep(Infinity));
      await sleep(1_000_000);
      expect(t.done()).toBe(false);
      t.cancel();
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      expect(now()).toBe(1_000_000);
    });
  });

  it('a main task that only sleeps forever is a deadlock in a simulation', async () => {
    const err = await rejection(simulate(async () => sleep(Infinity)));
    expect(err).toBeInstanceOf(DeadlockError);
  });

  it('cancelling the task that sleeps interrupts the sleep at once', async () => {
    await simulate(async () => {
      const t = createTask(async () => sleep(5000));
      await sleep(10);
      t.cancel();
      await rejection(t);
      expect(now()).toBe(10);
    });
  });

  it('throws TypeError for NaN or a non-number delay', async () => {
    await simulate(async () => {
      expect(() => sleep(Number.NaN)).toThrow(TypeError);
      expect(() => sleep('10' as unknown as number)).toThrow(TypeError);
      expect(() => sleep(undefined as unknown as number)).toThrow(TypeError);
    });
  });

  it('throws EventLoopError outside a running loop', () => {
    expect(() => sleep(1)).toThrow(EventLoopError);
  });
});
