import { EventLoopError } from '../errors.js';
import { EventLoop } from '../loop/event-loop.js';
import { tryGetRunningLoop } from '../loop/running-loop.js';
import { gather } from './gather.js';
import type { Task } from './task.js';

/** Options of `run`. */
export interface RunOptions {
  /** Debug mode for the loop. */
  debug?: boolean;
  /** Run on this loop instead of a new one (it is closed afterwards all the same). */
  loop?: EventLoop;
}

/**
 * Cancel every task still pending on `loop` and run the loop until they have
 * finished; errors they end with go to the exception handler (asyncio.run's
 * `_cancel_all_tasks`).
 */
export async function cancelAllTasks(loop: EventLoop): Promise<void> {
  const toCancel = [...loop._tasks] as unknown as Task<unknown>[];
  if (toCancel.length === 0) return;
  for (const t of toCancel) t.cancel();
  await loop.runUntilComplete(gather(toCancel, { returnExceptions: true }));
  for (const t of toCancel) {
    if (t.cancelled()) continue;
    const exc = t.exception();
    if (exc !== null) loop.callExceptionHandler({ message: 'unhandled exception during run() shutdown', exception: exc, task: t });
  }
}

/**
 * asyncio.run: run `main` as the main task of a new loop (or `opts.loop`),
 * then cancel the tasks left, shut the default executor down, close the loop,
 * and resolve to `main`'s result. `EventLoopError` inside a running loop.
 */
export async function run<T>(main: () => Promise<T> | T, opts: RunOptions = {}): Promise<T> {
  if (tryGetRunningLoop() !== null) throw new EventLoopError('run() cannot be called from a running event loop');
  if (typeof main !== 'function') throw new TypeError('run: main must be a function (an async function to run)');
  if (opts === null || typeof opts !== 'object') throw new TypeError('run: opts must be an object');
  const loop = opts.loop ?? new EventLoop();
  if (opts.debug !== undefined) loop.setDebug(opts.debug);
  try {
    return await loop.runUntilComplete(loop.createTask(main));
  } finally {
    try {
      await cancelAllTasks(loop);
      await loop.shutdownDefaultExecutor();
    } finally {
      loop.close();
    }
  }
}
