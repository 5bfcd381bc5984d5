import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  createTask,
  currentTask,
  EventLoop,
  EventLoopError,
  getRunningLoop,
  run,
  simulate,
  sleep,
} from '../../src/index.js';
import { rejection } from './support.js';

describe('run', () => {
  it('runs main as a task on a running loop and resolves to its result', async () => {
    const result = await run(async () => {
      expect(currentTask()).not.toBeNull();
      expect(getRunningLoop().isRunning()).toBe(true);
      await sleep(1);
      return 'main result';
    });
    expect(result).toBe('main result');
  });

  it('closes the loop afterwards', async () => {
    const loop = new EventLoop();
    await run(async () => 1, { loop });
    expect(loop.isClosed()).toBe(true);
    expect(loop.isRunning()).toBe(false);
  });

  it('runs on the loop given in opts.loop', async () => {
    const loop = new EventLoop();
    let seen: EventLoop | null = null;
    await run(async () => void (seen = getRunningLoop()), { loop });
    expect(seen).toBe(loop);
  });

  it('rejects with main\'s error and still closes the loop', async () => {
    const loop = new EventLoop();
    const err = new Error('main failed');
    expect(
      await rejection(
        run(async () => {
          throw err;
        }, { loop }),
      ),
    ).toBe(err);
    expect(loop.isClosed()).toBe(true);
  });

  it('cancels the tasks main left behind and lets their cleanup finish before closing', async () => {
    const loop = new EventLoop();
    const log: string[] = [];
    await run(
      async () => {
        createTask(async () => {
          try {
            await sleep(60_000);
          } catch (e) {
            log.push(`cancelled: ${e instanceof CancelledError}`);
            await sleep(1);
            log.push('cleanup done');
            throw e;
          }
        });
        await sleep(0);
        return 'main done';
      },
      { loop },
    );
    expect(log).toEqual(['cancelled: true', 'cleanup done']);
    expect(loop.isClosed()).toBe(true);
  });

  it('reports a leftover task that fails during shutdown to the exception handler', async () => {
    const loop = new EventLoop();
    const reports: { message: string; exception?: unknown }[] = [];
    loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
    const err = new Error('failed in cleanup');
    await run(
      async () => {
        createTask(async () => {
          try {
            await sleep(60_000);
          } finally {
            // eslint-disable-next-line no-unsafe-finally
            throw err;
          }
        });
        await sleep(0);
      },
      { loop },
    );
    expect(reports.map((r) => r.exception)).toEqual([err]);
    expect(reports[0]!.message).toMatch(/shutdown/);
  });

  it('throws EventLoopError when called inside a running loop', async () => {
    await simulate(async () => {
      const err = await rejection(run(async () => 1));
      expect(err).toBeInstanceOf(EventLoopError);
    });
  });

  it('sets debug mode when asked', async () => {
    const loop = new EventLoop();
    await run(async () => expect(getRunningLoop().getDebug()).toBe(true), { loop, debug: true });
  });

  it('gives every run a fresh loop: main is Task-1 and names count on from there each time', async () => {
    const names = (): Promise<string[]> =>
      run(async () => {
        const t = createTask(async () => {});
        await t;
        return [currentTask()!.getName(), t.getName()];
      });
    expect(await names()).toEqual(['Task-1', 'Task-2']);
    expect(await names()).toEqual(['Task-1', 'Task-2']);
  });

  it('rejects with TypeError when main is not a function', async () => {
    expect(await rejection(run(Promise.resolve(1) as unknown as () => Promise<number>))).toBeInstanceOf(TypeError);
  });

  it('rejects with EventLoopError on a loop that is already closed', async () => {
    const loop = new EventLoop();
    loop.close();
    expect(await rejection(run(async () => 1, { loop }))).toBeInstanceOf(EventLoopError);
  });
});
