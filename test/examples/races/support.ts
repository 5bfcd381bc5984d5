import { expect, test } from 'vitest';
import { ScheduleFailure, simulate, type SimWorld } from '../../../src/index.js';
import { explore, type ExploreOptions } from '../../../src/explore/explore.js';

type Scenario = (world: SimWorld) => Promise<void>;

/** The ScheduleFailure that `explore(scenario, opts)` rejects with (the test fails if it resolves or rejects otherwise). */
export async function failureOf(scenario: Scenario, opts: ExploreOptions): Promise<ScheduleFailure> {
  const outcome = await explore(scenario, opts).then(
    (report) => report,
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(ScheduleFailure);
  return outcome as ScheduleFailure;
}

/** A race example module: its buggy and fixed scenarios. */
export interface RaceExample {
  buggy: Scenario;
  fixed: Scenario;
}

/** What a race example promises, as tests. */
export interface RaceSpec {
  /** The failing run's cause: its class, and its message (a RegExp, or a substring). */
  cause: [type: abstract new (...args: never[]) => Error, message: RegExp | string];
  /** Whether an ordinary run (asyncio's order, any seed) passes: the race hides from it (default true). */
  hidesFromFifo?: boolean;
  /** The explore seed (default 1; fixed, so the tests are too). */
  seed?: number;
  /** Schedules the fixed scenario must pass, per strategy (default 200). */
  fixedRuns?: number;
  /** Bounds the shrinker where a failure's schedule is long (network jitter draws). */
  maxShrinkRuns?: number;
}

/** Register the tests every race example shares: found by 'random' and 'pct', hidden from FIFO if so, fixed under both. */
export function raceSpecs(race: RaceExample, spec: RaceSpec): void {
  const runs = spec.fixedRuns ?? 200;
  const seed = spec.seed ?? 1;
  const [type, message] = spec.cause;
  const checkCause = (cause: unknown): void => {
    expect(cause).toBeInstanceOf(type);
    if (typeof message === 'string') expect((cause as Error).message).toContain(message);
    else expect((cause as Error).message).toMatch(message);
  };
  if (spec.hidesFromFifo ?? true) {
    test("an ordinary run in asyncio's order passes: the race hides from it", async () => {
      for (const s of [0, 1, 2]) await expect(simulate(race.buggy, { seed: s })).resolves.toBeUndefined();
    });
  }

  test("explore with the 'random' strategy finds the race and rejects with a ScheduleFailure", async () => {
    const f = await failureOf(race.buggy, { runs: 100, seed, strategy: 'random', maxShrinkRuns: spec.maxShrinkRuns });
    checkCause(f.cause);
    expect(f.replay).toMatch(/^sl3_/);
  });

  test("explore with the 'pct' strategy finds the race too", async () => {
    const f = await failureOf(race.buggy, { runs: 100, seed, strategy: 'pct', maxShrinkRuns: spec.maxShrinkRuns });
    checkCause(f.cause);
  });

  test(`the fixed version passes ${runs} runs of 'random'`, async () => {
    const report = await explore(race.fixed, { runs, seed, strategy: 'random' });
    expect(report.runs).toBe(runs);
  });

  test(`the fixed version passes ${runs} runs of 'pct'`, async () => {
    const report = await explore(race.fixed, { runs, seed, strategy: 'pct' });
    expect(report.runs).toBe(runs);
  });
}
