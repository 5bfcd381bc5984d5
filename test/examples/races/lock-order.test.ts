import { describe, expect, test } from 'vitest';
import { createTask, DeadlockError, gather, simulate } from '../../../src/index.js';
import { AccountStore } from '../../../examples/races/account-store.js';
import * as race from '../../../examples/races/lock-order.js';
import { buggy, transferInOrder } from '../../../examples/races/lock-order.js';
import { failureOf, raceSpecs } from './support.js';

describe('examples/races/lock-order: two locks taken in opposite orders', () => {
  raceSpecs(race, { cause: [DeadlockError, /^deadlock at \d+ ms/] });

  test('the deadlock report names both payments and the lock each waits for', async () => {
    const f = await failureOf(buggy, { runs: 100, seed: 2 });
    const message = (f.cause as Error).message;
    expect(message).toContain('alice-pays-bob awaits Lock.acquire()');
    expect(message).toContain('bob-pays-alice awaits Lock.acquire()');
  });

  test('transfers in ordered locks never deadlock, even in a ring', async () => {
    const db = new AccountStore({ a: 100, b: 100, c: 100 });
    await simulate(async () => {
      const ring = [['a', 'b'], ['b', 'c'], ['c', 'a']] as const;
      await gather(ring.map(([from, to]) => createTask(() => transferInOrder(db, from, to, 10))));
    }, { strategy: 'random', seed: 4 });
    expect(db.snapshot()).toEqual({ a: 100, b: 100, c: 100 });
  });
});
