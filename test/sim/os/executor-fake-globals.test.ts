import { describe, expect, it } from 'vitest';
import { createTask, gather, simulate, SimulationError, type SimWorld } from '../../../src/index.js';
import { rejection } from '../support.js';

const EPOCH = Date.UTC(2024, 0, 1);

/** Real timers keeping this process alive now (Node lists intervals as 'Timeout' too). */
function realTimeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/** A job that waits 10 real ms on the global setTimeout, as code on a worker thread may. */
async function napThenDouble(x: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 10));
  return x * 2;
}

/** Run `main` in a world with fake globals. */
function simulateFaked<T>(main: (world: SimWorld) => Promise<T>, seed?: string): Promise<T> {
  return simulate(main, { fakeGlobals: true, epoch: EPOCH, seed });
}

describe('simulated executor jobs under fake globals', () => {
  it('a job awaiting the global setTimeout completes, and its result arrives at its start plus the duration', async () => {
    const got = await simulateFaked(async (world) => {
      world.executors.setDuration(250);
      await new Promise((resolve) => setTimeout(resolve, 10));
      const value = await world.loop.runInExecutor(null, napThenDouble, 21);
      return { value, time: world.loop.time() };
    });
    expect(got).toEqual({ value: 42, time: 260 });
  });

  it('a job awaiting the global setImmediate completes', async () => {
    const got = await simulateFaked(async (world) => {
      world.executors.setDuration(30);
      const value = await world.loop.runInExecutor(null, async (s: string) => {
        await new Promise((resolve) => setImmediate(resolve));
        return s.toUpperCase();
      }, 'done');
      return { value, time: world.loop.time() };
    });
    expect(got).toEqual({ value: 'DONE', time: 30 });
  });

  it('a job gets Node\'s own timers, while the code under test gets the world\'s', async () => {
    const got = await simulateFaked(async (world) => {
      const inJob = await world.loop.runInExecutor(null, () => {
        const t = setTimeout(() => {}, 1);
        clearTimeout(t);
        return t.constructor.name;
      });
      const t = setTimeout(() => {}, 1);
      clearTimeout(t);
      return { inJob, outside: t.constructor.name };
    });
    expect(got).toEqual({ inJob: 'Timeout', outside: 'FakeTimeout' });
  });

  it('the timers a job\'s timer callbacks make are real too (a chain of timeouts and an interval)', async () => {
    const got = await simulateFaked(async (world) =>
      world.loop.runInExecutor(null, () =>
        new Promise<number>((resolve) => {
          let ticks = 0;
          const iv = setInterval(() => {
            if (++ticks === 3) {
              clearInterval(iv);
              setTimeout(() => setImmediate(() => resolve(ticks)), 1);
            }
          }, 1);
        }),
      ),
    );
    expect(got).toBe(3);
  });

  it('util.promisify(setTimeout) in a job waits in real time too', async () => {
    const got = await simulateFaked(async (world) => {
      world.executors.setDuration(20);
      const value = await world.loop.runInExecutor(null, async () => {
        const { promisify } = await import('node:util');
        return promisify(setTimeout)(5, 'slept');
      });
      return { value, time: world.loop.time() };
    });
    expect(got).toEqual({ value: 'slept', time: 20 });
  });

  it('Date.now and performance.now stay virtual in a job: they read its start, before and after a real wait', async () => {
    const got = await simulateFaked(async (world) => {
      world.executors.setDuration(100);
      await new Promise((resolve) => setTimeout(resolve, 40));
      const seen = await world.loop.runInExecutor(null, async () => {
        const before = [Date.now(), performance.now()];
        await new Promise((resolve) => setTimeout(resolve, 15));
        return { before, after: [Date.now(), performance.now()] };
      });
      return { seen, time: world.loop.time() };
    });
    expect(got).toEqual({ seen: { before: [EPOCH + 40, 40], after: [EPOCH + 40, 40] }, time: 140 });
  });

  it('the code under test\'s setTimeout stays virtual while a job waits in real time', async () => {
    const got = await simulateFaked(async (world) => {
      world.executors.setDuration(100);
      const fired: [string, number][] = [];
      await gather([
        createTask(async () => {
          await world.loop.runInExecutor(null, napThenDouble, 1);
          fired.push(['job', world.loop.time()]);
        }),
        createTask(async () => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          fired.push(['timer', world.loop.time()]);
        }),
      ]);
      return fired;
    });
    expect(got).toEqual([
      ['timer', 50],
      ['job', 100],
    ]);
  });

  it('a job that clears its own real timer never sees its callback run', async () => {
    const got = await simulateFaked(async (world) =>
      world.loop.runInExecutor(null, async () => {
        let ran = false;
        const t = setTimeout(() => {
          ran = true;
        }, 1);
        clearTimeout(t);
        const im = setImmediate(() => {
          ran = true;
        });
        clearImmediate(im);
        await new Promise((resolve) => setTimeout(resolve, 10));
        return ran;
      }),
    );
    expect(got).toBe(false);
  });

  it('a job\'s real timers still pending when the run ends are cleared, its executor never shut down: none keeps the process alive', async () => {
    const before = realTimeouts();
    const left = await simulateFaked(async (world) => {
      const ex = world.executors.create();
      await ex.submit(() => {
        setInterval(() => {}, 1000);
        setTimeout(() => {}, 60_000);
      });
      return realTimeouts();
    });
    expect(left).toBeGreaterThanOrEqual(before + 2);
    expect(realTimeouts()).toBe(before);
  });

  it('the loop\'s default executor, shut down when the run ends, leaves no real timer of its jobs behind', async () => {
    const before = realTimeouts();
    await simulateFaked(async (world) => {
      await world.loop.runInExecutor(null, () => {
        setInterval(() => {}, 1000);
      });
    });
    expect(realTimeouts()).toBe(before);
  });

  it('shutting an executor down clears the real timers its jobs left, as ending its threads would', async () => {
    const got = await simulateFaked(async (world) => {
      const ex = world.executors.create({ maxWorkers: 1 });
      const before = realTimeouts();
      await ex.submit(() => {
        setInterval(() => {}, 1000);
      });
      const running = realTimeouts() - before;
      await ex.shutdown();
      return { running, afterShutdown: realTimeouts() - before };
    });
    expect(got).toEqual({ running: 1, afterShutdown: 0 });
  });

  it('an error thrown by a job\'s timer callback rejects that job, as a crashed worker thread does', async () => {
    const err = await simulateFaked(async (world) =>
      rejection(
        world.loop.runInExecutor(null, () =>
          new Promise(() => {
            setTimeout(() => {
              throw new RangeError('tick failed');
            }, 1);
          }),
        ),
      ),
    );
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toBe('tick failed');
  });

  it('an error thrown by a timer a finished job left fails a strict run as an unhandled error', async () => {
    const err = await rejection(
      simulateFaked(async (world) => {
        await world.loop.runInExecutor(null, () => {
          setTimeout(() => {
            throw new Error('late failure');
          }, 1);
          return 'returned first';
        });
        // A second job keeps the run going in real time until the first one's timer (due sooner) has fired.
        await world.loop.runInExecutor(null, napThenDouble, 1);
      }),
    );
    expect(err).toBeInstanceOf(SimulationError);
    expect((err as SimulationError).unhandled).toEqual([expect.objectContaining({ message: 'late failure' })]);
  });

  it('the same seed gives the same trace when jobs wait on real timers', async () => {
    const scenario = async (world: SimWorld): Promise<void> => {
      world.executors.setDuration((_fn, args) => (args[0] as number) * 10);
      await gather([
        ...[3, 1, 2].map((n) => world.loop.runInExecutor(null, napThenDouble, n)),
        new Promise((resolve) => setTimeout(resolve, 15)),
      ]);
    };
    const traces: string[] = [];
    for (let i = 0; i < 2; i++) {
      await simulate(
        async (world) => {
          await scenario(world);
          traces.push(JSON.stringify(world.trace()));
        },
        { fakeGlobals: true, seed: 'same', strategy: 'random' },
      );
    }
    expect(traces[1]).toBe(traces[0]);
    expect(traces[0]).toContain('job#3 napThenDouble done');
  });
});
