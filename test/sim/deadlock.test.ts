import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTask, DeadlockError, Event, openConnection, Queue, simulate, sleep } from '../../src/index.js';
import { rejection } from './support.js';

const smallFile = fileURLToPath(new URL('./support.ts', import.meta.url));

describe('deadlock detection', () => {
  it('fails at once with DeadlockError when every pending task awaits a loop future nothing can complete', async () => {
    const err = await rejection(
      simulate(async (world) => {
        const never = new Event();
        const queue = new Queue<number>();
        const waiter = createTask(() => never.wait(), { name: 'waiter' });
        const consumer = createTask(() => queue.get(), { name: 'consumer' });
        await sleep(10);
        await gather2(waiter, consumer);
        return world.loop.time();
      }),
    );
    expect(err).toBeInstanceOf(DeadlockError);
    const e = err as DeadlockError;
    expect(e.name).toBe('DeadlockError');
    expect(e.message).toMatch(/deadlock at 10 ms/);
    expect(e.message).toContain('waiter awaits Event.wait()');
    expect(e.message).toContain('consumer awaits Queue.get()');
    expect(e.message).toContain("main awaits task 'waiter'");
    expect(e.blocked).toEqual(["main awaits task 'waiter'", 'waiter awaits Event.wait()', 'consumer awaits Queue.get()']);
  });

  it('names what a stream read waits for: a server that never answers is a deadlock on StreamReader data', async () => {
    const err = await rejection(
      simulate(async (world) => {
        world.network.listen('10.0.0.9', 80, async (reader) => {
          await reader.read(1);
          await new Event().wait();
        });
        const [reader, writer] = await openConnection('10.0.0.9', 80);
        writer.write('hello');
        await reader.read(100);
      }),
    );
    expect(err).toBeInstanceOf(DeadlockError);
    expect((err as Error).message).toContain('main awaits StreamReader data');
  });

  it('a task awaiting a plain promise that resolves (a real file read) is not a deadlock', async () => {
    const result = await simulate(async (world) => {
      const text = await readFile(smallFile, 'utf8');
      await sleep(25);
      return { length: text.length, time: world.loop.time() };
    });
    expect(result.length).toBeGreaterThan(0);
    expect(result.time).toBe(25);
  });

  it('a loop future that only un-awaited plain work would complete is a deadlock at once (such work belongs behind the loop)', async () => {
    let read: Promise<void> | undefined;
    const err = await rejection(
      simulate(async (world) => {
        const fut = world.loop.createFuture<string>();
        read = readFile(smallFile, 'utf8').then((t) => {
          if (!fut.done()) fut.setResult(t);
        });
        return fut;
      }),
    );
    await read;
    expect(err).toBeInstanceOf(DeadlockError);
    expect((err as Error).message).toContain('main awaits a Future');
  });

  it('cancels the blocked tasks after a deadlock so their cleanup runs', async () => {
    let cleaned = false;
    const err = await rejection(
      simulate(async () => {
        createTask(
          async () => {
            try {
              await new Event().wait();
            } finally {
              cleaned = true;
            }
          },
          { name: 'stuck' },
        );
        await new Event().wait();
      }),
    );
    expect(err).toBeInstanceOf(DeadlockError);
    expect(cleaned).toBe(true);
  });
});

/** Awaits both tasks in turn (so that main awaits one task at a time, named in the report). */
async function gather2(a: PromiseLike<unknown>, b: PromiseLike<unknown>): Promise<void> {
  await a;
  await b;
}
