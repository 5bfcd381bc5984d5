import type { EventLoop } from '../loop/event-loop.js';
import type { Awaitable } from '../loop/loop-hooks.js';
import { getEventLoop } from '../loop/running-loop.js';
import { Future, isFuture } from './future.js';
import { loopCreateTask } from './task.js';

/**
 * Turn an awaitable into a loop future: a Future stays itself, a function
 * becomes a task (so cancellation reaches inside it), and a plain promise is
 * wrapped in a future that settles with it (cancelling that future settles it
 * at once but cannot stop the promise's work).
 */
export function ensureFuture<T>(aw: Awaitable<T>, loop?: EventLoop): Future<T> {
  if (isFuture(aw)) {
    if (loop !== undefined && aw.getLoop() !== loop) {
      throw new RangeError('ensureFuture: the future belongs to another loop than the one given');
    }
    return aw as Future<T>;
  }
  const l = loop ?? getEventLoop();
  if (typeof aw === 'function') return loopCreateTask(l, aw as () => T | PromiseLike<T>);
  if (aw !== null && typeof aw === 'object' && typeof (aw as PromiseLike<T>).then === 'function') {
    const fut = new Future<T>({ loop: l });
    fut._label = 'a promise';
    (aw as PromiseLike<T>).then(
      (v) => {
        if (!fut.done()) fut.setResult(v);
      },
      (e) => {
        if (!fut.done()) fut.setException(e);
      },
    );
    return fut;
  }
  throw new TypeError(`an awaitable (a Future, a promise or an async function) is required, got ${aw === null ? 'null' : typeof aw}`);
}
