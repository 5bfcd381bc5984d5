import { EventLoopError } from '../errors.js';
import { EventLoop } from '../loop/event-loop.js';
import { loopHooks } from '../loop/loop-hooks.js';
import type { Executor } from '../loop/os.js';
import { ensureFuture } from './ensure-future.js';
import { Future } from './future.js';
import { loopCreateTask, type Task, type TaskOptions } from './task.js';

declare module '../loop/event-loop.js' {
  interface EventLoop {
    /** A new pending Future bound to this loop. */
    createFuture<T = unknown>(): Future<T>;
    /**
     * Schedule `fn` as a task on this loop (through the task factory, if set).
     * It starts on a later iteration, never synchronously.
     */
    createTask<T>(fn: () => T | PromiseLike<T>, opts?: TaskOptions): Task<T>;
    /**
     * Run `fn(...args)` in `executor` (null: the default one, a thread pool on
     * the Node backend) and return a loop future of its result, as asyncio's
     * `run_in_executor`: it completes from a loop callback, and cancelling it
     * (or the task awaiting it) stops the wait, not the running job.
     */
    runInExecutor<T>(executor: Executor | null, fn: ((...args: any[]) => T | Promise<T>) | { module: string | URL; export: string }, ...args: unknown[]): Future<T>;
  }
}

// The loop layer imports nothing above it; this layer fills in the loop's
// future and task constructors when it loads (DESIGN.md, "registration hook").
EventLoop.prototype.createFuture = function createFuture<T>(this: EventLoop): Future<T> {
  if (this.isClosed()) throw new EventLoopError('Event loop is closed');
  return new Future<T>({ loop: this });
};

EventLoop.prototype.createTask = function createTask<T>(this: EventLoop, fn: () => T | PromiseLike<T>, opts?: TaskOptions): Task<T> {
  if (this.isClosed()) throw new EventLoopError('Event loop is closed');
  return loopCreateTask(this, fn, opts);
};

EventLoop.prototype.runInExecutor = function runInExecutor<T>(
  this: EventLoop,
  executor: Executor | null,
  fn: ((...args: any[]) => T | Promise<T>) | { module: string | URL; export: string },
  ...args: unknown[]
): Future<T> {
  const job = this._resolveExecutor(executor).submit<T>(fn, ...args);
  const fut = ensureFuture(job, this);
  fut._label = 'runInExecutor()';
  return fut;
};

loopHooks.ensureFuture = ensureFuture;
