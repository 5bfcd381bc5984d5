import { InvalidStateError } from '../errors.js';
import type { Future } from '../tasks/future.js';
import { LoopBound } from './loop-bound.js';
import { removeWaiter } from './waiter-list.js';

/**
 * A mutual-exclusion lock for tasks (asyncio.Lock). It is not owned by a
 * task: any code may release it. Waiters acquire it in FIFO order, and a
 * waiter cancelled at any stage (before or after it was woken) never
 * loses the wakeup it was given: the next waiter gets it.
 */
export class Lock extends LoopBound {
  /** Created on the first wait: most locks are never contended. */
  private _waiters: Future<boolean>[] | null = null;
  private _locked = false;
  /** @internal What a deadlock report says a blocked acquirer waits for; a Barrier renames it. */
  _waiterLabel = 'Lock.acquire()';

  /** @internal */
  protected get _kind(): string {
    return 'Lock';
  }

  /** True while the lock is held. */
  locked(): boolean {
    return this._locked;
  }

  /**
   * Waits until the lock is free, takes it, and resolves to `true`. It takes
   * the lock without yielding when it is free and nobody is queued ahead.
   */
  async acquire(): Promise<true> {
    // Queue-jumping is allowed only when every queued waiter is cancelled
    // (they are about to leave); otherwise a newcomer would overtake them.
    if (!this._locked && (this._waiters === null || this._waiters.every((w) => w.cancelled()))) {
      this._locked = true;
      return true;
    }
    const waiters = (this._waiters ??= []);
    const fut = this._getLoop().createFuture<boolean>();
    fut._label = this._waiterLabel;
    waiters.push(fut);
    try {
      try {
        await fut;
      } finally {
        removeWaiter(waiters, fut);
      }
    } catch (err) {
      // We may have been woken by release() and cancelled before we ran:
      // if nobody holds the lock, pass the wakeup on to the new head, or
      // every remaining waiter would sleep on a free lock.
      if (!this._locked) this._wakeUpFirst();
      throw err;
    }
    this._locked = true;
    return true;
  }

  /**
   * Frees the lock and wakes the first queued waiter, if any. Throws
   * `InvalidStateError` when the lock is not held.
   */
  release(): void {
    if (!this._locked) throw new InvalidStateError('Lock.release(): the lock is not acquired');
    this._locked = false;
    this._wakeUpFirst();
  }

  /** Wakes the head waiter unless it is already woken (done) or gone. */
  private _wakeUpFirst(): void {
    const first = this._waiters?.[0];
    if (first !== undefined && !first.done()) first.setResult(true);
  }
}
