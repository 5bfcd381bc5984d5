import type { EventLoop } from '../loop/event-loop.js';
import type { StreamDriver } from '../loop/stream-driver.js';
import { Future } from '../tasks/future.js';
import { sleepOn } from '../tasks/sleep.js';

/** How `driverCall` waits. */
export interface DriverCallOptions<T> {
  /** What the wait is, for deadlock reports (`'createConnection(example.com:80)'`). */
  label: string;
  /** Releases a result that arrived after the caller gave up (a connection to close). */
  discard?: (value: T) => void;
  /** Give up after this many ms of loop time, aborting with `onTimeout()`. */
  timeoutMs?: number;
  onTimeout?: () => Error;
  /** Aborts the call from elsewhere too (a server closing its clients mid-handshake). */
  controller?: AbortController;
}

/**
 * Await a driver's promise as a loop future. A task awaiting it can be
 * cancelled there (the driver is told through the signal it got, and a
 * result that comes anyway is discarded), it resumes from a loop callback as
 * any loop future does, and a simulation sees a task waiting on the loop,
 * not on plain work. A timeout runs on the loop's clock (virtual time in a
 * simulation).
 */
export async function driverCall<T>(loop: EventLoop, start: (signal: AbortSignal) => Promise<T>, opts: DriverCallOptions<T>): Promise<T> {
  const controller = opts.controller ?? new AbortController();
  const fut = new Future<T>({ loop });
  fut._label = opts.label;
  const { discard } = opts;
  const settle = (ok: boolean, value: unknown): void => {
    if (fut.done() || loop.isClosed()) {
      if (ok) discard?.(value as T);
      return;
    }
    if (ok) fut.setResult(value as T);
    else fut.setException(value);
  };
  start(controller.signal).then(
    (v) => settle(true, v),
    (e) => settle(false, e),
  );
  const { timeoutMs, onTimeout } = opts;
  const timer =
    timeoutMs !== undefined && timeoutMs !== Infinity
      ? loop._timerInternal(loop.time() + timeoutMs, () => controller.abort(onTimeout?.() ?? new Error(`${opts.label}: timed out`)), [])
      : null;
  try {
    return await fut;
  } catch (e) {
    // Cancelled by the awaiting task: tell the driver to let go.
    if (fut.cancelled()) controller.abort(e);
    throw e;
  } finally {
    timer?.cancel();
  }
}

/** A loop-future yield: resumes on the loop's next iteration (asyncio's `await sleep(0)`). */
export function yieldToLoop(loop: EventLoop): Future<void> {
  return sleepOn(loop, 0, undefined);
}

/** The stream driver of `loop`'s selector, or a TypeError naming the call. */
export function streamDriver(loop: EventLoop, where: string): StreamDriver {
  const driver = loop._selector.stream;
  if (driver === undefined) throw new TypeError(`${where}: this loop's selector has no stream driver (Selector.stream)`);
  return driver;
}
