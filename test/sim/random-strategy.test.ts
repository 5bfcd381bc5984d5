import { describe, expect, it } from 'vitest';
import { createTask, gather, simulate, sleep, type SimWorldOptions } from '../../src/index.js';

const SEEDS = Array.from({ length: 25 }, (_, i) => i);

function randomWorld(seed: number): SimWorldOptions {
  return { seed, strategy: 'random' };
}

describe("the 'random' strategy", () => {
  it("runs each task's own callSoon callbacks in the order it scheduled them", async () => {
    for (const seed of SEEDS) {
      const log: [number, number][] = [];
      await simulate(async (world) => {
        const tasks = [0, 1, 2, 3].map((t) =>
          createTask(async () => {
            for (let i = 0; i < 5; i++) world.loop.callSoon(() => log.push([t, i]));
            await sleep(0);
          }),
        );
        await gather(tasks);
      }, randomWorld(seed));
      expect(log).toHaveLength(20);
      for (let t = 0; t < 4; t++) expect(log.filter(([task]) => task === t).map(([, i]) => i)).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it('runs a due timer after the callbacks its origin had ready when it came due', async () => {
    for (const seed of SEEDS) {
      const log: string[] = [];
      await simulate(async (world) => {
        const loop = world.loop;
        const tasks = [0, 1, 2].map((t) =>
          createTask(async () => {
            loop.callLater(0, () => log.push(`${t}:timer0`));
            loop.callSoon(() => log.push(`${t}:soon1`));
            loop.callSoon(() => log.push(`${t}:soon2`));
            loop.callLater(5, () => log.push(`${t}:timer5`));
            world.clock.advance(5);
            loop.callSoon(() => log.push(`${t}:soon3`));
            await sleep(1);
          }),
        );
        await gather(tasks);
      }, randomWorld(seed));
      for (let t = 0; t < 3; t++) {
        expect(log.filter((e) => e.startsWith(`${t}:`))).toEqual([`${t}:soon1`, `${t}:soon2`, `${t}:soon3`, `${t}:timer0`, `${t}:timer5`]);
      }
    }
  });

  it('never runs a timer before its when', async () => {
    for (const seed of SEEDS) {
      const early: number[] = [];
      let fired = 0;
      await simulate(async (world) => {
        const loop = world.loop;
        const tasks = [0, 1, 2, 3, 4].map((t) =>
          createTask(async () => {
            for (let i = 0; i < 6; i++) {
              const when = loop.time() + ((t * 7 + i * 3) % 5);
              loop.callAt(when, () => {
                fired++;
                if (loop.time() < when) early.push(when - loop.time());
              });
              await sleep((t + i) % 3);
            }
          }),
        );
        await gather(tasks);
        await sleep(10);
      }, randomWorld(seed));
      expect(fired).toBe(30);
      expect(early).toEqual([]);
    }
  });

  it("keeps each callback's children after it, and may run a child before another origin's callback that was ready earlier", async () => {
    let overtaken = false;
    for (const seed of SEEDS) {
      const log: string[] = [];
      await simulate(async (world) => {
        const loop = world.loop;
        const tasks = [0, 1, 2, 3].map((t) =>
          createTask(async () => {
            loop.callSoon(() => {
              log.push(`first${t}`);
              loop.callSoon(() => log.push(`second${t}`));
            });
            await sleep(0);
          }),
        );
        await gather(tasks);
        // Time moves only when nothing is ready: every second has run by then.
        await sleep(1);
      }, randomWorld(seed));
      expect(log.filter((e) => e.startsWith('first'))).toHaveLength(4);
      for (let t = 0; t < 4; t++) expect(log.indexOf(`first${t}`)).toBeLessThan(log.indexOf(`second${t}`));
      if (log.findIndex((e) => e.startsWith('second')) < log.findLastIndex((e) => e.startsWith('first'))) overtaken = true;
    }
    // Under 'fifo' (and in asyncio) every first runs before every second: the seconds wait for the next iteration.
    expect(overtaken).toBe(true);
  });

  it('varies the interleaving of independently woken tasks across seeds', async () => {
    const orders = new Set<string>();
    for (const seed of SEEDS) {
      const order = await simulate(async () => {
        const woke: string[] = [];
        const tasks = ['a', 'b', 'c', 'd'].map((name) =>
          createTask(async () => {
            await sleep(10);
            woke.push(name);
          }),
        );
        await gather(tasks);
        return woke.join('');
      }, randomWorld(seed));
      orders.add(order);
    }
    expect(orders.size).toBeGreaterThan(3);
  });

  it("'fifo' runs the same tasks in asyncio's order for every seed", async () => {
    const orders = new Set<string>();
    for (const seed of SEEDS.slice(0, 5)) {
      orders.add(
        await simulate(
          async () => {
            const woke: string[] = [];
            await gather(['a', 'b', 'c', 'd'].map((name) => createTask(async () => {
              await sleep(10);
              woke.push(name);
            })));
            return woke.join('');
          },
          { seed, strategy: 'fifo' },
        ),
      );
    }
    expect([...orders]).toEqual(['abcd']);
  });

  it('gives the same interleaving for the same seed', async () => {
    const run = (seed: number) =>
      simulate(async () => {
        const woke: string[] = [];
        await gather(['a', 'b', 'c', 'd', 'e'].map((name, i) => createTask(async () => {
          for (let k = 0; k < 3; k++) {
            await sleep(i % 2);
            woke.push(name);
          }
        })));
        return woke.join('');
      }, randomWorld(seed));
    for (const seed of [3, 11, 'x' as unknown as number]) expect(await run(seed)).toBe(await run(seed));
  });

  it('gives a wakeup the callback that scheduled it as origin (a timer waking a task), never the outside origin 0', async () => {
    const origins: number[] = [];
    await simulate(async (world) => {
      const scheduler = (world.loop as unknown as { _scheduler: { push(h: { _kind: number; _origin: number }): void } })._scheduler;
      const push = scheduler.push.bind(scheduler);
      scheduler.push = (h) => {
        if (h._kind === 3) origins.push(h._origin); // HandleKind.Wake
        push(h);
      };
      await gather([createTask(() => sleep(5)), createTask(() => sleep(5))]);
    }, randomWorld(1));
    expect(origins.length).toBeGreaterThanOrEqual(2);
    expect(origins.every((o) => o !== 0)).toBe(true);
    expect(new Set(origins).size).toBe(origins.length);
  });
});
