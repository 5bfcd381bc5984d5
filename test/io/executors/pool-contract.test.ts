import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError, InvalidStateError, type Executor } from '../../../src/index.js';
import { JOB_MODULE, JOB_MODULE_RELATIVE, POOLS, rejection, workerResources } from './support.js';

// Each test makes its own small pool and shuts it down afterwards. Jobs
// report where they ran (`threadId` for threads, `pid` for processes).

describe.each(POOLS)('$name', ({ name, Pool }) => {
  let ex: InstanceType<typeof Pool>;
  const pool = (maxWorkers = 1): InstanceType<typeof Pool> => (ex = new Pool({ maxWorkers }));
  afterEach(async () => {
    await ex?.shutdown(false);
  });

  const whereAmI =
    name === 'ThreadPoolExecutor'
      ? async () => (await import('node:worker_threads')).threadId
      : () => process.pid;

  describe('submit', () => {
    it('resolves to the result of a function called with several arguments', async () => {
      expect(await pool().submit((a: number, b: string, c: number[]) => `${b}${a + c.length}`, 2, 'n=', [1, 2, 3])).toBe('n=5');
    });

    it('awaits an async function in the worker', async () => {
      const job = async (x: number) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return x * 2;
      };
      expect(await pool().submit(job, 21)).toBe(42);
    });

    it('runs the job away from the calling thread and process', async () => {
      const here = name === 'ThreadPoolExecutor' ? (await import('node:worker_threads')).threadId : process.pid;
      expect(await pool().submit(whereAmI)).not.toBe(here);
    });

    it('runs a method written in shorthand', async () => {
      const jobs = {
        triple(x: number) {
          return x * 3;
        },
      };
      expect(await pool().submit(jobs.triple, 5)).toBe(15);
    });

    it('clones arguments and results (Map, Date, Uint8Array, nested objects)', async () => {
      const result = await pool().submit(
        (m: Map<string, Date>, bytes: Uint8Array) => ({ year: m.get('d')!.getUTCFullYear(), sum: bytes.reduce((s, b) => s + b, 0), back: m }),
        new Map([['d', new Date(Date.UTC(2020, 0, 1))]]),
        new Uint8Array([1, 2, 3]),
      );
      expect(result.year).toBe(2020);
      expect(result.sum).toBe(6);
      expect(result.back.get('d')).toBeInstanceOf(Date);
    });

    it('snapshots the arguments when called, not when the job starts', async () => {
      const ex = pool();
      const blocker = ex.submit(() => new Promise((resolve) => setTimeout(resolve, 20)));
      const arg = { n: 1 };
      const queued = ex.submit((o: { n: number }) => o.n, arg);
      arg.n = 2;
      await blocker;
      expect(await queued).toBe(1);
    });

    it('throws TypeError at the call for something that is neither a function nor a module job', () => {
      const ex = pool();
      expect(() => ex.submit(42 as never)).toThrow(TypeError);
      expect(() => ex.submit({ module: JOB_MODULE } as never)).toThrow(/fn\.export/);
    });

    it('throws TypeError at the call for a native or bound function, which has no source to send', () => {
      const ex = pool();
      expect(() => ex.submit(Math.max, 1, 2)).toThrow(/source text/);
      expect(() => ex.submit(((x: number) => x).bind(null), 1)).toThrow(TypeError);
    });
  });

  describe('errors', () => {
    it('rejects with an error of the same name, message, stack and own properties', async () => {
      const err = await rejection(
        pool().submit(() => {
          class CustomError extends Error {
            constructor(message: string) {
              super(message);
              this.name = 'CustomError';
              Object.assign(this, { code: 'E_CUSTOM', detail: { n: 1 } });
            }
          }
          function deepInWorker(): never {
            throw new CustomError('boom');
          }
          deepInWorker();
        }),
      );
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe('CustomError');
      expect(err.message).toBe('boom');
      expect(err.code).toBe('E_CUSTOM');
      expect(err.detail).toEqual({ n: 1 });
      expect(err.stack).toMatch(/^CustomError: boom\n/);
      expect(err.stack).toContain('deepInWorker');
    });

    it('rejects with the built-in class of a built-in error', async () => {
      const err = await rejection(pool().submit((x: { toString(): string } | null) => x!.toString(), null));
      expect(err).toBeInstanceOf(TypeError);
    });

    it('keeps an error\'s cause', async () => {
      const err = await rejection(pool().submit(() => {
        throw new Error('outer', { cause: new RangeError('inner') });
      }));
      expect(err.cause).toBeInstanceOf(RangeError);
      expect(err.cause.message).toBe('inner');
    });

    it('rejects with the value itself when a job throws something that is not an error', async () => {
      expect(await rejection(pool().submit(() => Promise.reject({ reason: 'nope' })))).toEqual({ reason: 'nope' });
    });

    it('rejects a function that uses an outer variable with a ReferenceError saying functions travel as source text', async () => {
      const factor = 3;
      const err = await rejection(pool().submit((x: number) => x * factor, 2));
      expect(err).toBeInstanceOf(ReferenceError);
      expect(err.message).toMatch(/factor is not defined/);
      expect(err.message).toMatch(/source text/);
      expect(err.message).toMatch(/pass them as arguments/);
      expect(err.stack!.split('pass them as arguments').length).toBe(2);
    });

    it('rejects with DataCloneError when an argument cannot be cloned, and keeps working', async () => {
      const ex = pool();
      const err = await rejection(ex.submit((f: unknown) => typeof f, () => 1));
      expect(err.name).toBe('DataCloneError');
      expect(await ex.submit((x: number) => x + 1, 1)).toBe(2);
    });

    it('rejects with DataCloneError when the result cannot be cloned', async () => {
      const err = await rejection(pool().submit(() => () => 1));
      expect(err.name).toBe('DataCloneError');
      expect(err.message).toMatch(/result/);
    });
  });

  describe('module jobs', () => {
    it('run a module\'s exported function given by URL', async () => {
      expect(await pool().submit({ module: JOB_MODULE, export: 'add' }, 2, 3)).toBe(5);
    });

    it('run a module\'s exported function given by a path relative to process.cwd()', async () => {
      expect(await pool().submit({ module: JOB_MODULE_RELATIVE, export: 'slowDouble' }, 21)).toBe(42);
    });

    it('reject with TypeError when the export is not a function', async () => {
      const err = await rejection(pool().submit({ module: JOB_MODULE, export: 'notAFunction' }));
      expect(err).toBeInstanceOf(TypeError);
      expect(err.message).toMatch(/notAFunction/);
    });

    it('reject with the import error when the module does not exist', async () => {
      const err = await rejection(pool().submit({ module: new URL('./fixtures/missing.mjs', import.meta.url), export: 'x' }));
      expect(err.code).toBe('ERR_MODULE_NOT_FOUND');
    });
  });

  describe('workers', () => {
    it('start lazily and are reused for later jobs', async () => {
      const ex = pool(2);
      expect(ex.workerCount).toBe(0);
      const first = await ex.submit(whereAmI);
      const second = await ex.submit(whereAmI);
      expect(second).toBe(first);
      expect(ex.workerCount).toBe(1);
    });

    it('never number more than maxWorkers, however many jobs wait', async () => {
      const ex = pool(2);
      const job = async (where: string) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        return where === 'thread' ? (await import('node:worker_threads')).threadId : process.pid;
      };
      const runs = Array.from({ length: 6 }, () => ex.submit(job, name === 'ThreadPoolExecutor' ? 'thread' : 'process'));
      expect(ex.workerCount).toBeLessThanOrEqual(2);
      const ids = await Promise.all(runs);
      expect(new Set(ids).size).toBeLessThanOrEqual(2);
      expect(ex.workerCount).toBeLessThanOrEqual(2);
    });

    it('do not keep the process alive while idle', async () => {
      const before = workerResources();
      const ex = pool(1);
      await ex.submit(() => 1);
      expect(ex.workerCount).toBe(1);
      expect(workerResources()).toEqual(before);
    });

    it('that exit during a job reject it, and are replaced for the next job', async () => {
      const ex = pool(1);
      const first = await ex.submit(whereAmI);
      const err = await rejection(ex.submit(() => process.exit(3)));
      expect(err.message).toMatch(/exited \(code 3\)/);
      expect(err.exitCode).toBe(3);
      const next = await ex.submit(whereAmI);
      expect(next).not.toBe(first);
    });

    it('that crash on an uncaught error reject the running job with that error', async () => {
      const ex = pool(1);
      const err = await rejection(
        ex.submit(() => new Promise(() => setTimeout(() => {
          throw new RangeError('crashed outside the job');
        }, 0))),
      );
      expect(err).toBeInstanceOf(RangeError);
      expect(err.message).toBe('crashed outside the job');
      expect(await ex.submit(() => 'still serving')).toBe('still serving');
    });
  });

  describe('shutdown', () => {
    it('with wait resolves after the submitted jobs, queued ones included, have finished and the workers exited', async () => {
      const ex = pool(1);
      const settled: string[] = [];
      const a = ex.submit(() => new Promise((resolve) => setTimeout(() => resolve('a'), 20))).then((v) => settled.push(v as string));
      const b = ex.submit(() => 'b').then((v) => settled.push(v));
      await ex.shutdown();
      expect(settled).toEqual(['a', 'b']);
      expect(ex.workerCount).toBe(0);
      await Promise.all([a, b]);
    });

    it('without wait ends the running job and rejects it and the queued ones with CancelledError', async () => {
      const ex = pool(1);
      const running = rejection(ex.submit(() => new Promise(() => {})));
      const queued = rejection(ex.submit(() => 'never'));
      await ex.shutdown(false);
      expect(await running).toBeInstanceOf(CancelledError);
      expect(await queued).toBeInstanceOf(CancelledError);
      expect(ex.workerCount).toBe(0);
    });

    it('without wait after a shutdown with wait ends the work the first one waits for', async () => {
      const ex = pool(1);
      const running = rejection(ex.submit(() => new Promise(() => {})));
      const waiting = ex.shutdown();
      await ex.shutdown(false);
      await waiting;
      expect(await running).toBeInstanceOf(CancelledError);
    });

    it('makes later submits reject with InvalidStateError', async () => {
      const ex: Executor = pool(1);
      await ex.shutdown();
      const err = await rejection(ex.submit(() => 1));
      expect(err).toBeInstanceOf(InvalidStateError);
      expect(err.message).toMatch(/after shutdown/);
    });

    it('leaves nothing of the pool among the active resources', async () => {
      const before = workerResources();
      const ex = pool(2);
      await Promise.all([ex.submit(() => 1), ex.submit(() => 2)]);
      await ex.shutdown();
      expect(workerResources()).toEqual(before);
    });

    it('of a pool that never started a worker resolves at once', async () => {
      await pool(1).shutdown();
      expect(ex.workerCount).toBe(0);
    });
  });

  describe('options', () => {
    it('default maxWorkers to the number of CPUs', async () => {
      const os = await import('node:os');
      ex = new Pool();
      expect(ex.maxWorkers).toBe(os.availableParallelism());
    });

    it.each([0, -1, 1.5])('reject maxWorkers %s with RangeError', (n) => {
      expect(() => new Pool({ maxWorkers: n })).toThrow(RangeError);
    });

    it.each(['2', NaN])('reject maxWorkers %s with TypeError', (n) => {
      expect(() => new Pool({ maxWorkers: n as never })).toThrow(/maxWorkers/);
    });
  });
});
