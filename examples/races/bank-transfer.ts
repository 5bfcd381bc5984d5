/**
 * A lost update across an await: the classic bank-transfer race.
 *
 * `transfer` debits and then credits, each as "read the balance, await, write
 * it back". Two payments to Bob arrive one query apart. While the first one
 * is between reading Bob's balance and writing it back, the second one reads
 * the same old balance; whichever writes last wins and the other payment
 * vanishes (money leaves Alice or Carol and never reaches Bob).
 *
 * Under asyncio's own order (`'fifo'`) the run passes every time: every
 * query takes 2 ms and Carol's payment arrives 2 ms in, so the two payments'
 * events fall due at the same virtual milliseconds; ties run in the order
 * they were scheduled, which keeps Alice's payment a step ahead, and its
 * write of Bob's balance lands before Carol's payment reads it. Let Carol's
 * payment go first at one of those ties, as real timing jitter will sooner
 * or later, and it reads Bob's old balance: 30 vanish. `explore` tries such
 * orders, and shrinks the failure to the one tie that matters.
 *
 * The fix (`transferSafely`): hold the row's lock across each
 * read-modify-write, one row at a time (never two at once: see lock-order.ts
 * for what nesting them invites).
 */
import { createTask, gather, sleep, type SimWorld } from '../../src/index.js';
import { AccountStore, QUERY_MS } from './account-store.js';

/** A transfer between two accounts of a store. */
export type Transfer = (db: AccountStore, from: string, to: string, amount: number) => Promise<void>;

/** Throws a RangeError when `from` cannot pay `amount` out of `balance`. */
export function checkFunds(from: string, balance: number, amount: number): void {
  if (balance < amount) throw new RangeError(`transfer: ${from} has ${balance}, cannot pay ${amount}`);
}

/** Buggy: each leg reads, awaits, and writes back what it read plus or minus `amount`. */
export async function transfer(db: AccountStore, from: string, to: string, amount: number): Promise<void> {
  const fromBalance = await db.balance(from);
  checkFunds(from, fromBalance, amount);
  await db.setBalance(from, fromBalance - amount);
  const toBalance = await db.balance(to);
  // Another payment to `to` may have landed since the read: this write erases it.
  await db.setBalance(to, toBalance + amount);
}

/** Fixed: each leg holds its row's lock from the read to the write. */
export async function transferSafely(db: AccountStore, from: string, to: string, amount: number): Promise<void> {
  await adjust(db, from, -amount);
  await adjust(db, to, amount);
}

async function adjust(db: AccountStore, account: string, delta: number): Promise<void> {
  const lock = db.lock(account);
  await lock.acquire();
  try {
    const balance = await db.balance(account);
    if (delta < 0) checkFunds(account, balance, -delta);
    await db.setBalance(account, balance + delta);
  } finally {
    lock.release();
  }
}

/** The accounts before payday. */
export function paydayAccounts(): AccountStore {
  return new AccountStore({ alice: 100, bob: 50, carol: 100 });
}

/** Who pays whom, how much. */
export type Payment = readonly [from: string, to: string, amount: number];

/** Makes two payments at once, each a task named `<from>-pays-<to>`; the second arrives one query after the first. */
export async function twoPayments(db: AccountStore, pay: Transfer, first: Payment, second: Payment): Promise<void> {
  const start = ([from, to, amount]: Payment, delayMs: number) =>
    createTask(
      async () => {
        if (delayMs > 0) await sleep(delayMs);
        await pay(db, from, to, amount);
      },
      { name: `${from}-pays-${to}` },
    );
  await gather([start(first, 0), start(second, QUERY_MS)]);
}

/** Alice pays Bob 30; one query later Carol pays Bob 20. No money may appear or vanish. */
export async function payday(pay: Transfer, db: AccountStore = paydayAccounts()): Promise<void> {
  await twoPayments(db, pay, ['alice', 'bob', 30], ['carol', 'bob', 20]);
  const after = db.snapshot();
  if (db.total() !== 250 || after.bob !== 100) {
    throw new Error(`lost update: balances are ${JSON.stringify(after)} (total ${db.total()}), expected bob 100 and total 250`);
  }
}

/** The buggy scenario (the default export, for `explore` and the CLI). */
export async function buggy(_world: SimWorld): Promise<void> {
  await payday(transfer);
}

/** The fixed scenario: passes under every schedule. */
export async function fixed(_world: SimWorld): Promise<void> {
  await payday(transferSafely);
}

export default buggy;
