import type { EventLoop } from '../loop/event-loop.js';
import { getRunningLoop } from '../loop/running-loop.js';
import { handleArgs } from '../loop/young.js';
import { Future } from './future.js';

/** Validate a delay in ms: `TypeError` for NaN or a non-number (`Infinity` is fine). */
export function checkDelay(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${what} must be a number of milliseconds, got ${typeof value === 'number' ? 'NaN' : typeof value}`);
  }
}

// The producer's own callback ran, so there is nothing left to release.
function resolveUnlessDone<T>(fut: Future<T>, value: T): void {
  fut._producerHandle = null;
  if (!fut.done()) fut.setResult(value);
}

function resume<T>(fut: Future<T>, value: T): void {
  fut._producerHandle = null;
  fut._setResultAndResume(value);
}

/** @internal a future on `loop` that resolves with `value` after `ms` */
export function sleepOn<T>(loop: EventLoop, ms: number, value: T): Future<T> {
  const fut = new Future<T>({ loop });
  // sleep(0), a task's bare yield, is the common one: no string built for it.
  fut._label = ms === 0 ? 'sleep(0)' : `sleep(${ms})`;
  if (ms <= 0) {
    // asyncio's sleep(0) is a bare yield: the awaiting task resumes in the very
    // next iteration, so the callback resumes it directly instead of through a
    // second callSoon.
    fut._producerHandle = loop._scheduleInternal(resume, handleArgs(fut, value), null, 0);
    return fut;
  }
  fut._producerHandle = loop._timerInternal(loop.time() + ms, resolveUnlessDone, [fut, value]);
  return fut;
}

/**
 * A future that resolves to `value` after `ms` milliseconds of loop time
 * (`sleep(0)` yields to the loop once; `Infinity` never resolves). Cancelling
 * it, or the task awaiting it, releases its timer at once.
 */
export function sleep<T = undefined>(ms: number, value?: T): Future<T> {
  checkDelay(ms, 'sleep: ms');
  return sleepOn(getRunningLoop(), ms, value as T);
}
