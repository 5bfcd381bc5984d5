import { AsyncLocalStorage } from 'node:async_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createTask, explore, simulate, sleep } from '../../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Whether `ref`'s target was collected by a full GC, run outside the job that made it (WeakRefs hold their targets until the job ends). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  await new Promise((r) => setImmediate(r));
  return ref.deref() === undefined;
}

const race = async (): Promise<void> => {
  const t = createTask(async () => {
    await sleep(0);
  });
  await sleep(0);
  await t;
};

// Each test file runs in a fresh module graph, so the anchors are made by
// the runs these tests start: the worlds' and the loop's by the first
// simulation, the explorer's by the first exploration.
describe('shape anchors (kept for the life of the process) keep nothing of a run', () => {
  it("the anchors made by the first simulation keep neither its world, its loop, nor the caller's AsyncLocalStorage store alive", async () => {
    const als = new AsyncLocalStorage<object>();
    let refs: WeakRef<object>[] = [];
    await als.run({ big: new Uint8Array(1 << 20) }, () =>
      simulate(async (world) => {
        refs = [new WeakRef(world), new WeakRef(world.loop), new WeakRef(als.getStore()!)];
        await race();
      }),
    );
    for (const ref of refs) expect(await collected(ref)).toBe(true);
  });

  it("the first exploration's anchors keep none of the caller's AsyncLocalStorage stores alive", async () => {
    const als = new AsyncLocalStorage<object>();
    const ref = await als.run({ big: new Uint8Array(1 << 20) }, async () => {
      const store = als.getStore()!;
      await explore(race, { runs: 3, seed: 1 });
      return new WeakRef(store);
    });
    expect(await collected(ref)).toBe(true);
  });
});
