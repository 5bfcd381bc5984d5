import { BrokenBarrierError } from '../errors.js';
import { Condition } from './condition.js';
import { describeValue } from './describe-value.js';
import { Lock } from './lock.js';

/**
 * filling: tasks arrive and wait; draining: the barrier tripped and the
 * waiters are leaving (newcomers wait for them to be gone); resetting:
 * `reset()` was called and the waiters are leaving with BrokenBarrierError;
 * broken: `abort()` was called.
 */
type BarrierState = 'filling' | 'draining' | 'resetting' | 'broken';

/**
 * A barrier for a fixed number of tasks (asyncio.Barrier): `wait()` blocks
 * until `parties` tasks are waiting, then releases them all at once. It is
 * reusable: tasks arriving while the previous group is still leaving wait
 * for the next round.
 */
export class Barrier {
  /** Guards the state below and is notified whenever it changes; the barrier's loop binding is its. */
  private readonly _cond: Condition;
  private readonly _parties: number;
  private _state: BarrierState = 'filling';
  /** Tasks inside `wait()`: waiting while filling, leaving while draining or resetting. */
  private _count = 0;

  /**
   * A barrier for `parties` tasks. `TypeError` if it is not an integer,
   * `RangeError` if it is below 1.
   */
  constructor(parties: number) {
    if (typeof parties !== 'number' || !Number.isInteger(parties)) {
      throw new TypeError(`Barrier: parties must be an integer, got ${describeValue(parties)}`);
    }
    if (parties < 1) throw new RangeError(`Barrier: parties must be >= 1, got ${parties}`);
    this._parties = parties;
    // Every wait inside a barrier is a wait for the barrier, whichever
    // internal lock or condition it is parked on.
    const lock = new Lock();
    lock._waiterLabel = 'Barrier.wait()';
    this._cond = new Condition(lock);
    this._cond._waiterLabel = 'Barrier.wait()';
  }

  /**
   * Waits until `parties` tasks are waiting, then resolves, for each of them,
   * to a distinct arrival index from 0 to `parties - 1`. Throws
   * `BrokenBarrierError` if the barrier is reset or aborted while waiting,
   * or is broken on entry.
   */
  async wait(): Promise<number> {
    await this._cond.acquire();
    try {
      await this._block();
      try {
        const index = this._count;
        this._count += 1;
        if (index + 1 === this._parties) {
          this._release();
        } else {
          await this._wait();
        }
        return index;
      } finally {
        this._count -= 1;
        this._exit();
      }
    } finally {
      this._cond.release();
    }
  }

  /**
   * Returns the barrier to its empty, filling state. Tasks waiting on it
   * get `BrokenBarrierError`; a broken barrier becomes usable again.
   */
  async reset(): Promise<void> {
    await this._cond.acquire();
    try {
      if (this._count > 0) {
        this._state = 'resetting';
      } else {
        this._state = 'filling';
      }
      this._cond.notifyAll();
    } finally {
      this._cond.release();
    }
  }

  /**
   * Breaks the barrier: tasks waiting on it, and every later `wait()`, get
   * `BrokenBarrierError` until `reset()`.
   */
  async abort(): Promise<void> {
    await this._cond.acquire();
    try {
      this._state = 'broken';
      this._cond.notifyAll();
    } finally {
      this._cond.release();
    }
  }

  /** The number of tasks needed to trip the barrier. */
  get parties(): number {
    return this._parties;
  }

  /** The number of tasks waiting for the barrier to fill (0 while it drains or resets). */
  get nWaiting(): number {
    return this._state === 'filling' ? this._count : 0;
  }

  /** True once `abort()` was called (and `reset()` has not been since). */
  get broken(): boolean {
    return this._state === 'broken';
  }

  /** Waits while the previous round leaves; throws if the barrier is broken. */
  private async _block(): Promise<void> {
    await this._cond.waitFor(() => this._state !== 'draining' && this._state !== 'resetting');
    if (this._state === 'broken') throw new BrokenBarrierError('Barrier.wait(): the barrier was aborted');
  }

  /** The last arrival trips the barrier. */
  private _release(): void {
    this._state = 'draining';
    this._cond.notifyAll();
  }

  /** Waits for the barrier to trip; throws if it is reset or aborted meanwhile. */
  private async _wait(): Promise<void> {
    await this._cond.waitFor(() => this._state !== 'filling');
    if (this._state === 'broken' || this._state === 'resetting') {
      throw new BrokenBarrierError(`Barrier.wait(): the barrier was ${this._state === 'broken' ? 'aborted' : 'reset'}`);
    }
  }

  /** The last task to leave opens the barrier for the next round. */
  private _exit(): void {
    if (this._count === 0) {
      if (this._state === 'resetting' || this._state === 'draining') this._state = 'filling';
      this._cond.notifyAll();
    }
  }
}
