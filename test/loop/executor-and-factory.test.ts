import { describe, expect, it, vi } from 'vitest';
import { EventLoop, EventLoopError, Task, VirtualClock, type Executor } from '../../src/index.js';
import { TestSelector, virtualLoop } from './support.js';

/** An executor that runs jobs inline and records its shutdowns. */
function fakeExecutor(): Executor & { shutdowns: (boolean | undefined)[]; jobs: number } {
  const ex = {
    shutdowns: [] as (boolean | undefined)[],
    jobs: 0,
    async submit<T>(fn: unknown, ...args: unknown[]): Promise<T> {
      ex.jobs++;
      return (fn as (...a: unknown[]) => T)(...args);
    },
    async shutdown(wait?: boolean): Promise<void> {
      ex.shutdowns.push(wait);
    },
  };
  return ex;
}

const loopWithOS = (os: object): EventLoop => new EventLoop({ clock: new VirtualClock(), selector: new TestSelector(), os });

describe('runInExecutor', () => {
  it('runs the function in the given executor with its arguments and resolves to its result', async () => {
    const { loop } = virtualLoop();
    const ex = fakeExecutor();
    expect(await loop.runInExecutor(ex, (a: number, b: number) => a + b, 2, 3)).toBe(5);
    expect(ex.jobs).toBe(1);
    loop.close();
  });

  it('with null uses the default executor, which the OS makes once, on first use', async () => {
    const ex = fakeExecutor();
    const createDefaultExecutor = vi.fn(() => ex);
    const loop = loopWithOS({ createDefaultExecutor });
    expect(createDefaultExecutor).not.toHaveBeenCalled();
    await loop.runInExecutor(null, () => 1);
    await loop.runInExecutor(null, () => 2);
    expect(createDefaultExecutor).toHaveBeenCalledTimes(1);
    expect(ex.jobs).toBe(2);
    loop.close();
  });

  it('throws TypeError saying what to do when the OS makes no default executor', () => {
    const loop = loopWithOS({});
    expect(() => loop.runInExecutor(null, () => 1)).toThrow(TypeError);
    expect(() => loop.runInExecutor(null, () => 1)).toThrow(/setDefaultExecutor/);
    loop.close();
  });

  it('throws EventLoopError on a closed loop', () => {
    const { loop } = virtualLoop();
    loop.close();
    expect(() => loop.runInExecutor(fakeExecutor(), () => 1)).toThrow(EventLoopError);
  });
});

describe('the default executor', () => {
  it('setDefaultExecutor replaces the one the OS would make', async () => {
    const createDefaultExecutor = vi.fn(() => fakeExecutor());
    const loop = loopWithOS({ createDefaultExecutor });
    const mine = fakeExecutor();
    loop.setDefaultExecutor(mine);
    await loop.runInExecutor(null, () => 1);
    expect(mine.jobs).toBe(1);
    expect(createDefaultExecutor).not.toHaveBeenCalled();
    loop.close();
  });

  it.each([null, 42, {}, { submit: 1 }])('setDefaultExecutor throws TypeError for %s', (bad) => {
    const { loop } = virtualLoop();
    expect(() => loop.setDefaultExecutor(bad as never)).toThrow(TypeError);
    loop.close();
  });

  it('shutdownDefaultExecutor waits for the default executor to shut down', async () => {
    const { loop } = virtualLoop();
    const ex = fakeExecutor();
    loop.setDefaultExecutor(ex);
    await loop.shutdownDefaultExecutor();
    expect(ex.shutdowns).toEqual([true]);
    await loop.shutdownDefaultExecutor();
    expect(ex.shutdowns).toEqual([true]);
    loop.close();
  });

  it('close() shuts the default executor down without waiting', () => {
    const { loop } = virtualLoop();
    const ex = fakeExecutor();
    loop.setDefaultExecutor(ex);
    loop.close();
    expect(ex.shutdowns).toEqual([false]);
  });

  it('asyncDispose shuts the default executor down and waits for it', async () => {
    const { loop } = virtualLoop();
    const ex = fakeExecutor();
    loop.setDefaultExecutor(ex);
    await loop[Symbol.asyncDispose]();
    expect(ex.shutdowns).toEqual([true]);
    expect(loop.isClosed()).toBe(true);
  });
});

describe('setTaskFactory', () => {
  it('is null by default', () => {
    const { loop } = virtualLoop();
    expect(loop.getTaskFactory()).toBeNull();
    loop.close();
  });

  it.each([1, 'f', {}])('throws TypeError for %s and keeps the factory unset', (bad) => {
    const { loop } = virtualLoop();
    expect(() => loop.setTaskFactory(bad as never)).toThrow(TypeError);
    expect(() => loop.setTaskFactory(bad as never)).toThrow(/^setTaskFactory: factory must be a function or null/);
    expect(loop.getTaskFactory()).toBeNull();
    loop.close();
  });

  it('makes createTask go through the factory, which gets the loop, the function and the options', async () => {
    const { loop } = virtualLoop();
    class MyTask<T> extends Task<T> {}
    const factory = vi.fn((l: EventLoop, fn: () => unknown, opts: { name?: string }) => new MyTask(fn, { ...opts, loop: l }));
    loop.setTaskFactory(factory);
    expect(loop.getTaskFactory()).toBe(factory);
    const fn = async (): Promise<number> => 7;
    const task = loop.createTask(fn, { name: 'custom' });
    expect(task).toBeInstanceOf(MyTask);
    expect(task.getName()).toBe('custom');
    expect(factory).toHaveBeenCalledWith(loop, fn, { name: 'custom' });
    expect(await loop.runUntilComplete(task)).toBe(7);
    loop.close();
  });

  it('null restores plain tasks', async () => {
    const { loop } = virtualLoop();
    class MyTask<T> extends Task<T> {}
    loop.setTaskFactory((l, fn, opts) => new MyTask(fn, { ...opts, loop: l }));
    loop.setTaskFactory(null);
    const task = loop.createTask(async () => 1);
    expect(task).not.toBeInstanceOf(MyTask);
    await loop.runUntilComplete(task);
    loop.close();
  });
});
