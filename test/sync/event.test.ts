import { describe, expect, it } from 'vitest';
import { CancelledError, createTask, Event, getRunningLoop, InvalidStateError, run, simulate } from '../../src/index.js';
import { internals, rejection, ticks } from './support.js';

const waitersOf = (ev: Event): unknown[] => internals<unknown[]>(ev, '_waiters');

describe('Event', () => {
  it('starts unset; set() and clear() flip isSet()', () => {
    const ev = new Event();
    expect(ev.isSet()).toBe(false);
    ev.set();
    expect(ev.isSet()).toBe(true);
    ev.clear();
    expect(ev.isSet()).toBe(false);
  });

  it('wait() on a set event resolves to true without yielding to the loop', async () => {
    await simulate(async () => {
      const ev = new Event();
      ev.set();
      let ranMeanwhile = false;
      getRunningLoop().callSoon(() => {
        ranMeanwhile = true;
      });
      expect(await ev.wait()).toBe(true);
      expect(ranMeanwhile).toBe(false);
    });
  });

  it('set() wakes every waiter; a task starting after set() passes straight through', async () => {
    await simulate(async () => {
      const ev = new Event();
      const result: number[] = [];
      const waiter = (n: number) => async () => {
        if (await ev.wait()) result.push(n);
      };
      const t1 = createTask(waiter(1));
      const t2 = createTask(waiter(2));
      await ticks();
      expect(result).toEqual([]);
      const t3 = createTask(waiter(3));
      ev.set();
      await ticks();
      // t3's first step was already scheduled; t1 and t2 are woken in FIFO order after it.
      expect(result).toEqual([3, 1, 2]);
      for (const t of [t1, t2, t3]) expect(t.done()).toBe(true);
    });
  });

  it('wakes the waiters of a set() even when clear() follows before they run', async () => {
    await simulate(async () => {
      const ev = new Event();
      const result: number[] = [];
      const t = createTask(async () => {
        if (await ev.wait()) result.push(1);
        return true;
      });
      await ticks();
      ev.set();
      ev.clear();
      expect(ev.isSet()).toBe(false);
      ev.set();
      ev.set();
      expect(waitersOf(ev)).toHaveLength(1);
      await ticks();
      expect(result).toEqual([1]);
      expect(waitersOf(ev)).toHaveLength(0);
      expect(t.result()).toBe(true);
    });
  });

  it('blocks wait() again after clear()', async () => {
    await simulate(async () => {
      const ev = new Event();
      ev.set();
      ev.clear();
      const t = createTask(() => ev.wait());
      await ticks(3);
      expect(t.done()).toBe(false);
      ev.set();
      expect(await t).toBe(true);
    });
  });

  it('removes a waiter that is cancelled', async () => {
    await simulate(async () => {
      const ev = new Event();
      const t = createTask(() => ev.wait());
      getRunningLoop().callSoon(() => t.cancel());
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      expect(waitersOf(ev)).toHaveLength(0);
    });
  });

  it('ends a waiter cancelled after set() woke it as cancelled, without disturbing the others', async () => {
    await simulate(async () => {
      const ev = new Event();
      const a = createTask(() => ev.wait());
      const b = createTask(() => ev.wait());
      await ticks();
      ev.set();
      a.cancel();
      expect(await rejection(a)).toBeInstanceOf(CancelledError);
      expect(await b).toBe(true);
      expect(waitersOf(ev)).toHaveLength(0);
    });
  });

  it('throws InvalidStateError when made to wait from a loop other than the one it is bound to (here a real one)', async () => {
    const ev = new Event();
    await simulate(async () => {
      const t = createTask(() => ev.wait());
      await ticks();
      ev.set();
      await t;
    });
    ev.clear();
    await run(async () => {
      const err = await rejection(ev.wait());
      expect(err).toBeInstanceOf(InvalidStateError);
    });
  });
});
