import { AsyncLocalStorage } from 'node:async_hooks';
import { expect, it } from 'vitest';
import { createSimWorld, createTask, sleep, type SimWorld } from '../../src/index.js';

// The first world to run in a process first runs worlds of its own (shape
// anchors, see src/loop/shape-anchor.ts). This file's module state is its
// own, so its first test sees that first run.

async function race(world: SimWorld): Promise<string[]> {
  const log: string[] = [];
  const body = async (name: string): Promise<void> => {
    for (let i = 0; i < 3; i++) {
      await sleep(i);
      log.push(`${name}${i}@${world.loop.time()}`);
    }
  };
  await Promise.all([createTask(() => body('a')), createTask(() => body('b'))]);
  return log;
}

const store = new AsyncLocalStorage<string>();

it("the process's first run, started inside a caller's AsyncLocalStorage, runs as every later run of its seed does, and keeps the caller's store", async () => {
  const first = createSimWorld({ seed: 7, strategy: 'random' });
  const [firstLog, seen] = await store.run('caller', async () => {
    const log = await first.run(race);
    return [log, store.getStore()] as const;
  });
  const again = createSimWorld({ seed: 7, strategy: 'random' });
  const againLog = await again.run(race);
  expect(seen).toBe('caller');
  expect(firstLog).toEqual(againLog);
  expect(first.trace()).toEqual(again.trace());
  expect(firstLog).toHaveLength(6);
});
