import { TimeoutError } from '../errors.js';
import type { EventLoop } from '../loop/event-loop.js';
import type { Handle } from '../loop/handle.js';
import type { Awaitable } from '../loop/loop-hooks.js';
import { getRunningLoop } from '../loop/running-loop.js';
import { ensureFuture } from './ensure-future.js';
import type { Future } from './future.js';
import { checkDelay } from './sleep.js';

/**
 * What `asCompleted` returns: iterate it (`for ... of`) for awaitables that
 * resolve to the results in completion order (whichever is awaited first gets
 * the first result), or `for await` it for the original futures and tasks as
 * they finish (asyncio 3.13). After `timeout` the remaining ones throw
 * `TimeoutError`.
 */
export class AsCompletedIterator<T> implements Iterable<Promise<T>>, AsyncIterable<Future<T>> {
  private readonly _loop: EventLoop;
  private readonly _todo = new Set<Future<T>>();
  /** Finished futures not yet handed out; null marks the timeout. */
  private readonly _done: (Future<T> | null)[] = [];
  // Futures are thenables, which promise resolution would unwrap: they travel boxed.
  private readonly _getters: Future<{ f: Future<T> | null }>[] = [];
  private _todoLeft: number;
  private readonly _timer: Handle | null;

  /** @internal */
  constructor(aws: Iterable<Awaitable<T>>, timeout: number | null) {
    this._loop = getRunningLoop();
    for (const aw of new Set(aws)) this._todo.add(ensureFuture(aw, this._loop));
    this._todoLeft = this._todo.size;
    this._timer = timeout === null ? null : this._loop.callLater(timeout, this._onTimeout);
    for (const f of this._todo) f.addDoneCallback(this._onCompletion);
  }

  private readonly _onTimeout = (): void => {
    for (const f of this._todo) f.removeDoneCallback(this._onCompletion);
    this._todo.clear();
    this._put(null);
  };

  private readonly _onCompletion = (f: Future<T>): void => {
    if (!this._todo.has(f)) return;
    this._todo.delete(f);
    this._put(f);
    if (this._todo.size === 0) this._timer?.cancel();
  };

  private _put(item: Future<T> | null): void {
    const getter = this._getters.shift();
    if (getter !== undefined) getter.setResult({ f: item });
    else this._done.push(item);
  }

  private async _waitForOne(): Promise<{ f: Future<T> }> {
    let f: Future<T> | null;
    if (this._done.length > 0) {
      f = this._done[0]!;
      // The timeout sentinel stays, so every later wait fails too.
      if (f !== null) this._done.shift();
    } else {
      const getter = this._loop.createFuture<{ f: Future<T> | null }>();
      getter._label = 'asCompleted()';
      this._getters.push(getter);
      f = (await getter).f;
      if (f === null) this._done.push(null);
    }
    if (f === null) throw new TimeoutError('asCompleted: timed out');
    return { f };
  }

  *[Symbol.iterator](): Iterator<Promise<T>> {
    while (this._todoLeft > 0) {
      this._todoLeft--;
      yield this._waitForOne().then((box) => box.f.result());
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
