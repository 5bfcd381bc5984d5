import { createHook } from 'node:async_hooks';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScheduleFailure, SimulationError } from '../../src/index.js';
import { explore } from '../../src/explore/explore.js';
import { exploreParallel } from '../../src/explore/parallel.js';
import failsAt3And5 from './fixtures/fails-at-3-and-5.js';
import leaksRandomness from './fixtures/leaks-randomness.js';
import { scenario as fixedUpdate } from './fixtures/fixed-update.js';

const fixture = (name: string): string => resolve(import.meta.dirname, 'fixtures', name);

/** Worker threads this process started, and those whose handle is still open (getActiveResourcesInfo does not list them). */
const workers = { started: 0, live: new Set<number>() };
createHook({
  init(id, type) {
    if (type !== 'WORKER') return;
    workers.started++;
    workers.live.add(id);
  },
  destroy(id) {
    workers.live.delete(id);
  },
}).enable();

/**
 * Threads started since `before`, and how many are still open once the
 * handles closed by the last exit are destroyed: Node reports a worker
 * handle's destruction a few turns after its 'exit' (more on a loaded
 * machine), so this waits for that, up to 2 s, before it counts.
 */
async function threads(before: number): Promise<{ started: number; open: number }> {
  for (let i = 0; i < 200 && workers.live.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  return { started: workers.started - before, open: workers.live.size };
}

describe('exploreParallel (runs on worker threads)', () => {
  it('reports the lowest failing run index, whatever finished first, exactly as a sequential explore does', async () => {
    const before = workers.started;
    const opts = { runs: 8, seed: 's' };
    const parallel = await exploreParallel({ scenario: failsAt3And5, module: fixture('fails-at-3-and-5.ts') }, { ...opts, jobs: 2 }).catch((e: unknown) => e);
    const sequential = await explore(failsAt3And5, opts).catch((e: unknown) => e);
    expect(parallel).toBeInstanceOf(ScheduleFailure);
    expect(sequential).toBeInstanceOf(ScheduleFailure);
    const [p, s] = [parallel as ScheduleFailure, sequential as ScheduleFailure];
    expect(p.seed).toBe('s#3');
    expect((p.cause as Error).message).toBe('run index 3 failed');
    expect(p.seed).toBe(s.seed);
    expect(p.replay).toBe(s.replay);
    expect(p.message).toBe(s.message);
    expect(await threads(before)).toEqual({ started: 2, open: 0 });
  });

  it('resolves with the report a sequential explore gives when every run passes, counting every run, and leaves no worker behind', async () => {
    const before = workers.started;
    const done: number[] = [];
    const report = await exploreParallel({ scenario: fixedUpdate, module: fixture('fixed-update.js') }, { runs: 12, seed: 9, jobs: 2, onRun: (n) => done.push(n) });
    expect({ runs: report.runs, seed: report.seed, strategy: report.strategy }).toEqual({ runs: 12, seed: '9', strategy: 'random' });
    expect(done).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(await threads(before)).toEqual({ started: 2, open: 0 });
  });

  it('rejects with selfCheck\'s SimulationError when a seed gives two different runs', async () => {
    const before = workers.started;
    const err = await exploreParallel({ scenario: leaksRandomness, module: fixture('leaks-randomness.ts') }, { runs: 40, seed: 1, jobs: 2, selfCheck: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimulationError);
    expect((err as Error).message).toMatch(/^explore selfCheck: seed "1#\d+" gave two different runs/);
    expect(await threads(before)).toEqual({ started: 2, open: 0 });
  });

  it('refuses jobs that are not a positive integer', async () => {
    await expect(exploreParallel({ scenario: fixedUpdate, module: fixture('fixed-update.js') }, { jobs: 0 })).rejects.toThrow(new RangeError('exploreParallel: jobs must be an integer >= 1, got 0'));
  });
});
