import { TimeoutError } from '../errors.js';
import type { Awaitable } from '../loop/loop-hooks.js';
import { getRunningLoop } from '../loop/running-loop.js';
import { ensureFuture } from './ensure-future.js';
import type { Future } from './future.js';
import { checkDelay } from './sleep.js';
import { currentTask, loopCreateTask } from './task.js';
import { timeout } from './timeout.js';

/** @internal cancel `fut` and wait until it is really done (it may take time to clean up) */
export async function cancelAndWait(fut: Future<unknown>): Promise<void> {
  const loop = fut.getLoop();
  const waiter = loop.createFuture<void>();
  waiter._label = 'cancellation to finish';
  const release = (): void => {
    if (!waiter.done()) waiter.setResult(undefined);
  };
  fut.addDoneCallback(release);
  try {
    fut.cancel();
    await waiter;
  } finally {
    fut.removeDoneCallback(release);
  }
}

async function waitForInTask<T>(aw: Awaitable<T>, ms: number | null): Promise<T> {
  if (ms !== null && ms <= 0) {
    const fut = ensureFuture(aw);
    if (fut.done()) return fut.result();
    await cancelAndWait(fut as Future<unknown>);
    try {
      return fut.result();
    } catch (e) {
      if (e !== null && typeof e === 'object' && (e as Error).name === 'CancelledError') {
        throw new TimeoutError('waitFor: timed out', { cause: e });
      }
      throw e;
    }
  }
  return timeout(ms, async () => await ensureFuture(aw));
}

/**
 * Wait for `aw` for at most `ms` (null: no limit). On expiry `aw` is
 * cancelled, waited for, and `TimeoutError` is thrown; if `aw` is a plain
 * promise its wrapper is settled at once (its work cannot be stopped).
 * Cancelling the waiting task cancels `aw` too.
 */
export function waitFor<T>(aw: Awaitable<T>, ms: number | null): Promise<T> {
  if (ms !== null) checkDelay(ms, 'waitFor: ms');
  const loop = getRunningLoop();
  if (currentTask(loop) === null) return Promise.resolve(loopCreateTask(loop, () => waitForInTask(aw, ms)));
  return waitForInTask(aw, ms);
}
