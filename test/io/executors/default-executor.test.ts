import { describe, expect, it } from 'vitest';
import { CancelledError, EventLoop, ProcessPoolExecutor, ThreadPoolExecutor, getRunningLoop, nodeBackend, run, type Future } from '../../../src/index.js';
import { workerResources } from './support.js';

// The loop's side of executors on the Node backend: the default executor the
// OS makes, and the loop shutting it down when it closes.

describe('the Node backend\'s default executor', () => {
  it('is a ThreadPoolExecutor with one worker per CPU', async () => {
    const ex = nodeBackend().os!.createDefaultExecutor!();
    expect(ex).toBeInstanceOf(ThreadPoolExecutor);
    await ex.shutdown();
  });

  it('is made by runInExecutor(null, fn), which runs fn there with its arguments', async () => {
    const loop = new EventLoop();
    const result = await loop.runUntilComplete(() => loop.runInExecutor(null, (a: number, b: number) => a * b, 6, 7));
    expect(result).toBe(42);
    expect(loop._defaultExecutor).toBeInstanceOf(ThreadPoolExecutor);
    await loop[Symbol.asyncDispose]();
  });

  it('is shut down by await loop[Symbol.asyncDispose](), which leaves nothing of it among the active resources', async () => {
    const before = workerResources();
    const loop = new EventLoop();
    const ex = new ThreadPoolExecutor({ maxWorkers: 2 });
    loop.setDefaultExecutor(ex);
    await loop.runUntilComplete(() => Promise.all([loop.runInExecutor(null, () => 1), loop.runInExecutor(null, () => 2)]));
    expect(ex.workerCount).toBe(2);
    await loop[Symbol.asyncDispose]();
    expect(ex.workerCount).toBe(0);
    expect(workerResources()).toEqual(before);
  });

  it('is shut down by run(main) after main returns, waiting for its jobs', async () => {
    const before = workerResources();
    const ex = new ThreadPoolExecutor({ maxWorkers: 1 });
    let job: Future<unknown> | null = null;
    await run(async () => {
      const loop = getRunningLoop();
      loop.setDefaultExecutor(ex);
      // Not awaited: shutting the default executor down waits for it.
      job = loop.runInExecutor(null, () => new Promise((resolve) => setTimeout(resolve, 10, 'ran')));
    });
    expect(job!.done()).toBe(true);
    expect(job!.result()).toBe('ran');
    expect(ex.workerCount).toBe(0);
    expect(workerResources()).toEqual(before);
  });

  it('has its running jobs cancelled by loop.close()', async () => {
    const loop = new EventLoop();
    const job = loop.runInExecutor(null, () => new Promise(() => {}));
    loop.close();
    // The loop is closed, so nothing can await the job's future: poll its state.
    while (!job.done()) await new Promise((resolve) => setImmediate(resolve));
    expect(job.exception()).toBeInstanceOf(CancelledError);
  });

  it('can be a ProcessPoolExecutor set with setDefaultExecutor', async () => {
    const before = workerResources();
    const loop = new EventLoop();
    loop.setDefaultExecutor(new ProcessPoolExecutor({ maxWorkers: 1 }));
    const pid = await loop.runUntilComplete(() => loop.runInExecutor(null, () => process.pid));
    expect(pid).not.toBe(process.pid);
    await loop[Symbol.asyncDispose]();
    expect(workerResources()).toEqual(before);
  });
});

describe('runInExecutor with an executor of the code\'s own', () => {
  it('runs the job there and leaves shutting it down to the code', async () => {
    const loop = new EventLoop();
    const ex = new ProcessPoolExecutor({ maxWorkers: 1 });
    expect(await loop.runUntilComplete(() => loop.runInExecutor(ex, (s: string) => s.toUpperCase(), 'abc'))).toBe('ABC');
    await loop[Symbol.asyncDispose]();
    expect(ex.workerCount).toBe(1);
    await ex.shutdown();
    expect(ex.workerCount).toBe(0);
  });
});
