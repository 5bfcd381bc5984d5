import { describe, expect, test } from 'vitest';
import { createTask, gather, simulate } from '../../../src/index.js';
import { replay } from '../../../src/explore/explore.js';
import { decodeToken } from '../../../src/schedule/replay-token.js';
import * as race from '../../../examples/races/bank-transfer.js';
import { buggy, payday, paydayAccounts, transfer, transferSafely } from '../../../examples/races/bank-transfer.js';
import { failureOf, raceSpecs } from './support.js';

describe('examples/races/bank-transfer: a lost update across an await', () => {
  raceSpecs(race, { cause: [Error, /^lost update: balances are .* expected bob 100 and total 250$/] });

  test('the shrunk schedule departs from the FIFO order by one decision, and its token replays the failure', async () => {
    const f = await failureOf(buggy, { runs: 100, seed: 1 });
    const picks = decodeToken(f.replay).decisions.picks;
    expect(picks.filter((p) => p !== 0)).toHaveLength(1);
    const db = paydayAccounts();
    await expect(replay(() => payday(transfer, db), f.replay)).rejects.toThrow(/lost update/);
    expect(db.snapshot()).toEqual({ alice: 70, bob: 70, carol: 80 });
  });

  test('the database records each query with its time, task and value', async () => {
    const db = paydayAccounts();
    await simulate(() => payday(transferSafely, db));
    expect(db.history.filter((q) => q.op === 'write').map((q) => `${q.task} ${q.account}=${q.value}`)).toEqual([
      'alice-pays-bob alice=70',
      'carol-pays-bob carol=80',
      'alice-pays-bob bob=80',
      'carol-pays-bob bob=100',
    ]);
  });

  test('transferSafely refuses to overdraw, and moves nothing then', async () => {
    const db = paydayAccounts();
    await simulate(async () => {
      await expect(transferSafely(db, 'bob', 'alice', 60)).rejects.toThrow(RangeError);
    });
    expect(db.snapshot()).toEqual({ alice: 100, bob: 50, carol: 100 });
  });

  test('many concurrent safe transfers keep the total', async () => {
    const db = paydayAccounts();
    await simulate(async () => {
      const moves = [['alice', 'bob'], ['bob', 'carol'], ['carol', 'alice'], ['alice', 'carol'], ['bob', 'alice']] as const;
      await gather(moves.map(([from, to]) => createTask(() => transferSafely(db, from, to, 10))));
    }, { strategy: 'random', seed: 9 });
    expect(db.total()).toBe(250);
  });
});
