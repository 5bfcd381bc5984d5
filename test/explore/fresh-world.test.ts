import { describe, expect, it } from 'vitest';
import { createTask, simulate, sleep, type SimWorld } from '../../src/index.js';
import { createSimWorld } from '../../src/backends/sim/sim-world.js';
import { explore } from '../../src/explore/explore.js';
import { runOnce } from '../../src/explore/run-once.js';

/** Two tasks that each take a few steps: enough ready origins for 'random' to choose among. */
async function race(): Promise<void> {
  let x = 0;
  const body = async (): Promise<void> => {
    for (let i = 0; i < 4; i++) {
      await sleep(0);
      x++;
    }
  };
  await Promise.all([createTask(body), createTask(body), createTask(body)]);
  if (x !== 12) throw new Error(`x is ${x}`);
}

describe('explore gives every run a fresh world', () => {
  it('nothing a run set up (names, listeners, virtual time, the world itself) is there in the next', async () => {
    const worlds = new Set<SimWorld>();
    const startedAt: number[] = [];
    await explore(
      async (world) => {
        worlds.add(world);
        startedAt.push(world.loop.time());
        // The previous run added this name and listened on this port: a reused world would know both.
        await expect(world.loop.getaddrinfo('db.internal', 5432)).rejects.toMatchObject({ code: 'ENOTFOUND' });
        world.dns.add('db.internal', '10.0.0.5');
        world.network.listen('10.0.0.5', 5432, async (_reader, writer) => {
          writer.close();
        });
        await sleep(25);
      },
      { runs: 5, seed: 1 },
    );
    expect(worlds.size).toBe(5);
    expect(startedAt).toEqual([0, 0, 0, 0, 0]);
  });

  it('a run that records no trace makes the same decisions and steps as the same run traced', async () => {
    for (const seed of ['a', 'b', 'c']) {
      const quiet = await runOnce(race, { seed, strategy: 'random', traceLimit: 0 }, false);
      const traced = await runOnce(race, { seed, strategy: 'random', traceLimit: Infinity }, true);
      expect(traced.trace.length).toBeGreaterThan(0);
      expect(quiet.decisions).toEqual(traced.decisions);
      expect(quiet.steps).toBe(traced.steps);
    }
  });
});

describe("a world's parts are built when first used", () => {
  it('the loop finds the DNS, executors and processes of a world whose test never touched them', async () => {
    await simulate(async (world) => {
      const infos = await world.loop.getaddrinfo('localhost', 80, { family: 4 });
      expect(JSON.stringify(infos.map((i) => i.address))).toContain('127.0.0.1');
      expect(await world.loop.runInExecutor(null, (a: number, b: number) => a + b, 2, 3)).toBe(5);
      await expect(world.loop.subprocessExec(() => ({}) as never, 'nowhere')).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });

  it('a network first used late still counts its hosts\' wall clocks from the start of the world', async () => {
    await simulate(
      async (world) => {
        await sleep(50);
        expect(world.network.hostTime('127.0.0.1')).toBe(50);
      },
      { startTime: 1000 },
    );
  });

  it('a part is built once: the same object every time it is asked for', () => {
    const world = createSimWorld();
    expect(world.network).toBe(world.network);
    expect(world.dns).toBe(world.dns);
    expect(world.files).toBe(world.files);
  });
});

describe('a world that records no trace', () => {
  it('still stops a run at maxSteps', async () => {
    const spin = async (): Promise<void> => {
      for (;;) await sleep(0);
    };
    await expect(simulate(spin, { traceLimit: 0, maxSteps: 200 })).rejects.toThrow(/maxSteps \(200 loop callbacks\)/);
    await expect(simulate(spin, { traceLimit: 0, maxSteps: 200, strategy: 'random', seed: 3 })).rejects.toThrow(/maxSteps/);
  });

  it('has an empty trace', async () => {
    const world = createSimWorld({ traceLimit: 0 });
    await world.run(race);
    expect(world.trace()).toEqual([]);
  });
});
