/**
 * The database the bank examples talk to: a table of balances behind an
 * async API. Every query is one round trip that takes `QUERY_MS` of virtual
 * time and reads or writes when its answer arrives, as a real database's
 * would; each row has a lock (`SELECT ... FOR UPDATE`) for the code that
 * needs one.
 */
import { currentTask, getRunningLoop, Lock, sleep } from '../../src/index.js';

/** One database round trip, in ms. */
export const QUERY_MS = 2;

/** A query as the database saw it: when its answer arrived, for which task, and what it read or wrote. */
export interface QueryRecord {
  time: number;
  task: string;
  op: 'read' | 'write';
  account: string;
  value: number;
}

/** Balances by account name, with a lock per row. */
export class AccountStore {
  private readonly balances: Map<string, number>;
  private readonly locks = new Map<string, Lock>();
  /** Every query answered so far, in order (what a demo prints to tell the story of a run). */
  readonly history: QueryRecord[] = [];

  constructor(initial: Readonly<Record<string, number>>) {
    this.balances = new Map(Object.entries(initial));
  }

  /** The balance of `account` as of the moment the answer arrives. */
  async balance(account: string): Promise<number> {
    await sleep(QUERY_MS);
    const value = this.row(account);
    this.record('read', account, value);
    return value;
  }

  /** Sets the balance of `account` (it takes effect when the answer arrives). */
  async setBalance(account: string, value: number): Promise<void> {
    this.row(account);
    await sleep(QUERY_MS);
    this.balances.set(account, value);
    this.record('write', account, value);
  }

  /** The row lock of `account`: whoever holds it may read, decide and write back. */
  lock(account: string): Lock {
    this.row(account);
    let lock = this.locks.get(account);
    if (lock === undefined) this.locks.set(account, (lock = new Lock()));
    return lock;
  }

  /** Every balance, now (no round trip: for the scenario's own checks). */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.balances);
  }

  /** The sum of all balances: transfers must keep it. */
  total(): number {
    let sum = 0;
    for (const v of this.balances.values()) sum += v;
    return sum;
  }

  private record(op: QueryRecord['op'], account: string, value: number): void {
    this.history.push({ time: getRunningLoop().time(), task: currentTask()?.getName() ?? '(callback)', op, account, value });
  }

  private row(account: string): number {
    const v = this.balances.get(account);
    if (v === undefined) throw new RangeError(`AccountStore: no account named ${JSON.stringify(account)}`);
    return v;
  }
}
