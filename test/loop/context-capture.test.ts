import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { createTask, simulate } from '../../src/index.js';
import { virtualLoop } from './support.js';

// The loop captures an async context only when a user store is set; these
// pin that skipping the capture never changes what a callback sees.
describe('context capture', () => {
  it('tells apart two callbacks scheduled from one callback, before and inside als.run', async () => {
    const als = new AsyncLocalStorage<string>();
    const { loop } = virtualLoop();
    const seen: (string | undefined)[] = [];
    loop.callSoon(() => {
      loop.callSoon(() => seen.push(als.getStore()));
      als.run('inner', () => loop.callSoon(() => seen.push(als.getStore())));
      loop.callSoon(() => seen.push(als.getStore()));
      loop.callSoon(() => loop.stop());
    });
    await loop.runForever();
    loop.close();
    expect(seen).toEqual([undefined, 'inner', undefined]);
  });

  it('sees a store entered with enterWith inside the scheduling callback', async () => {
    const als = new AsyncLocalStorage<string>();
    const { loop } = virtualLoop();
    const seen: (string | undefined)[] = [];
    loop.callSoon(() => {
      loop.callSoon(() => seen.push(als.getStore()));
      als.enterWith('entered');
      loop.callSoon(() => seen.push(als.getStore()));
      loop.callSoon(() => loop.stop());
    });
    await loop.runForever();
    loop.close();
    expect(seen).toEqual([undefined, 'entered']);
  });

  it('gives a callback scheduled from a task the task code\'s store, and none when the task has none', async () => {
    const als = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    await simulate(async (world) => {
      const loop = world.loop;
      await createTask(async () => {
        loop.callSoon(() => seen.push(als.getStore()));
        await als.run('task-store', async () => {
          loop.callLater(1, () => seen.push(als.getStore()));
        });
      });
      await new Promise<void>((resolve) => loop.callLater(2, resolve));
    });
    expect(seen).toEqual([undefined, 'task-store']);
  });

  it('keeps a store set with AsyncLocalStorage.run around the whole loop run', async () => {
    const als = new AsyncLocalStorage<string>();
    const { loop } = virtualLoop();
    let seen: string | undefined = 'unset';
    await als.run('outer', async () => {
      loop.callSoon(() => {
        seen = als.getStore();
        loop.stop();
      });
      await loop.runForever();
    });
    loop.close();
    expect(seen).toBe('outer');
  });
});
