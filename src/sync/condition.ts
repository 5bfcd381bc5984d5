import { InvalidStateError, isCancelledError } from '../errors.js';
import type { Future } from '../tasks/future.js';
import { describeValue } from './describe-value.js';
import { Lock } from './lock.js';
import { LoopBound } from './loop-bound.js';
import { removeWaiter } from './waiter-list.js';

/**
 * A condition variable over a `Lock` (asyncio.Condition). `wait()` releases
 * the lock, sleeps until notified, and always re-acquires the lock before
 * it returns or throws, cancellation included. Like every condition
 * variable it may wake spuriously, so callers re-check their predicate
 * (which `waitFor` does).
 */
export class Condition extends LoopBound {
  private readonly _lock: Lock;
  private readonly _waiters: Future<boolean>[] = [];
  /** @internal What a deadlock report says a blocked waiter waits for; a Barrier renames it. */
  _waiterLabel = 'Condition.wait()';

  /** @internal */
  protected get _kind(): string {
    return 'Condition';
  }

  /** Uses `lock` as the underlying lock, or a new `Lock` when none (or null) is given. */
  constructor(lock?: Lock | null) {
    super();
    if (lock === undefined || lock === null) {
      lock = new Lock();
    } else if (!(lock instanceof Lock)) {
      throw new TypeError(`Condition: lock must be a Lock, got ${describeValue(lock)}`);
    }
    this._lock = lock;
  }

  /** True while the underlying lock is held. */
  locked(): boolean {
    return this._lock.locked();
  }

  /** Acquires the underlying lock (see `Lock.acquire`). */
  acquire(): Promise<true> {
    return this._lock.acquire();
  }

  /** Releases the underlying lock (see `Lock.release`). */
  release(): void {
    this._lock.release();
  }

  /**
   * Releases the lock, waits until notified, re-acquires the lock and
   * resolves to `true`. Throws `InvalidStateError` when the lock is not
   * held. When cancelled it still re-acquires the lock first, then throws
   * the `CancelledError`, so the caller's `finally { release() }` stays right.
   */
  async wait(): Promise<true> {
    if (!this.locked()) throw new InvalidStateError('Condition.wait(): the lock is not acquired; acquire() it first');
    const fut = this._getLoop().createFuture<boolean>();
    fut._label = this._waiterLabel;
    this.release();
    try {
      try {
        this._waiters.push(fut);
        try {
          await fut;
          return true;
        } finally {
          removeWaiter(this._waiters, fut);
        }
      } finally {
        // Re-acquire no matter what; a cancellation that arrives while we
        // wait for the lock is remembered and re-thrown once we hold it.
        // Only cancellations are retried: anything else is a real failure
        // and must not make us spin.
        let cancelled: unknown = null;
        for (;;) {
          try {
            await this.acquire();
            break;
          } catch (err) {
            if (!isCancelledError(err)) throw err;
            cancelled = err;
          }
        }
        if (cancelled !== null) throw cancelled;
      }
    } catch (err) {
      // We may have been notified just before failing: hand the notification
      // to another waiter rather than lose it (a spurious wakeup at worst).
      this._notify(1);
      throw err;
    }
  }

  /**
   * Waits until `predicate()` is truthy and resolves to its value. The
   * predicate is checked first (with the lock held), then after each wakeup.
   */
  async waitFor<T>(predicate: () => T): Promise<T> {
    if (typeof predicate !== 'function') {
      throw new TypeError(`Condition.waitFor: predicate must be a function, got ${describeValue(predicate)}`);
    }
    let result = predicate();
    while (!result) {
      await this.wait();
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiting tasks (default 1). They return from `wait()`
   * only once they get the lock, which the caller still holds. Throws
   * `InvalidStateError` when the lock is not held.
   */
  notify(n = 1): void {
    if (typeof n !== 'number' || Number.isNaN(n)) {
      throw new TypeError(`Condition.notify: n must be a number, got ${describeValue(n)}`);
    }
    if (!this.locked()) throw new InvalidStateError('Condition.notify(): the lock is not acquired; acquire() it first');
    this._notify(n);
  }

  /** Wakes every waiting task. Throws `InvalidStateError` when the lock is not held. */
  notifyAll(): void {
    this.notify(this._waiters.length);
  }

  private _notify(n: number): void {
    let woken = 0;
    for (const fut of this._waiters) {
      if (woken >= n) break;
      if (!fut.done()) {
        woken += 1;
        fut.setResult(false);
      }
    }
  }
}
