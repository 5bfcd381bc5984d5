import { describe, expect, it } from 'vitest';
import { CancelledError, createTask, gather, InvalidStateError, simulate, sleep, ThreadPoolExecutor, type SimWorld } from '../../../src/index.js';
import type { SimExecutor } from '../../../src/backends/sim/sim-executors.js';
import { rejection } from '../support.js';

/** An executor with one worker and jobs of 40 ms, given two jobs: one runs, one waits. */
function twoJobsOnOneWorker(world: SimWorld): { ex: SimExecutor; a: Promise<number>; b: Promise<number> } {
  const ex = world.executors.create({ maxWorkers: 1, duration: 40 });
  const id = (x: number): number => x;
  return { ex, a: ex.submit(id, 1), b: ex.submit(id, 2) };
}

/** The executor tests' fixture module (plain JavaScript, as a worker loads it). */
const JOB_MODULE = new URL('../../io/executors/fixtures/job.mjs', import.meta.url);

describe('runInExecutor on the simulated default executor', () => {
  it('resolves to the result of the function, with its arguments, at once by default', async () => {
    const got = await simulate(async (world) => {
      const sum = await world.loop.runInExecutor(null, (a: number, b: number) => a + b, 2, 3);
      return { sum, time: world.loop.time() };
    });
    expect(got).toEqual({ sum: 5, time: 0 });
  });

  it('holds virtual time for the duration setDuration sets: the result comes that much later', async () => {
    const got = await simulate(async (world) => {
      world.executors.setDuration(250);
      await sleep(10);
      const value = await world.loop.runInExecutor(null, (s: string) => s.toUpperCase(), 'done');
      return { value, time: world.loop.time() };
    });
    expect(got).toEqual({ value: 'DONE', time: 260 });
  });

  it('setDuration with a function gives each job its own duration, from the function and the arguments as submitted', async () => {
    const got = await simulate(async (world) => {
      const seen: string[] = [];
      world.executors.setDuration((fn, args) => {
        seen.push(typeof fn === 'function' ? fn.name : 'module');
        return (args[0] as number) * 10;
      });
      const square = (n: number): number => n * n;
      const finished: [number, number][] = [];
      await gather(
        [3, 1, 2].map((n) =>
          createTask(async () => {
            finished.push([await world.loop.runInExecutor(null, square, n), world.loop.time()]);
          }),
        ),
      );
      return { seen, finished };
    });
    expect(got.seen).toEqual(['square', 'square', 'square']);
    expect(got.finished).toEqual([
      [1, 10],
      [4, 20],
      [9, 30],
    ]);
  });

  it('runs jobs side by side: two jobs of 100 ms submitted together both finish at 100 ms', async () => {
    const times = await simulate(async (world) => {
      world.executors.setDuration(100);
      const job = (x: number): number => x;
      await gather([world.loop.runInExecutor(null, job, 1), world.loop.runInExecutor(null, job, 2)]);
      return world.loop.time();
    });
    expect(times).toBe(100);
  });

  it('a function that uses an outer variable fails with the same ReferenceError as on a real thread pool', async () => {
    const factor = 3;
    const closure = (x: number): number => x * factor;
    const simulated = (await simulate(async (world) => rejection(world.loop.runInExecutor(null, closure, 2)))) as Error;
    const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    const real = (await rejection(pool.submit(closure, 2))) as Error;
    await pool.shutdown();
    expect(simulated).toBeInstanceOf(ReferenceError);
    expect(simulated.message).toBe(real.message);
    expect(simulated.message).toMatch(/factor is not defined.*source text.*pass them as arguments/);
  });

  it('errors keep their name, message, stack and cloneable own properties', async () => {
    const err = (await simulate(async (world) =>
      rejection(
        world.loop.runInExecutor(null, () => {
          class QuotaError extends Error {
            override name = 'QuotaError';
          }
          throw Object.assign(new QuotaError('over quota'), { code: 'EQUOTA', limit: 10 });
        }),
      ),
    )) as Error & { code: string; limit: number };
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('QuotaError');
    expect(err.message).toBe('over quota');
    expect(err.stack).toMatch(/^QuotaError: over quota\n\s+at /);
    expect(err.code).toBe('EQUOTA');
    expect(err.limit).toBe(10);
  });

  it('a built-in error comes back as an instance of its class', async () => {
    const err = await simulate(async (world) =>
      rejection(
        world.loop.runInExecutor(null, (n: number) => {
          throw new RangeError(`bad ${n}`);
        }, 7),
      ),
    );
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toBe('bad 7');
  });

  it('arguments and the result are structured-cloned: the job cannot change the caller\'s objects', async () => {
    const got = await simulate(async (world) => {
      const input = { items: [1, 2] };
      const output = await world.loop.runInExecutor(
        null,
        (o: { items: number[] }) => {
          o.items.push(3);
          return o;
        },
        input,
      );
      return { input, output, same: output === input };
    });
    expect(got).toEqual({ input: { items: [1, 2] }, output: { items: [1, 2, 3] }, same: false });
  });

  it('an argument or a result that cannot be cloned rejects with DataCloneError', async () => {
    const got = await simulate(async (world) => {
      const arg = (await rejection(world.loop.runInExecutor(null, (f: unknown) => typeof f, () => 1))) as Error;
      const result = (await rejection(world.loop.runInExecutor(null, () => () => 1))) as Error;
      return [arg.name, result.name, result.message];
    });
    expect(got[0]).toBe('DataCloneError');
    expect(got[1]).toBe('DataCloneError');
    expect(got[2]).toMatch(/result of the job could not be cloned/);
  });

  it('runs a module job ({ module, export }) with its arguments', async () => {
    const got = await simulate(async (world) => {
      world.executors.setDuration(5);
      const sum = await world.loop.runInExecutor(null, { module: JOB_MODULE, export: 'add' }, 20, 22);
      const traced = world.trace().filter((e) => e.kind === 'executor').at(-1)?.detail;
      return { sum, time: world.loop.time(), traced };
    });
    expect(got).toEqual({ sum: 42, time: 5, traced: 'default job#1 job.mjs#add done' });
  });

  it('a module job whose export is not a function rejects with TypeError naming it', async () => {
    const err = await simulate(async (world) => rejection(world.loop.runInExecutor(null, { module: JOB_MODULE, export: 'notAFunction' })));
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/notAFunction/);
  });

  it('an async job awaiting real work holds virtual time: a concurrent sleep does not finish before it', async () => {
    const order = await simulate(async (world) => {
      const events: string[] = [];
      const sleeper = createTask(async () => {
        await sleep(10);
        events.push(`sleep at ${world.loop.time()}`);
      });
      const value = await world.loop.runInExecutor(null, async (ms: number) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return 'real work done';
      }, 20);
      events.push(`${value} at ${world.loop.time()}`);
      await sleeper;
      return events;
    });
    expect(order).toEqual(['real work done at 0', 'sleep at 10']);
  });

  it('a wrong fn throws TypeError at the call', async () => {
    await simulate(async (world) => {
      expect(() => world.loop.runInExecutor(null, 42 as never)).toThrow(TypeError);
      expect(() => world.loop.runInExecutor(null, Math.max)).toThrow(/native or bound function/);
    });
  });

  it('traces submit, start and outcome of each job (kind executor), identically for the same program', async () => {
    const run = (): Promise<string[]> =>
      simulate(async (world) => {
        world.executors.setDuration(7);
        await world.loop.runInExecutor(null, function double(x: number) {
          return x * 2;
        }, 4);
        await rejection(world.loop.runInExecutor(null, function boom() {
          throw new TypeError('no');
        }));
        return world.trace().filter((e) => e.kind === 'executor').map((e) => `${e.time} ${e.detail}`);
      });
    const first = await run();
    expect(first).toEqual([
      '0 default job#1 double submitted (7 ms)',
      '0 default job#1 double start',
      '7 default job#1 double done',
      '7 default job#2 boom submitted (7 ms)',
      '7 default job#2 boom start',
      '14 default job#2 boom failed TypeError',
    ]);
    expect(await run()).toEqual(first);
  });
});

