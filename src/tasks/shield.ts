import type { Awaitable } from '../loop/loop-hooks.js';
import { ensureFuture } from './ensure-future.js';
import { Future } from './future.js';

/** Tasks that only a shield still references: kept alive until they finish, as asyncio does. */
const shielded = new Set<Future<unknown>>();

/**
 * Protect `aw` from cancellation: cancelling the returned future (or the task
 * awaiting it) does not cancel `aw`, which runs on; its outcome is copied to
 * the returned future unless that was cancelled. A done `aw` is returned as is.
 */
export function shield<T>(aw: Awaitable<T>): Future<T> {
  const inner = ensureFuture(aw);
  if (inner.done()) return inner;
  const loop = inner.getLoop();
  const outer = new Future<T>({ loop });
  outer._label = 'shield()';
  shielded.add(inner as Future<unknown>);
  inner.addDoneCallback((f) => shielded.delete(f as Future<unknown>));
  const innerDone = (f: Future<T>): void => {
    if (outer.cancelled()) {
      if (!f.cancelled()) f.exception(); // mark retrieved: nobody else will
      return;
    }
    if (f.cancelled()) outer.cancel();
    else {
      const exc = f.exception();
      if (exc !== null) outer.setException(exc);
      else outer.setResult(f.result());
    }
  };
  const outerDone = (): void => {
    if (!inner.done()) inner.removeDoneCallback(innerDone);
  };
  inner.addDoneCallback(innerDone);
  outer.addDoneCallback(outerDone);
  return outer;
}
