import { explore, type ExploreOptions, type ExploreReport } from '../explore/explore.js';
import type { Scenario } from '../explore/run-once.js';
import { applyExploreEnv, type SimloopEnv } from './env-overrides.js';
import { vitestTest, type TestRegistrar } from './vitest-api.js';

/** Options of `simTest`: explore's, and the test's timeout. */
export interface SimTestOptions extends ExploreOptions {
  /** The test's timeout in wall-clock ms (default: vitest's `testTimeout`). Shrinking a failure takes runs too. */
  timeout?: number;
}

/** `simTest(name, scenario, opts?)`, with `simTest.only` and `simTest.skip`. */
export interface SimTest {
  (name: string, scenario: Scenario, opts?: SimTestOptions): void;
  only(name: string, scenario: Scenario, opts?: SimTestOptions): void;
  skip(name: string, scenario: Scenario, opts?: SimTestOptions): void;
}

/**
 * What a simTest runs: `explore(scenario, opts)` with the environment's
 * overrides (`SIMLOOP_REPLAY`, `SIMLOOP_SEED`, `SIMLOOP_RUNS`, read when it
 * runs) and 100 runs by default. Resolves with explore's report; rejects with
 * the `ScheduleFailure` (seed, replay token, shrunk timeline in its message),
 * or with a RangeError naming a malformed variable.
 */
export async function runSimTest(scenario: Scenario, opts: ExploreOptions = {}, env: SimloopEnv = process.env): Promise<ExploreReport> {
  return explore(scenario, applyExploreEnv({ runs: 100, ...opts }, env));
}

/**
 * Register a simTest through `register` (vitest's `test`, `test.only` or
 * `test.skip`): checks the arguments now, and runs `runSimTest` when the test
 * runs.
 */
export function registerSimTest(
  register: (name: string, fn: () => Promise<void>, timeout?: number) => void,
  name: string,
  scenario: Scenario,
  opts: SimTestOptions = {},
  env?: SimloopEnv,
): void {
  if (typeof name !== 'string') throw new TypeError(`simTest: name must be a string, got ${name === null ? 'null' : typeof name}`);
  if (typeof scenario !== 'function') throw new TypeError('simTest: scenario must be a function (world) => Promise<void>');
  if (opts === null || typeof opts !== 'object') throw new TypeError('simTest: opts must be an object');
  const { timeout, ...exploreOpts } = opts;
  if (timeout !== undefined) {
    if (typeof timeout !== 'number' || Number.isNaN(timeout)) throw new TypeError(`simTest: timeout must be a number of ms, got ${String(timeout)}`);
    // vitest's timer is a setTimeout: beyond 2^31 - 1 ms Node fires it at once.
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 2 ** 31 - 1) throw new RangeError(`simTest: timeout must be an integer of ms in 1..2147483647, got ${timeout}`);
  }
  const body = async (): Promise<void> => {
    await runSimTest(scenario, exploreOpts, env);
  };
  if (timeout === undefined) register(name, body);
  else register(name, body, timeout);
}

/** A SimTest that registers through the registrar `get()` returns (vitest's `test`, or the CJS build's refusal). */
export function makeSimTest(get: () => TestRegistrar): SimTest {
  const simTest = (name: string, scenario: Scenario, opts?: SimTestOptions): void => registerSimTest(get(), name, scenario, opts);
  simTest.only = (name: string, scenario: Scenario, opts?: SimTestOptions): void => registerSimTest(get().only, name, scenario, opts);
  simTest.skip = (name: string, scenario: Scenario, opts?: SimTestOptions): void => registerSimTest(get().skip, name, scenario, opts);
  return simTest;
}

/**
 * Register a vitest test that explores `scenario`'s schedules (`explore`,
 * default 100 runs) and fails with the `ScheduleFailure` when one fails: its
 * message carries the seed, the replay token and the shrunk timeline.
 * `SIMLOOP_REPLAY=<token>` runs just that schedule, and `SIMLOOP_SEED` and
 * `SIMLOOP_RUNS` override the options, for every simTest. Needs vitest,
 * loaded with `import`: under `require` it throws an Error saying so.
 */
export const simTest: SimTest = makeSimTest(vitestTest);
