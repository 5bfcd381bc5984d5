import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  createTask,
  currentTask,
  EventLoopError,
  getRunningLoop,
  run,
  sleep,
  type EventLoop,
  type Task,
} from '../../src/index.js';

/** A promise that a Node timer settles with `value`: outside every loop. */
function settledByNode<T>(value: T, ms = 1): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}

/** What `getRunningLoop()` gives here: the loop, or the error it throws. */
function runningLoopOrError(): EventLoop | unknown {
  try {
    return getRunningLoop();
  } catch (e) {
    return e;
  }
}

// The running task is tracked across native awaits by frames that follow
// promise reactions (src/loop/context.ts). These pin that the code after an
// await runs as the task that awaited, whoever settled the promise and from
// where, and that Node's own callbacks run outside every loop.
describe('the running task across native awaits', () => {
  it('resumes a task as itself after a promise that a Node timer settled', async () => {
    const seen = await run(async () => {
      const me = currentTask();
      await settledByNode(1);
      const afterTimer = currentTask() === me;
      await new Promise((r) => setImmediate(r));
      return [afterTimer, currentTask() === me, getRunningLoop() !== null];
    });
    expect(seen).toEqual([true, true, true]);
  });

  it('resumes each of two tasks as itself when both await one promise that a third task settles', async () => {
    const seen = await run(async () => {
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      const waiter = (name: string) => async (): Promise<string> => {
        await gate;
        return `${name}:${currentTask()!.getName()}`;
      };
      const a = createTask(waiter('a'), { name: 'a' });
      const b = createTask(waiter('b'), { name: 'b' });
      const opener = createTask(async () => {
        await sleep(1);
        open();
        return currentTask()!.getName();
      }, { name: 'opener' });
      return Promise.all([a, b, opener]);
    });
    expect(seen).toEqual(['a:a', 'b:b', 'opener']);
  });

  it('runs a then() callback as the code that called then(), not as the code that settled the promise', async () => {
    const seen = await run(async () => {
      let settle!: (v: number) => void;
      const p = new Promise<number>((r) => (settle = r));
      const reader = createTask(() => p.then(() => currentTask()!.getName()), { name: 'reader' });
      createTask(async () => {
        await sleep(1);
        settle(1);
      }, { name: 'settler' });
      return reader;
    });
    expect(seen).toBe('reader');
  });

  it('resumes a task as itself after a custom thenable that a Node callback settles', async () => {
    const seen = await run(async () => {
      const me = currentTask();
      const thenable = {
        then(onFulfilled: (v: string) => void): void {
          setImmediate(() => onFulfilled('done'));
        },
      };
      const v = await thenable;
      return [v, currentTask() === me];
    });
    expect(seen).toEqual(['done', true]);
  });

  it('keeps the task across for await over an async generator and over a Node Readable', async () => {
    const seen = await run(async () => {
      const me = currentTask();
      const checks: boolean[] = [];
      async function* gen(): AsyncGenerator<number> {
        for (let i = 0; i < 3; i++) {
          await settledByNode(i);
          checks.push(currentTask() === me);
          yield i;
        }
      }
      for await (const _ of gen()) checks.push(currentTask() === me);
      for await (const _ of Readable.from(['x', 'y', 'z'])) checks.push(currentTask() === me);
      return checks;
    });
    expect(seen).toHaveLength(9);
    expect(seen.every(Boolean)).toBe(true);
  });

  it('resumes a task as itself after a promise made outside every loop (an await takes the frame of the code that awaits)', async () => {
    const early = settledByNode('early', 5);
    const seen = await run(async () => {
      const me = currentTask();
      const v = await early;
      return [v, currentTask() === me];
    });
    expect(seen).toEqual(['early', true]);
  });

  it('runs the reaction of a promise chained outside every loop outside it, even when a task settles the promise', async () => {
    let settle!: () => void;
    const p = new Promise<void>((r) => (settle = r));
    const outside = p.then(() => [runningLoopOrError(), currentTask()]);
    await run(async () => {
      settle();
      await sleep(0);
    });
    const [loop, task] = await outside;
    expect(loop).toBeInstanceOf(EventLoopError);
    expect(task).toBeNull();
  });

  it('delivers a cancellation to a task that resumed from a Node-settled promise and then awaits the loop', async () => {
    const outcome = await run(async () => {
      const t: Task<string> = createTask(async () => {
        await settledByNode(0);
        try {
          await sleep(60_000);
          return 'slept';
        } catch (e) {
          return e instanceof CancelledError ? `cancelled as ${currentTask()!.getName()}` : 'other';
        }
      }, { name: 'sleeper' });
      await sleep(20);
      t.cancel();
      return t;
    });
    expect(outcome).toBe('cancelled as sleeper');
  });

  it("runs Node's own callbacks that a task schedules outside every loop, where callSoonThreadsafe gets back in", async () => {
    const seen = await run(async () => {
      const loop = getRunningLoop();
      const inTimer = await new Promise<unknown[]>((resolve) =>
        setTimeout(() => {
          const there = [runningLoopOrError(), currentTask()];
          loop.callSoonThreadsafe(() => resolve([...there, getRunningLoop() === loop, currentTask()]));
        }, 1),
      );
      const inImmediate = await new Promise<unknown>((resolve) => setImmediate(() => resolve(runningLoopOrError())));
      return [inTimer, inImmediate];
    });
    const [[timerLoop, timerTask, backInLoop, taskInCallback], immediateLoop] = seen as [unknown[], unknown];
    expect(timerLoop).toBeInstanceOf(EventLoopError);
    expect(timerTask).toBeNull();
    expect(backInLoop).toBe(true);
    expect(taskInCallback).toBeNull();
    expect(immediateLoop).toBeInstanceOf(EventLoopError);
  });

  it("runs process.nextTick and queueMicrotask callbacks that a task's step queues in the loop's own frame, with no task", async () => {
    const seen = await run(async () => {
      const loop = getRunningLoop();
      const inTick = new Promise<unknown[]>((resolve) => process.nextTick(() => resolve([getRunningLoop() === loop, currentTask()])));
      const inMicrotask = new Promise<unknown[]>((resolve) => queueMicrotask(() => resolve([getRunningLoop() === loop, currentTask()])));
      return Promise.all([inTick, inMicrotask]);
    });
    expect(seen).toEqual([
      [true, null],
      [true, null],
    ]);
  });

  it('leaves no frame behind: after a run, code outside it sees no running loop and no task', async () => {
    await run(async () => {
      await settledByNode(0);
      await sleep(1);
    });
    await settledByNode(0);
    expect(runningLoopOrError()).toBeInstanceOf(EventLoopError);
    expect(currentTask()).toBeNull();
  });
});
