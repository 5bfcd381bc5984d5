import { describe, expect, it } from 'vitest';
import { createSimWorld, createTask, gather, simulate, sleep, VirtualClock } from '../../src/index.js';
import { realPause } from './support.js';

const HOUR = 60 * 60 * 1000;

describe('virtual time', () => {
  it('an hour of timeouts passes in virtual time, in time order', async () => {
    const seen: [string, number][] = [];
    const end = await simulate(async (world) => {
      const worker = async (name: string, period: number) => {
        for (let t = period; t <= HOUR; t += period) {
          await sleep(period);
          seen.push([name, world.loop.time()]);
        }
      };
      await gather([() => worker('minutes', 60_000), () => worker('quarters', 15 * 60_000)]);
      return world.loop.time();
    });
    expect(end).toBe(HOUR);
    expect(seen).toHaveLength(60 + 4);
    const times = seen.map(([, t]) => t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(seen.filter(([n]) => n === 'quarters').map(([, t]) => t)).toEqual([15, 30, 45, 60].map((m) => m * 60_000));
  });

  it('autojump moves the clock straight to the next timer when nothing is ready', async () => {
    const world = createSimWorld();
    const times = await world.run(async () => {
      const at: number[] = [];
      world.loop.callLater(250, () => at.push(world.loop.time()));
      world.loop.callLater(100, () => at.push(world.loop.time()));
      await sleep(1000);
      at.push(world.loop.time());
      return at;
    });
    expect(times).toEqual([100, 250, 1000]);
    expect(world.trace().filter((e) => e.kind === 'jump').map((e) => e.time)).toEqual([100, 250, 1000]);
  });

  it('a timer never runs before its when, even when it is due at the same instant as others', async () => {
    const late: number[] = [];
    await simulate(async (world) => {
      const loop = world.loop;
      for (let i = 0; i < 50; i++) {
        const when = loop.time() + ((i * 37) % 11);
        loop.callAt(when, () => late.push(loop.time() - when));
      }
      await sleep(20);
    });
    expect(late).toHaveLength(50);
    expect(late.every((d) => d === 0)).toBe(true);
  });

  it('startTime sets loop.time() at the start of the run', async () => {
    const times = await simulate(
      async (world) => {
        const start = world.loop.time();
        await sleep(5);
        return [start, world.loop.time(), world.clock.now()];
      },
      { startTime: 1_000_000 },
    );
    expect(times).toEqual([1_000_000, 1_000_005, 1_000_005]);
  });

  it('an Infinity timer never fires and is not jumped to', async () => {
    let fired = false;
    const end = await simulate(async (world) => {
      const h = world.loop.callLater(Infinity, () => {
        fired = true;
      });
      await sleep(10);
      h.cancel();
      return world.loop.time();
    });
    expect(fired).toBe(false);
    expect(end).toBe(10);
  });
});

describe('VirtualClock.advance', () => {
  it('rejects a NaN or non-number ms with TypeError', () => {
    const clock = new VirtualClock();
    expect(() => clock.advance(Number.NaN)).toThrow(TypeError);
    expect(() => clock.advance('5' as unknown as number)).toThrow(TypeError);
    expect(() => clock.advance(undefined as unknown as number)).toThrow(/ms/);
    expect(clock.now()).toBe(0);
  });

  it('rejects a negative or infinite ms with RangeError', () => {
    const clock = new VirtualClock(10);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Infinity)).toThrow(RangeError);
    expect(clock.now()).toBe(10);
  });

  it('moves time synchronously; the timers it made due run on the next iterations, in order', async () => {
    const log: string[] = [];
    await simulate(async (world) => {
      const loop = world.loop;
      loop.callLater(30, () => log.push(`b@${loop.time()}`));
      loop.callLater(10, () => log.push(`a@${loop.time()}`));
      loop.callLater(80, () => log.push(`c@${loop.time()}`));
      world.clock.advance(50);
      log.push(`advanced to ${loop.time()}`);
      await sleep(0);
      await sleep(0);
      log.push('after two iterations');
      await sleep(100);
    });
    expect(log).toEqual(['advanced to 50', 'a@50', 'b@50', 'after two iterations', 'c@80']);
  });

  it('with autoJump off, timers run only after advance()', async () => {
    const world = createSimWorld();
    world.clock.autoJump = false;
    const fired: number[] = [];
    const run = world.run(async () => {
      world.loop.callLater(10, () => fired.push(world.loop.time()));
      await sleep(20);
      return world.loop.time();
    });
    await realPause();
    expect(fired).toEqual([]);
    expect(world.clock.now()).toBe(0);
    world.clock.advance(15);
    await realPause();
    expect(fired).toEqual([15]);
    world.clock.advance(5);
    expect(await run).toBe(20);
  });

  it('turning autoJump back on lets an idle world jump to its next timer at once', async () => {
    const world = createSimWorld();
    world.clock.autoJump = false;
    const run = world.run(async () => {
      await sleep(30);
      return world.loop.time();
    });
    await realPause();
    expect(world.clock.now()).toBe(0);
    world.clock.autoJump = true;
    expect(await run).toBe(30);
  });

  it('autoJump accepts only a boolean', () => {
    const clock = new VirtualClock();
    expect(() => {
      clock.autoJump = 0 as unknown as boolean;
    }).toThrow(TypeError);
    expect(clock.autoJump).toBe(true);
  });

  it('with autoJump off, a world whose tasks only await loop futures still reports a deadlock', async () => {
    const world = createSimWorld();
    world.clock.autoJump = false;
    await expect(world.run(async () => world.loop.createFuture())).rejects.toMatchObject({ name: 'DeadlockError' });
  });

  it('advance() inside a task lets later tasks see the new time', async () => {
    const seen = await simulate(async (world) => {
      const t = createTask(async () => world.loop.time());
      world.clock.advance(42);
      return [await t, world.loop.time()];
    });
    expect(seen).toEqual([42, 42]);
  });
});
