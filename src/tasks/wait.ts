import type { Awaitable } from '../loop/loop-hooks.js';
import { getRunningLoop } from '../loop/running-loop.js';
import { ensureFuture } from './ensure-future.js';
import type { Future } from './future.js';
import { checkDelay } from './sleep.js';

/** `wait` returns when any awaitable finishes. */
export const FIRST_COMPLETED = 'FIRST_COMPLETED';
/** `wait` returns when any awaitable fails, or when all are done. */
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION';
/** `wait` returns when all awaitables are done (the default). */
export const ALL_COMPLETED = 'ALL_COMPLETED';

/** When `wait` returns. */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

/** Options of `wait`. */
export interface WaitOptions {
  /** ms to wait at most (null or absent: no limit); on expiry `wait` returns, cancelling nothing. */
  timeout?: number | null;
  returnWhen?: ReturnWhen;
}

/**
 * Wait for awaitables until `returnWhen` holds or `timeout` passes, and
 * return them split into `done` and `pending` sets (of futures: functions
 * become tasks, promises are wrapped). Cancels nothing. `RangeError` for an
 * empty collection or an unknown `returnWhen`. Failures in `done` count as
 * retrieved.
 */
export async function wait<T>(
  aws: Iterable<Awaitable<T>>,
  opts: WaitOptions = {},
): Promise<{ done: Set<Future<T>>; pending: Set<Future<T>> }> {
  if (aws === null || typeof aws !== 'object' || typeof (aws as Iterable<unknown>)[Symbol.iterator] !== 'function' || typeof (aws as unknown as PromiseLike<unknown>).then === 'function') {
    throw new TypeError('wait: aws must be an iterable of awaitables, not a single one');
  }
  const timeout = opts.timeout ?? null;
  if (timeout !== null) checkDelay(timeout, 'wait: opts.timeout');
  const returnWhen = opts.returnWhen ?? ALL_COMPLETED;
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    throw new RangeError(`wait: invalid returnWhen ${JSON.stringify(returnWhen)}`);
  }
  const loop = getRunningLoop();
  const futs = new Set<Future<T>>();
  for (const aw of aws) futs.add(ensureFuture(aw, loop));
  if (futs.size === 0) throw new RangeError('wait: the set of awaitables is empty');

  const waiter = loop.createFuture<void>();
  waiter._label = 'wait()';
  const release = (): void => {
    if (!waiter.done()) waiter.setResult(undefined);
  };
  const timer = timeout === null ? null : loop.callLater(timeout, release);
  let counter = futs.size;
  const onCompletion = (f: Future<T>): void => {
    counter--;
    if (
      counter <= 0 ||
      returnWhen === FIRST_COMPLETED ||
      (returnWhen === FIRST_EXCEPTION && !f.cancelled() && f._hasException)
    ) {
      timer?.cancel();
      release();
    }
  };
  for (const f of futs) f.addDoneCallback(onCompletion);
  try {
    await waiter;
  } finally {
    timer?.cancel();
    for (const f of futs) f.removeDoneCallback(onCompletion);
  }
  const done = new Set<Future<T>>();
  const pending = new Set<Future<T>>();
  for (const f of futs) {
    if (f.done()) {
      f._markRetrieved();
      done.add(f);
    } else pending.add(f);
  }
  return { done, pending };
}
