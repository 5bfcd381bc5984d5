import { afterEach, describe, expect, it } from 'vitest';
import { ProcessPoolExecutor, ThreadPoolExecutor } from '../../../src/index.js';
import { rejection } from './support.js';

// Structured cloning shares a SharedArrayBuffer between threads and cannot
// between processes: the two pools differ exactly there.

describe('a SharedArrayBuffer argument', () => {
  let ex: ThreadPoolExecutor | ProcessPoolExecutor | undefined;
  afterEach(async () => {
    await ex?.shutdown(false);
  });

  it('is shared with a ThreadPoolExecutor job, which sees and makes changes', async () => {
    ex = new ThreadPoolExecutor({ maxWorkers: 1 });
    const shared = new Int32Array(new SharedArrayBuffer(8));
    shared[0] = 41;
    const seen = await ex.submit((cells: Int32Array) => {
      Atomics.store(cells, 1, 7);
      return Atomics.add(cells, 0, 1);
    }, shared);
    expect(seen).toBe(41);
    expect([...shared]).toEqual([42, 7]);
  });

  it('bounds concurrency at maxWorkers, as jobs counting themselves in shared memory see', async () => {
    ex = new ThreadPoolExecutor({ maxWorkers: 2 });
    // cells: [running now, most running at once]
    const cells = new Int32Array(new SharedArrayBuffer(8));
    const job = async (c: Int32Array) => {
      const running = Atomics.add(c, 0, 1) + 1;
      for (let most = Atomics.load(c, 1); running > most; most = Atomics.load(c, 1)) {
        if (Atomics.compareExchange(c, 1, most, running) === most) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
      Atomics.sub(c, 0, 1);
    };
    await Promise.all(Array.from({ length: 8 }, () => ex!.submit(job, cells)));
    expect(cells[1]).toBeGreaterThanOrEqual(1);
    expect(cells[1]).toBeLessThanOrEqual(2);
    expect(cells[0]).toBe(0);
  });

  it('rejects a ProcessPoolExecutor submit with DataCloneError', async () => {
    ex = new ProcessPoolExecutor({ maxWorkers: 1 });
    const err = await rejection(ex.submit((b: SharedArrayBuffer) => b.byteLength, new SharedArrayBuffer(8)));
    expect(err.name).toBe('DataCloneError');
  });
});
