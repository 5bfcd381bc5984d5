import { describe, expect, it } from 'vitest';
import { createTask, InvalidStateError, ScheduleFailure, sleep, SimulationError } from '../../src/index.js';
import { explore, replay } from '../../src/explore/explore.js';
import { decodeToken, encodeToken } from '../../src/schedule/replay-token.js';
import type { SimWorld } from '../../src/backends/sim/sim-world.js';

/** A lost update across an await: two tasks read, yield, then write back. */
async function lostUpdate(_world: SimWorld): Promise<void> {
  let balance = 0;
  const deposit = async (): Promise<void> => {
    const read = balance;
    await sleep(0);
    balance = read + 1;
  };
  const a = createTask(deposit);
  const b = createTask(deposit);
  await a;
  await b;
  if (balance !== 2) throw new Error(`lost update: balance is ${balance}, expected 2`);
}

/** The same, fixed: the read and the write happen in one step. */
async function fixedUpdate(_world: SimWorld): Promise<void> {
  let balance = 0;
  const deposit = async (): Promise<void> => {
    await sleep(0);
    balance += 1;
  };
  await Promise.all([createTask(deposit), createTask(deposit)]);
  if (balance !== 2) throw new Error('lost update');
}

describe('explore', () => {
  it('finds a lost update and rejects with a ScheduleFailure carrying seed, token, trace and cause', async () => {
    const err = await explore(lostUpdate, { runs: 50, seed: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScheduleFailure);
    const f = err as ScheduleFailure;
    expect(f.seed).toMatch(/^1#\d+$/);
    expect(f.replay).toMatch(/^sl3_/);
    expect(f.trace.length).toBeGreaterThan(0);
    expect((f.cause as Error).message).toContain('lost update');
    expect(f.message).toContain('replay(scenario,');
    expect(f.message).toContain(f.replay);
  });

  it('resolves with a report when every run passes', async () => {
    const report = await explore(fixedUpdate, { runs: 30, seed: 'abc' });
    expect(report.runs).toBe(30);
    expect(report.seed).toBe('abc');
    expect(report.strategy).toBe('random');
    expect(report.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it('gives the same failure for the same seed and options', async () => {
    const a = (await explore(lostUpdate, { runs: 50, seed: 7 }).catch((e: unknown) => e)) as ScheduleFailure;
    const b = (await explore(lostUpdate, { runs: 50, seed: 7 }).catch((e: unknown) => e)) as ScheduleFailure;
    expect(a.seed).toBe(b.seed);
    expect(a.replay).toBe(b.replay);
    expect(a.trace).toEqual(b.trace);
  });

  it('replays a token to the same failure and the same trace', async () => {
    const f = (await explore(lostUpdate, { runs: 50, seed: 3 }).catch((e: unknown) => e)) as ScheduleFailure;
    const again = (await replay(lostUpdate, f.replay).catch((e: unknown) => e)) as ScheduleFailure;
    expect(again).toBeInstanceOf(ScheduleFailure);
    expect(again.trace).toEqual(f.trace);
    expect((again.cause as Error).message).toBe((f.cause as Error).message);
  });

  it('shrinks the failing schedule to one non-FIFO pick', async () => {
    const f = (await explore(lostUpdate, { runs: 50, seed: 5 }).catch((e: unknown) => e)) as ScheduleFailure;
    const t = decodeToken(f.replay);
    expect(t.decisions.picks.filter((p) => p !== 0).length).toBeLessThanOrEqual(1);
  });

  it('finds the lost update with pct too', async () => {
    const err = await explore(lostUpdate, { runs: 50, seed: 2, strategy: 'pct' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScheduleFailure);
    expect(decodeToken((err as ScheduleFailure).replay).strategy).toBe('pct');
  });

  it('ends every run of a task spinning on sleep(0) until a lower-priority one sets a flag, under pct (the starvation limit)', async () => {
    const spinner = async (): Promise<void> => {
      let flag = false;
      let spins = 0;
      const waiter = createTask(async () => {
        while (!flag) {
          spins++;
          await sleep(0);
        }
      });
      const setter = createTask(async () => {
        await sleep(0);
        flag = true;
      });
      await waiter;
      await setter;
      // PCT would let the spinner run for ever when it has the higher priority; the limit bounds the spins.
      expect(spins).toBeLessThan(4 * 1024);
    };
    const report = await explore(spinner, { runs: 40, seed: 3, strategy: 'pct' });
    expect(report.runs).toBe(40);
  });

  it('rejects a token that does not fit the scenario with a RangeError naming the step', async () => {
    const token = encodeToken({ strategy: 'random', depth: 3, seed: 'x', world: {}, decisions: { picks: [7], draws: {} } });
    await expect(replay(lostUpdate, token)).rejects.toThrow(/pick #0 chose ready origin 7, but only 2 were ready/);
  });

  it('runs a token whose picks are never asked as a passing schedule', async () => {
    const f = (await explore(lostUpdate, { runs: 50, seed: 5 }).catch((e: unknown) => e)) as ScheduleFailure;
    const noRace = async (): Promise<void> => {
      await sleep(1);
    };
    await expect(replay(noRace, f.replay)).resolves.toBeUndefined();
  });

  it('reports leaked nondeterminism with selfCheck', async () => {
    let calls = 0;
    const flaky = async (): Promise<void> => {
      calls++;
      await sleep(calls % 2 === 0 ? 2 : 1);
    };
    const err = await explore(flaky, { runs: 2, seed: 1, selfCheck: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimulationError);
    expect((err as Error).message).toContain('part at event');
  });

  it('rejects bad options with TypeError/RangeError naming them', async () => {
    await expect(explore(fixedUpdate, { runs: 0 })).rejects.toThrow(RangeError);
    await expect(explore(fixedUpdate, { strategy: 'dfs' as never })).rejects.toThrow(/strategy/);
    await expect(explore(fixedUpdate, { depth: 1.5 })).rejects.toThrow(/depth/);
    await expect(explore(42 as never)).rejects.toThrow(TypeError);
    await expect(replay(fixedUpdate, 'nope')).rejects.toThrow(RangeError);
    await expect(replay(fixedUpdate, 'sl3_AAAA')).rejects.toThrow(/damaged/);
  });

  it('passes world options to every run', async () => {
    const err = await explore(
      async () => {
        createTask(() => sleep(10));
      },
      { runs: 1, seed: 1, world: { strict: true } },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScheduleFailure);
    expect(((err as ScheduleFailure).cause as Error).name).toBe('SimulationError');
    void InvalidStateError;
  });
});
