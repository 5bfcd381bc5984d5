/**
 * Two locks taken in opposite orders: a deadlock.
 *
 * To move money atomically, `transfer` locks the payer's row, checks the
 * funds, then locks the payee's row and moves the money. Alice pays Bob while
 * Bob, one query later, pays Alice. If each payment takes its first lock
 * before the other takes its second, each waits for the lock the other holds,
 * forever. In a simulation that is a `DeadlockError` at once, listing both
 * tasks and the `Lock.acquire()` each waits on.
 *
 * Under asyncio's own order (`'fifo'`) the run passes every time: Alice's
 * funds check and Bob's arrival are due at the same virtual millisecond and
 * run in the order they were scheduled, so Alice's payment takes Bob's row
 * before Bob's payment asks for it. The other order deadlocks; `explore`
 * finds it.
 *
 * The fix (`transferInOrder`): every transfer takes the two row locks in one
 * global order (by account name), so no cycle of waiters can form.
 */
import type { Lock, SimWorld } from '../../src/index.js';
import { AccountStore } from './account-store.js';
import { checkFunds, twoPayments, type Transfer } from './bank-transfer.js';

async function moveLocked(db: AccountStore, from: string, to: string, amount: number): Promise<void> {
  const fromBalance = await db.balance(from);
  checkFunds(from, fromBalance, amount);
  const toBalance = await db.balance(to);
  await db.setBalance(from, fromBalance - amount);
  await db.setBalance(to, toBalance + amount);
}

async function holding<T>(locks: readonly Lock[], body: () => Promise<T>): Promise<T> {
  const held: Lock[] = [];
  try {
    for (const lock of locks) {
      await lock.acquire();
      held.push(lock);
    }
    return await body();
  } finally {
    for (const lock of held.reverse()) lock.release();
  }
}

/** Buggy: locks the payer, checks its funds, then locks the payee (opposite payments lock in opposite orders). */
export async function transfer(db: AccountStore, from: string, to: string, amount: number): Promise<void> {
  const payer = db.lock(from);
  await payer.acquire();
  try {
    const balance = await db.balance(from);
    checkFunds(from, balance, amount);
    await holding([db.lock(to)], () => moveLocked(db, from, to, amount));
  } finally {
    payer.release();
  }
}

/** Fixed: takes both row locks in account-name order, whichever way the money goes. */
export async function transferInOrder(db: AccountStore, from: string, to: string, amount: number): Promise<void> {
  const [first, second] = from < to ? [from, to] : [to, from];
  await holding([db.lock(first), db.lock(second)], () => moveLocked(db, from, to, amount));
}

/** Alice pays Bob 30; one query later Bob pays Alice 20. Both must complete, and the books must balance. */
export async function settleUp(pay: Transfer): Promise<void> {
  const db = new AccountStore({ alice: 100, bob: 100 });
  await twoPayments(db, pay, ['alice', 'bob', 30], ['bob', 'alice', 20]);
  const after = db.snapshot();
  if (after.alice !== 90 || after.bob !== 110) throw new Error(`wrong balances after settling up: ${JSON.stringify(after)}, expected alice 90 and bob 110`);
}

/** The buggy scenario (the default export, for `explore` and the CLI): some schedules deadlock. */
export async function buggy(_world: SimWorld): Promise<void> {
  await settleUp(transfer);
}

/** The fixed scenario: passes under every schedule. */
export async function fixed(_world: SimWorld): Promise<void> {
  await settleUp(transferInOrder);
}

export default buggy;
