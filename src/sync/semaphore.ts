import { isCancelledError } from '../errors.js';
import type { Future } from '../tasks/future.js';
import { describeValue } from './describe-value.js';
import { LoopBound } from './loop-bound.js';
import { removeWaiter } from './waiter-list.js';

/**
 * A counting semaphore (asyncio.Semaphore, 3.13 semantics). Acquirers are
 * served in FIFO order: a newcomer does not overtake queued waiters even
 * when the counter is positive, and a waiter cancelled after it was woken
 * gives its unit back to the next one, so no release is ever lost.
 */
export class Semaphore extends LoopBound {
  /** Created on the first wait: most semaphores are never contended. */
  private _waiters: Future<boolean>[] | null = null;
  /**
   * Free units. A waiter woken by `_wakeUpNext` has its unit taken from here
   * when it is woken, not when it runs, so a later acquirer cannot steal it.
   */
  protected _value: number;

  /** @internal */
  protected get _kind(): string {
    return 'Semaphore';
  }

  /**
   * A semaphore with `value` free units (default 1). `TypeError` if `value`
   * is not an integer, `RangeError` if it is negative.
   */
  constructor(value = 1) {
    super();
    const owner = this._kind;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new TypeError(`${owner}: value must be an integer, got ${describeValue(value)}`);
    }
    if (value < 0) throw new RangeError(`${owner}: value must be >= 0, got ${value}`);
    this._value = value;
  }

  /**
   * True when `acquire()` would wait: no unit is free, or some waiter that
   * is still live is queued ahead (FIFO).
   */
  locked(): boolean {
    return this._value === 0 || (this._waiters !== null && this._waiters.some((w) => !w.cancelled()));
  }

  /**
   * Takes one unit, waiting in FIFO order until one is free, and resolves to
   * `true`. It does not yield when a unit is free and nobody is queued.
   */
  async acquire(): Promise<true> {
    if (!this.locked()) {
      this._value -= 1;
      return true;
    }
    const waiters = (this._waiters ??= []);
    const fut = this._getLoop().createFuture<boolean>();
    fut._label = 'Semaphore.acquire()';
    waiters.push(fut);
    try {
      try {
        await fut;
      } finally {
        removeWaiter(waiters, fut);
      }
    } catch (err) {
      // Woken (our unit already taken for us) but cancelled before we ran:
      // give the unit back so that the loop below hands it to the next waiter.
      if (isCancelledError(err) && fut.done() && !fut.cancelled()) this._value += 1;
      throw err;
    } finally {
      // Waiters that arrived while units were free queued up behind us for
      // FIFO's sake; wake as many of them as there are units.
      while (this._value > 0) {
        if (!this._wakeUpNext()) break;
      }
    }
    return true;
  }

  /** Returns one unit and wakes the first waiter, if any. */
  release(): void {
    this._value += 1;
    this._wakeUpNext();
  }

  /** Wakes the first waiter not yet woken, taking a unit for it; false if there is none. */
  private _wakeUpNext(): boolean {
    if (this._waiters === null) return false;
    for (const fut of this._waiters) {
      if (!fut.done()) {
        this._value -= 1;
        fut.setResult(true);
        return true;
      }
    }
    return false;
  }
}

/**
 * A semaphore that refuses to grow past its initial value
 * (asyncio.BoundedSemaphore): releasing it more often than it was acquired
 * throws `RangeError`, which catches release-without-acquire bugs.
 */
export class BoundedSemaphore extends Semaphore {
  private readonly _boundValue: number;

  /** @internal */
  protected override get _kind(): string {
    return 'BoundedSemaphore';
  }

  /** A bounded semaphore with `value` units (default 1); arguments as for `Semaphore`. */
  constructor(value = 1) {
    super(value);
    this._boundValue = value;
  }

  /** Returns one unit; `RangeError` if that would exceed the initial value. */
  override release(): void {
    if (this._value >= this._boundValue) {
      throw new RangeError(`BoundedSemaphore.release(): released too many times (initial value ${this._boundValue})`);
    }
    super.release();
  }
}
