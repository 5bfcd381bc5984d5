import { describe, expect, it } from 'vitest';
import { ScheduleFailure, sleep } from '../../src/index.js';
import { explore, simTest } from '../../src/testing/index.js';
import { makeSimTest, registerSimTest, runSimTest } from '../../src/testing/sim-test.js';
import { vitestTest as cjsVitestTest } from '../../src/testing/vitest-api-cjs.js';
import type { TestRegistrar } from '../../src/testing/vitest-api.js';
import { atomicDeposits, racyDeposits } from './fixtures/deposits.js';
import { decodeToken } from '../../src/schedule/replay-token.js';

/** `scenario`, counting its runs. */
function counted(scenario: () => Promise<void>): { scenario: () => Promise<void>; runs: () => number } {
  let runs = 0;
  return {
    scenario: async () => {
      runs++;
      await scenario();
    },
    runs: () => runs,
  };
}

/** Loses an update when the second task's read runs before the first one's write (never under FIFO). */
const racy = (): ReturnType<typeof counted> => counted(racyDeposits);
/** Correct under every schedule. */
const correct = (): ReturnType<typeof counted> => counted(atomicDeposits);

/** A registrar that keeps what simTest registered, as vitest's `test` would. */
function recorder(): { register: (name: string, fn: () => Promise<void>, timeout?: number) => void; tests: { name: string; fn: () => Promise<void>; timeout: number | undefined; args: number }[] } {
  const tests: { name: string; fn: () => Promise<void>; timeout: number | undefined; args: number }[] = [];
  return {
    tests,
    register: (...args: [string, () => Promise<void>, number?]) => {
      tests.push({ name: args[0], fn: args[1], timeout: args[2], args: args.length });
    },
  };
}

describe('simTest registration', () => {
  it('registers one test under the given name, whose body passes for a correct scenario after 100 runs by default', async () => {
    const r = recorder();
    const c = correct();
    registerSimTest(r.register, 'deposits add up', c.scenario, { seed: 1 }, {});
    expect(r.tests.map((t) => t.name)).toEqual(['deposits add up']);
    expect(c.runs()).toBe(0);
    await expect(r.tests[0]!.fn()).resolves.toBeUndefined();
    expect(c.runs()).toBe(100);
  });

  it("fails the test with explore's ScheduleFailure for a racy scenario: seed, replay token and timeline in its message", async () => {
    const r = recorder();
    registerSimTest(r.register, 'deposits race', racy().scenario, { seed: 1, runs: 200 }, {});
    const err = await r.tests[0]!.fn().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScheduleFailure);
    const f = err as ScheduleFailure;
    expect((f.cause as Error).message).toContain('lost update');
    expect(f.message).toContain(`SIMLOOP_REPLAY=${f.replay}`);
    expect(f.message).toContain(JSON.stringify(f.seed));
    expect(f.message).toContain('timeline of the failing schedule');
  });

  it('fails with the same failure as explore with the same options', async () => {
    const r = recorder();
    registerSimTest(r.register, 'deposits race', racy().scenario, { seed: 4, runs: 200 }, {});
    const viaTest = (await r.tests[0]!.fn().catch((e: unknown) => e)) as ScheduleFailure;
    const viaExplore = (await explore(racy().scenario, { seed: 4, runs: 200 }).catch((e: unknown) => e)) as ScheduleFailure;
    expect(viaTest.replay).toBe(viaExplore.replay);
    expect(viaTest.seed).toBe(viaExplore.seed);
  });

  it('passes the timeout to the registrar, and no third argument without one', () => {
    const r = recorder();
    registerSimTest(r.register, 'with timeout', correct().scenario, { timeout: 20_000 });
    registerSimTest(r.register, 'without', correct().scenario);
    expect(r.tests.map((t) => [t.timeout, t.args])).toEqual([
      [20_000, 3],
      [undefined, 2],
    ]);
  });

  it('rejects bad arguments when the test is registered, naming them', () => {
    const r = recorder();
    expect(() => registerSimTest(r.register, 42 as never, correct().scenario)).toThrow(/simTest: name must be a string/);
    expect(() => registerSimTest(r.register, 'x', 'nope' as never)).toThrow(/simTest: scenario must be a function/);
    expect(() => registerSimTest(r.register, 'x', correct().scenario, { timeout: 0 })).toThrow(RangeError);
    expect(() => registerSimTest(r.register, 'x', correct().scenario, { timeout: 2 ** 31 })).toThrow(/timeout must be an integer of ms in 1\.\.2147483647/);
    expect(() => registerSimTest(r.register, 'x', correct().scenario, { timeout: '5' as never })).toThrow(TypeError);
    expect(r.tests).toEqual([]);
  });

  it("passes explore's options through: selfCheck reports a scenario that leaks nondeterminism", async () => {
    const r = recorder();
    let calls = 0;
    const flaky = async (): Promise<void> => {
      calls++;
      await sleep(calls % 2 === 0 ? 2 : 1);
    };
    registerSimTest(r.register, 'flaky', flaky, { runs: 2, seed: 1, selfCheck: true }, {});
    await expect(r.tests[0]!.fn()).rejects.toThrow(/part at event/);
  });

  it("reports explore's own option errors when the test runs", async () => {
    const r = recorder();
    registerSimTest(r.register, 'x', correct().scenario, { strategy: 'dfs' as never }, {});
    await expect(r.tests[0]!.fn()).rejects.toThrow(/explore: strategy must be 'random' or 'pct'/);
  });
});

