import { EventLoopError } from '../errors.js';
import { EventLoop } from '../loop/event-loop.js';
import { loopHooks } from '../loop/loop-hooks.js';
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

loopHooks.ensureFuture = ensureFuture;
