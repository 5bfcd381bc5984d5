import { CancelledError } from '../errors.js';
import type { EventLoop } from '../loop/event-loop.js';
import type { Awaitable } from '../loop/loop-hooks.js';
import { getEventLoop } from '../loop/running-loop.js';
import { ensureFuture } from './ensure-future.js';
import { Future, isFuture } from './future.js';

/** Results of `gather` with `returnExceptions`: each entry is a result or the error it failed with. */
export type GatherResults<T extends readonly unknown[]> = { -readonly [K in keyof T]: Awaited<T[K]> | unknown };

/**
 * The future `gather` returns: cancelling it cancels every child that is not
 * done yet (asyncio's _GatheringFuture).
 */
export class GatheringFuture<T> extends Future<T> {
  /** @internal */ _children: Future<unknown>[] = [];
  /** @internal */ _cancelRequested = false;

  override cancel(msg?: string): boolean {
    if (msg !== undefined && typeof msg !== 'string') throw new TypeError('cancel: msg must be a string');
    if (this.done()) return false;
    let ret = false;
    for (const child of this._children) if (child.cancel(msg)) ret = true;
    // Cancelled only once the children have finished (they may refuse); the
    // CancelledError it then ends with carries this message.
    if (ret) {
      this._cancelRequested = true;
      this._cancelMessage = msg;
    }
    return ret;
  }
}

function pickLoop(aws: readonly unknown[]): EventLoop {
  for (const aw of aws) if (isFuture(aw)) return aw.getLoop();
  return getEventLoop();
}

/**
 * Run awaitables concurrently; resolve to their results in order. Without
 * `returnExceptions`, the first failure (a `CancelledError` for a cancelled
 * child) rejects the returned future at once and the others keep running;
 * with it, failures become entries of the result. Functions become tasks,
 * promises are wrapped. The returned future can be cancelled.
 */
export function gather<T extends readonly unknown[]>(
  aws: readonly [...{ [K in keyof T]: Awaitable<T[K]> }],
  opts: { returnExceptions: true },
): GatheringFuture<GatherResults<T>>;
export function gather<T extends readonly unknown[]>(
  aws: readonly [...{ [K in keyof T]: Awaitable<T[K]> }],
  opts?: { returnExceptions?: boolean },
): GatheringFuture<{ -readonly [K in keyof T]: Awaited<T[K]> }>;
export function gather<T extends readonly unknown[]>(
  aws: readonly [...{ [K in keyof T]: Awaitable<T[K]> }],
  opts: { returnExceptions?: boolean } = {},
): GatheringFuture<unknown> {
  if (aws === null || typeof (aws as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError('gather: aws must be an iterable of awaitables');
  }
  if (opts === null || typeof opts !== 'object') throw new TypeError('gather: opts must be an object');
  const list = [...(aws as Iterable<Awaitable<unknown>>)];
  const returnExceptions = opts.returnExceptions === true;
  const loop = pickLoop(list);
  const outer = new GatheringFuture<any>({ loop });
  outer._label = 'gather()';
  if (list.length === 0) {
    outer.setResult([]);
    return outer;
  }
  const byAw = new Map<unknown, Future<unknown>>();
  const children: Future<unknown>[] = [];
  for (const aw of list) {
    let fut = byAw.get(aw);
    if (fut === undefined) {
      fut = ensureFuture(aw, loop);
      byAw.set(aw, fut);
    }
    children.push(fut);
  }
  const unique = [...new Set(children)];
  outer._children = unique;
  let finished = 0;
  const onChildDone = (fut: Future<unknown>): void => {
    finished++;
    if (outer.done()) {
      // Retrieve so that a failure after the outcome is known is not reported as lost.
      if (!fut.cancelled()) fut.exception();
      return;
    }
    if (!returnExceptions) {
      if (fut.cancelled()) {
        outer._setExceptionUnchecked(fut._makeCancelledError());
        return;
      }
      const exc = fut.exception();
      if (exc !== null) {
        outer._setExceptionUnchecked(exc);
        return;
      }
    }
    if (finished === unique.length) {
      const results = children.map((f) => {
        if (f.cancelled()) return f._makeCancelledError();
        const e = f.exception();
        return e !== null ? e : f.result();
      });
      if (outer._cancelRequested) outer._setExceptionUnchecked(new CancelledError(outer._cancelMessage));
      else outer.setResult(results);
    }
  };
  for (const fut of unique) fut.addDoneCallback(onChildDone);
  return outer;
}