describe('executors.setDuration arguments', () => {
  it('a negative or infinite duration is a RangeError, a non-number a TypeError, and a duration function returning one throws at the call', async () => {
    await simulate(async (world) => {
      expect(() => world.executors.setDuration(-1)).toThrow(RangeError);
      expect(() => world.executors.setDuration(Infinity)).toThrow(RangeError);
      expect(() => world.executors.setDuration('5' as never)).toThrow(TypeError);
      world.executors.setDuration(() => Number.NaN);
      expect(() => world.loop.runInExecutor(null, () => 1)).toThrow(/duration function's result must be a number/);
    });
  });
});

describe('executors.create', () => {
  it('maxWorkers queues jobs beyond it in virtual time: with one worker, two 100 ms jobs finish at 100 and 200', async () => {
    const got = await simulate(async (world) => {
      const ex = world.executors.create({ maxWorkers: 1, duration: 100 });
      const done: number[] = [];
      const job = (x: number): number => x;
      await gather(
        [1, 2].map((n) =>
          createTask(async () => {
            await world.loop.runInExecutor(ex, job, n);
            done.push(world.loop.time());
          }),
        ),
      );
      await ex.shutdown();
      return done;
    });
    expect(got).toEqual([100, 200]);
  });

  it("an executor's own duration overrides the world's; without one it follows setDuration", async () => {
    const got = await simulate(async (world) => {
      world.executors.setDuration(50);
      const own = world.executors.create({ duration: (_fn, args) => args[0] as number });
      const shared = world.executors.create();
      const id = (x: number): number => x;
      await own.submit(id, 30);
      const t1 = world.loop.time();
      await shared.submit(id, 30);
      const t2 = world.loop.time();
      await Promise.all([own.shutdown(), shared.shutdown()]);
      return [t1, t2];
    });
    expect(got).toEqual([30, 80]);
  });

  it('shutdown() refuses later jobs with InvalidStateError and resolves once the running and queued ones finished', async () => {
    const got = await simulate(async (world) => {
      const { ex, a, b } = twoJobsOnOneWorker(world);
      await sleep(0);
      const down = ex.shutdown();
      const refused = await rejection(ex.submit((x: number) => x, 3));
      await down;
      return { results: await Promise.all([a, b]), refused, time: world.loop.time() };
    });
    expect(got.results).toEqual([1, 2]);
    expect(got.refused).toBeInstanceOf(InvalidStateError);
    expect(got.time).toBe(80);
  });

  it('shutdown(false) rejects running and queued jobs with CancelledError at once', async () => {
    const got = await simulate(async (world) => {
      const { ex, a, b } = twoJobsOnOneWorker(world);
      await sleep(10);
      const counts = [ex.running, ex.queued];
      await ex.shutdown(false);
      return { counts, a: await rejection(a), b: await rejection(b), time: world.loop.time(), after: [ex.running, ex.queued] };
    });
    expect(got.counts).toEqual([1, 1]);
    expect(got.a).toBeInstanceOf(CancelledError);
    expect(got.b).toBeInstanceOf(CancelledError);
    expect(got.time).toBe(10);
    expect(got.after).toEqual([0, 0]);
  });

  it('bad options: maxWorkers below 1 or fractional is a RangeError, a non-number a TypeError', async () => {
    await simulate(async (world) => {
      expect(() => world.executors.create({ maxWorkers: 0 })).toThrow(RangeError);
      expect(() => world.executors.create({ maxWorkers: 1.5 })).toThrow(RangeError);
      expect(() => world.executors.create({ maxWorkers: '2' as never })).toThrow(TypeError);
      expect(() => world.executors.create({ duration: -5 })).toThrow(RangeError);
    });
  });
});
