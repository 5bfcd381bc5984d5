import type { Future } from '../tasks/future.js';
import { LoopBound } from './loop-bound.js';
import { removeWaiter } from './waiter-list.js';

/**
 * A flag that tasks can wait for (asyncio.Event). `set()` wakes every
 * current waiter, even if `clear()` follows before they run; `wait()` on a
 * set event returns without yielding.
 */
export class Event extends LoopBound {
  private readonly _waiters: Future<boolean>[] = [];
  private _value = false;
  /** @internal What a deadlock report says a blocked waiter waits for; Queue.join() renames it. */
  _waiterLabel = 'Event.wait()';

  /** @internal */
  protected get _kind(): string {
    return 'Event';
  }

  /** True once `set()` was called and `clear()` has not been since. */
  isSet(): boolean {
    return this._value;
  }

  /** Sets the flag and wakes every task waiting for it. */
  set(): void {
    if (this._value) return;
    this._value = true;
    for (const fut of this._waiters) {
      if (!fut.done()) fut.setResult(true);
    }
  }

  /** Resets the flag; later `wait()` calls block until the next `set()`. */
  clear(): void {
    this._value = false;
  }

  /** Resolves to `true` once the flag is set (at once if it already is). */
  async wait(): Promise<true> {
    if (this._value) return true;
    const fut = this._getLoop().createFuture<boolean>();
    fut._label = this._waiterLabel;
    this._waiters.push(fut);
    try {
      await fut;
      return true;
    } finally {
      removeWaiter(this._waiters, fut);
    }
  }
}
