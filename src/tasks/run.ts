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
  /**
   * Record mode: the new loop writes every TCP/unix connection it opens or
   * accepts to a fixture in this directory (`new EventLoop({ record })`).
   * Not with `loop` (give that loop its own `record` option).
   */
  record?: string;
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
 * `run`'s SIGINT handling (asyncio.Runner's), only while nothing else listens
 * for SIGINT: checked when `run` starts and again when the signal arrives, so
 * an application's own handler always wins. The first SIGINT cancels the main
 * task and lets cleanup run; a second (or one after main finished) ends the
 * process at once, by the signal, as Node's default handling would.
 */
class SigintGuard {
  /** SIGINTs received while installed. */
  interrupts = 0;
  private _installed = false;

  constructor(private readonly _cancelMain: () => boolean) {}

  install(): void {
    if (typeof process === 'undefined' || typeof process.on !== 'function') return;
    if (process.listenerCount('SIGINT') > 0) return;
    process.on('SIGINT', this._onSigint);
    this._installed = true;
  }

  uninstall(): void {
    if (!this._installed) return;
    this._installed = false;
    process.off('SIGINT', this._onSigint);
  }

  /**
   * End the process by SIGINT: with our listener gone, the signal takes its
   * default action (exit status 130 in a shell), like an uncaught
   * KeyboardInterrupt in Python.
   */
  raise(): void {
    this.uninstall();
    process.kill(process.pid, 'SIGINT');
  }

  private readonly _onSigint = (): void => {
    // Someone started listening after run began: the signal is theirs.
    if (process.listenerCount('SIGINT') > 1) return;
    this.interrupts++;
    if (this.interrupts === 1 && this._cancelMain()) return;
    this.raise();
  };
}

/**
 * asyncio.run: run `main` as the main task of a new loop (or `opts.loop`),
 * then cancel the tasks left, shut the default executor down, close the loop,
 * and resolve to `main`'s result. `EventLoopError` inside a running loop.
 * While nothing else listens for SIGINT, the first one cancels `main` and,
 * once cleanup has run, the process ends by SIGINT (if `main` ended
 * cancelled); a second one during cleanup ends it at once.
 */
export async function run<T>(main: () => Promise<T> | T, opts: RunOptions = {}): Promise<T> {
  if (tryGetRunningLoop() !== null) throw new EventLoopError('run() cannot be called from a running event loop');
  if (typeof main !== 'function') throw new TypeError('run: main must be a function (an async function to run)');
  if (opts === null || typeof opts !== 'object') throw new TypeError('run: opts must be an object');
  if (opts.record !== undefined && opts.loop !== undefined) {
    throw new RangeError('run: pass record or loop, not both (create the loop with new EventLoop({ record }))');
  }
  const loop = opts.loop ?? new EventLoop(opts.record === undefined ? {} : { record: opts.record });
  if (opts.debug !== undefined) loop.setDebug(opts.debug);
  let mainTask: Task<T> | null = null;
  const guard = new SigintGuard(() => {
    if (mainTask === null || mainTask.done()) return false;
    // Cancelling schedules the wakeup through the loop, which wakes it if idle.
    mainTask.cancel();
    return true;
  });
  guard.install();
  try {
    try {
      mainTask = loop.createTask(main);
      return await loop.runUntilComplete(mainTask);
    } finally {
      try {
        await cancelAllTasks(loop);
        await loop.shutdownDefaultExecutor();
      } finally {
        loop.close();
      }
    }
  } catch (e) {
    // As asyncio's KeyboardInterrupt: only when main ended by our cancellation alone.
    if (guard.interrupts > 0 && mainTask !== null && mainTask.cancelled() && mainTask.uncancel() === 0) guard.raise();
    throw e;
  } finally {
    guard.uninstall();
  }
}
