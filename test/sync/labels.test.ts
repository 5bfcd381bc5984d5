import { describe, expect, it } from 'vitest';
import {
  Barrier,
  Condition,
  createTask,
  DeadlockError,
  Event,
  type Future,
  getRunningLoop,
  Lock,
  Queue,
  PriorityQueue,
  run,
  Semaphore,
  simulate,
} from '../../src/index.js';
import { rejection, ticks } from './support.js';

/** Records the futures the running loop creates from now on. */
function recordFutures(): Future<unknown>[] {
  const loop = getRunningLoop();
  const created: Future<unknown>[] = [];
  const original = loop.createFuture.bind(loop);
  loop.createFuture = (<T>() => {
    const fut = original<T>();
    created.push(fut as Future<unknown>);
    return fut;
  }) as typeof loop.createFuture;
  return created;
}

/** The labels of the futures created while `block` runs a wait that is then abandoned. */
async function labelsOfWait(block: () => Promise<unknown>): Promise<(string | undefined)[]> {
  const created = recordFutures();
  const t = createTask(block);
  await ticks(2);
  t.cancel();
  await rejection(t);
  return created.filter((f) => f !== (t as unknown)).map((f) => f._label);
}

describe('waiter labels', () => {
  it('name what each blocked call waits for, for deadlock reports', async () => {
    await run(async () => {
      const lock = new Lock();
      await lock.acquire();
      expect(await labelsOfWait(() => lock.acquire())).toContain('Lock.acquire()');

      expect(await labelsOfWait(() => new Event().wait())).toContain('Event.wait()');

      const cond = new Condition();
      expect(
        await labelsOfWait(async () => {
          await cond.acquire();
          await cond.wait();
        }),
      ).toContain('Condition.wait()');
      if (cond.locked()) cond.release();

      expect(await labelsOfWait(() => new Semaphore(0).acquire())).toContain('Semaphore.acquire()');
      expect(await labelsOfWait(() => new Barrier(2).wait())).toContain('Barrier.wait()');
      expect(await labelsOfWait(() => new Queue().get())).toContain('Queue.get()');
      expect(await labelsOfWait(() => new PriorityQueue().get())).toContain('PriorityQueue.get()');

      const full = new Queue(1);
      full.putNowait(1);
      expect(await labelsOfWait(() => full.put(2))).toContain('Queue.put()');
      expect(await labelsOfWait(() => full.join())).toContain('Queue.join()');
    });
  });

  it('appear in the DeadlockError of a simulation whose tasks wait on a primitive forever', async () => {
    const err = await rejection(
      simulate(async () => {
        const q = new Queue<number>();
        await q.get();
      }),
    );
    expect(err).toBeInstanceOf(DeadlockError);
    expect((err as Error).message).toContain('Queue.get()');
  });
});
