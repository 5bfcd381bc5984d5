import { TimeoutError } from '../errors.js';
import type { EventLoop } from '../loop/event-loop.js';
import type { Handle } from '../loop/handle.js';
import type { Awaitable } from '../loop/loop-hooks.js';
import { getRunningLoop } from '../loop/running-loop.js';
import { ensureFuture } from './ensure-future.js';
import type { Future } from './future.js';
import { checkDelay } from './sleep.js';

/**
 * An awaitable that starts waiting only when first awaited (its `then` is
 * called), as the coroutines asyncio's `as_completed` yields do: so the one
 * awaited first takes the first result, and ones never awaited take nothing
 * and never reject on their own.
 */
class LazyResult<T> implements Promise<T> {
  private _promise: Promise<T> | null = null;

  constructor(private readonly _start: () => Promise<T>) {}

  private _started(): Promise<T> {
    return (this._promise ??= this._start());
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this._started().then(onFulfilled, onRejected);
  }

  catch<R = never>(onRejected?: ((reason: any) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this._started().catch(onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<T> {
    return this._started().finally(onFinally);
  }

  get [Symbol.toStringTag](): string {
    return 'Promise';
  }
}

/**
 * What `asCompleted` returns: iterate it (`for ... of`) for awaitables that
 * resolve to the results in completion order (whichever is awaited first gets
 * the first result), or `for await` it for the original futures and tasks as
 * they finish (asyncio 3.13). After `timeout` the remaining ones throw
 * `TimeoutError`; nothing is cancelled.
 */
export class AsCompletedIterator<T> implements Iterable<Promise<T>>, AsyncIterable<Future<T>> {
  private readonly _loop: EventLoop;
  private readonly _todo = new Set<Future<T>>();
  /** Finished futures not yet handed out; null marks the timeout (and stays, so every later wait fails too). */
  private readonly _done: (Future<T> | null)[] = [];
  /** Wakeups of the waits in progress, oldest first (as asyncio.Queue's getters: the items stay in `_done`). */
  private readonly _getters: Future<void>[] = [];
  private _todoLeft: number;
  private readonly _timer: Handle | null;

  /** @internal */
  constructor(aws: Iterable<Awaitable<T>>, timeout: number | null) {
    this._loop = getRunningLoop();
    for (const aw of new Set(aws)) this._todo.add(ensureFuture(aw, this._loop));
    this._todoLeft = this._todo.size;
    this._timer = timeout === null || this._todo.size === 0 ? null : this._loop.callLater(timeout, this._onTimeout);
    for (const f of this._todo) f.addDoneCallback(this._onCompletion);
  }

  private readonly _onTimeout = (): void => {
    for (const f of this._todo) f.removeDoneCallback(this._onCompletion);
    this._todo.clear();
    this._done.push(null);
    // Every wait in progress (and any later one) sees the timeout.
    for (const g of this._getters.splice(0)) if (!g.done()) g.setResult(undefined);
  };

  private readonly _onCompletion = (f: Future<T>): void => {
    if (!this._todo.has(f)) return;
    this._todo.delete(f);
    this._done.push(f);
    this._wakeupNext();
    if (this._todo.size === 0) this._timer?.cancel();
  };

  private _wakeupNext(): void {
    while (this._getters.length > 0) {
      const g = this._getters.shift()!;
      // A cancelled wait left its getter behind; it takes nothing.
      if (!g.done()) {
        g.setResult(undefined);
        return;
      }
    }
  }

  // Futures are thenables, which promise resolution would unwrap: they travel boxed.
  private async _waitForOne(): Promise<{ f: Future<T> }> {
    while (this._done.length === 0) {
      const getter = this._loop.createFuture<void>();
      getter._label = 'asCompleted()';
      this._getters.push(getter);
      try {
        await getter;
      } catch (e) {
        // Cancelled: give the turn to the next wait if a result is there,
        // so that no result is lost to a wait that no longer wants it.
        getter.cancel();
        const i = this._getters.indexOf(getter);
        if (i >= 0) this._getters.splice(i, 1);
        if (this._done.length > 0 && !getter.cancelled()) this._wakeupNext();
        throw e;
      }
    }
    const f = this._done[0]!;
    if (f === null) throw new TimeoutError('asCompleted: timed out');
    this._done.shift();
    return { f };
  }

  *[Symbol.iterator](): Iterator<Promise<T>> {
    while (this._todoLeft > 0) {
      this._todoLeft--;
      yield new LazyResult(() => this._waitForOne().then((box) => box.f.result()));
    }
  }

  // Written by hand: an async generator would await the yielded futures and
  // hand out their results instead of the futures themselves.
  [Symbol.asyncIterator](): AsyncIterator<Future<T>> {
    return {
      next: async (): Promise<IteratorResult<Future<T>>> => {
        if (this._todoLeft <= 0) return { done: true, value: undefined };
        this._todoLeft--;
        const box = await this._waitForOne();
        return { done: false, value: box.f };
      },
    };
  }
}

/** Iterate `aws` in completion order; see `AsCompletedIterator`. */
export function asCompleted<T>(aws: Iterable<Awaitable<T>>, opts: { timeout?: number | null } = {}): AsCompletedIterator<T> {
  if (aws === null || typeof aws !== 'object' || typeof (aws as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError('asCompleted: aws must be an iterable of awaitables');
  }
  const timeout = opts.timeout ?? null;
  if (timeout !== null) checkDelay(timeout, 'asCompleted: opts.timeout');
  return new AsCompletedIterator(aws, timeout);
}
