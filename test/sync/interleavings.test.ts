import { describe, expect, it } from 'vitest';
import { CancelledError, createTask, gather, Lock, Queue, Semaphore, simulate, sleep } from '../../src/index.js';
import { internals } from './support.js';

/** A small seeded generator for the test's own choices (which task to cancel, how long to sleep). */
function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const seeds = Array.from({ length: 25 }, (_, i) => i + 1);
const onlyCancelled = (results: unknown[]): boolean =>
  results.every((r) => r === undefined || r instanceof CancelledError);

describe('under random interleavings with random cancellations', () => {
  it.each(seeds)('a Lock admits one holder at a time and loses no wakeup (seed %i)', async (seed) => {
    await simulate(
      async () => {
        const rnd = lcg(seed);
        const lock = new Lock();
        let inside = 0;
        let violations = 0;
        const tasks = Array.from({ length: 8 }, () =>
          createTask(async () => {
            for (let round = 0; round < 3; round++) {
              await lock.acquire();
              try {
                inside += 1;
                if (inside !== 1) violations += 1;
                await sleep(Math.floor(rnd() * 3));
              } finally {
                inside -= 1;
                lock.release();
              }
            }
          }),
        );
        for (let k = 0; k < 3; k++) {
          await sleep(Math.floor(rnd() * 4));
          tasks[Math.floor(rnd() * tasks.length)]!.cancel();
        }
        expect(onlyCancelled(await gather(tasks, { returnExceptions: true }))).toBe(true);
        expect(violations).toBe(0);
        expect(lock.locked()).toBe(false);
      },
      { strategy: 'random', seed },
    );
  });

  it.each(seeds)('a Semaphore admits at most value holders and gets every unit back (seed %i)', async (seed) => {
    await simulate(
      async () => {
        const rnd = lcg(seed);
        const sem = new Semaphore(2);
        let inside = 0;
        let maxInside = 0;
        const tasks = Array.from({ length: 8 }, () =>
          createTask(async () => {
            for (let round = 0; round < 3; round++) {
              await sem.acquire();
              try {
                inside += 1;
                maxInside = Math.max(maxInside, inside);
                await sleep(Math.floor(rnd() * 3));
              } finally {
                inside -= 1;
                sem.release();
              }
            }
          }),
        );
        for (let k = 0; k < 3; k++) {
          await sleep(Math.floor(rnd() * 4));
          tasks[Math.floor(rnd() * tasks.length)]!.cancel();
        }
        expect(onlyCancelled(await gather(tasks, { returnExceptions: true }))).toBe(true);
        expect(maxInside).toBeLessThanOrEqual(2);
        expect(internals<number>(sem, '_value')).toBe(2);
        expect(sem.locked()).toBe(false);
      },
      { strategy: 'random', seed },
    );
  });

  it.each(seeds)('a bounded Queue delivers each completed put exactly once, and no cancelled one (seed %i)', async (seed) => {
    await simulate(
      async () => {
        const rnd = lcg(seed);
        const q = new Queue<number>(2);
        const putDone = new Set<number>();
        const got: number[] = [];
        let overfull = 0;
        const producers = Array.from({ length: 4 }, (_, p) =>
          createTask(async () => {
            for (let i = 0; i < 5; i++) {
              const item = p * 100 + i;
              await q.put(item);
              putDone.add(item);
              if (q.qsize() > q.maxsize) overfull += 1;
              await sleep(Math.floor(rnd() * 2));
            }
          }),
        );
        const consumers = Array.from({ length: 3 }, () =>
          createTask(async () => {
            for (;;) {
              got.push(await q.get());
              q.taskDone();
              await sleep(Math.floor(rnd() * 3));
            }
          }),
        );
        for (let k = 0; k < 3; k++) {
          await sleep(Math.floor(rnd() * 4));
          // Cancel any producer, or any consumer but the first, so the queue still drains.
          const victims = [...producers, ...consumers.slice(1)];
          victims[Math.floor(rnd() * victims.length)]!.cancel();
        }
        expect(onlyCancelled(await gather(producers, { returnExceptions: true }))).toBe(true);
        await q.join();
        for (const c of consumers) c.cancel();
        await gather(consumers, { returnExceptions: true });
        expect(overfull).toBe(0);
        expect(new Set(got).size).toBe(got.length);
        expect([...got].sort((a, b) => a - b)).toEqual([...putDone].sort((a, b) => a - b));
      },
      { strategy: 'random', seed },
    );
  });
});