describe('simTest', () => {
  it('registers through vitest\'s test, test.only and test.skip', () => {
    const calls: string[] = [];
    const registrar = Object.assign((name: string) => calls.push(`test ${name}`), {
      only: (name: string) => calls.push(`only ${name}`),
      skip: (name: string) => calls.push(`skip ${name}`),
    }) as unknown as TestRegistrar;
    const t = makeSimTest(() => registrar);
    t('a', correct().scenario);
    t.only('b', correct().scenario);
    t.skip('c', correct().scenario);
    expect(calls).toEqual(['test a', 'only b', 'skip c']);
  });

  it('in the CJS build, throws an Error that says to load simloop/testing with import', () => {
    const t = makeSimTest(cjsVitestTest);
    for (const register of [t, t.only, t.skip]) expect(() => register('x', correct().scenario)).toThrow(/cannot be loaded with require\(\): load simloop\/testing with import/);
  });

  it('has only and skip, and checks its arguments before registering', () => {
    expect(typeof simTest.only).toBe('function');
    expect(typeof simTest.skip).toBe('function');
    expect(() => simTest('x', null as never)).toThrow(/scenario must be a function/);
  });

  simTest('runs under vitest and passes a correct scenario', correct().scenario, { runs: 20, seed: 3 });

  simTest.skip('is skipped with simTest.skip (this scenario would fail)', racy().scenario, { runs: 200, seed: 1 });
});

describe('environment overrides', () => {
  it('SIMLOOP_REPLAY runs just that schedule and fails exactly as the recorded one did', async () => {
    const first = (await runSimTest(racy().scenario, { seed: 1, runs: 200 }, {}).catch((e: unknown) => e)) as ScheduleFailure;
    expect(first).toBeInstanceOf(ScheduleFailure);
    const again = racy();
    const replayed = (await runSimTest(again.scenario, { seed: 99, runs: 50 }, { SIMLOOP_REPLAY: first.replay }).catch((e: unknown) => e)) as ScheduleFailure;
    expect(replayed).toBeInstanceOf(ScheduleFailure);
    expect(again.runs()).toBe(1);
    expect(replayed.replay).toBe(first.replay);
    expect(replayed.seed).toBe(first.seed);
    expect(replayed.trace).toEqual(first.trace);
  });

  it('SIMLOOP_REPLAY of a passing schedule passes after one run', async () => {
    const f = (await runSimTest(racy().scenario, { seed: 1, runs: 200 }, {}).catch((e: unknown) => e)) as ScheduleFailure;
    const c = correct();
    const report = await runSimTest(c.scenario, {}, { SIMLOOP_REPLAY: f.replay });
    expect(report.runs).toBe(1);
    expect(c.runs()).toBe(1);
  });

  it('SIMLOOP_RUNS overrides runs', async () => {
    const c = correct();
    const report = await runSimTest(c.scenario, { runs: 100, seed: 1 }, { SIMLOOP_RUNS: '7' });
    expect(report.runs).toBe(7);
    expect(c.runs()).toBe(7);
  });

  it('SIMLOOP_SEED overrides seed: the report names it, and a failure is the one explore gives for that seed', async () => {
    const report = await runSimTest(correct().scenario, { runs: 3, seed: 1 }, { SIMLOOP_SEED: 'ci-42' });
    expect(report.seed).toBe('ci-42');
    const viaEnv = (await runSimTest(racy().scenario, { seed: 1, runs: 200 }, { SIMLOOP_SEED: '8' }).catch((e: unknown) => e)) as ScheduleFailure;
    const direct = (await explore(racy().scenario, { seed: 8, runs: 200 }).catch((e: unknown) => e)) as ScheduleFailure;
    expect(viaEnv.replay).toBe(direct.replay);
    expect(decodeToken(viaEnv.replay).seed).toMatch(/^8#\d+$/);
  });

  it('an empty variable overrides nothing', async () => {
    const c = correct();
    const report = await runSimTest(c.scenario, { runs: 4, seed: 'kept' }, { SIMLOOP_RUNS: '', SIMLOOP_SEED: '', SIMLOOP_REPLAY: '' });
    expect(report).toMatchObject({ runs: 4, seed: 'kept' });
  });

  it('a malformed SIMLOOP_RUNS is a RangeError naming it and its value, before any run', async () => {
    for (const bad of ['abc', '0', '-3', '2.5', '1e3', '99999999999999999999']) {
      const c = correct();
      await expect(runSimTest(c.scenario, {}, { SIMLOOP_RUNS: bad })).rejects.toThrow(`SIMLOOP_RUNS must be an integer >= 1, got ${JSON.stringify(bad)}`);
      expect(c.runs()).toBe(0);
    }
  });

  it('a damaged SIMLOOP_REPLAY is a RangeError naming it', async () => {
    await expect(runSimTest(correct().scenario, {}, { SIMLOOP_REPLAY: 'sl3_AAAA' })).rejects.toThrow(/^SIMLOOP_REPLAY: the replay token is damaged/);
    await expect(runSimTest(correct().scenario, {}, { SIMLOOP_REPLAY: 'hello' })).rejects.toThrow(/SIMLOOP_REPLAY: not a simloop replay token/);
  });
});
