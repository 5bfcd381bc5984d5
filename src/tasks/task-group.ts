import { CancelledError, InvalidStateError } from '../errors.js';
import type { EventLoop } from '../loop/event-loop.js';
import { getRunningLoop } from '../loop/running-loop.js';
import type { Future } from './future.js';
import { currentTask, loopCreateTask, type Task, type TaskOptions } from './task.js';

function isCancelled(e: unknown): boolean {
  return e instanceof CancelledError;
}

/**
 * asyncio.TaskGroup: `await tg.run(async (tg) => { tg.createTask(...) })`
 * waits for every child; the first failing child (or a throwing body) cancels
 * the others and the body, and all failures surface as one `AggregateError`
 * (children's errors first, then the body's; `CancelledError`s left out).
 * `await using tg = new TaskGroup()` works too, but disposal cannot see an
 * error thrown by the enclosing block: it waits for the children and reports
 * their failures. A group runs once.
 */
export class TaskGroup implements AsyncDisposable {
  private _entered = false;
  private _exiting = false;
  private _aborting = false;
  private _exited = false;
  private _loop: EventLoop | null = null;
  private _parentTask: Task<unknown> | null = null;
  private _parentCancelRequested = false;
  private readonly _tasks = new Set<Task<unknown>>();
  private readonly _errors: unknown[] = [];
  private _onCompletedFut: Future<boolean> | null = null;

  /** Run `body(tg)` inside the group and resolve to its result once every child is done. */
  async run<T>(body: (tg: TaskGroup) => Promise<T> | T): Promise<T> {
    if (typeof body !== 'function') throw new TypeError('TaskGroup.run: body must be a function');
    this._enter();
    let result: T | undefined;
    let failed = false;
    let error: unknown;
    try {
      result = await body(this);
    } catch (e) {
      failed = true;
      error = e;
    }
    await this._exit(failed, error);
    if (failed) throw error;
    return result as T;
  }

  /** Wait for the children and throw their failures (for `await using`). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this._entered) this._enter();
    await this._exit(false, undefined);
  }

  /**
   * Start `fn` as a child task. `InvalidStateError` once the group has
   * finished or is shutting down after a failure.
   */
  createTask<T>(fn: () => T | PromiseLike<T>, opts?: TaskOptions): Task<T> {
    if (!this._entered) this._enter();
    if (this._exited || (this._exiting && this._tasks.size === 0)) throw new InvalidStateError('TaskGroup is finished');
    if (this._aborting) throw new InvalidStateError('TaskGroup is shutting down');
    const task = loopCreateTask(this._loop!, fn, opts);
    this._tasks.add(task as Task<unknown>);
    (task as Task<unknown>).addDoneCallback(this._onTaskDone);
    return task;
  }

  private _enter(): void {
    if (this._entered) throw new InvalidStateError('TaskGroup has already been entered');
    this._loop = getRunningLoop();
    this._parentTask = currentTask(this._loop);
    if (this._parentTask === null) throw new InvalidStateError('TaskGroup cannot determine the parent task: use it inside a task');
    this._entered = true;
  }

  private async _exit(failed: boolean, error: unknown): Promise<void> {
    this._exiting = true;
    // The body ended by a cancellation if it threw CancelledError, or if plain
    // work it awaited was aborted through the parent's signal (Node's
    // AbortError, whose cause is the pending CancelledError): that one goes on
    // as the CancelledError it stands for.
    const bodyCancelled = failed && (isCancelled(error) || this._parentTask!._isCancellation(error));
    let propagateCancellation: unknown = bodyCancelled ? (isCancelled(error) ? error : this._parentTask!._cancellationError()) : null;
    if (failed && !this._aborting) this._abort();
    // A loop: the wait can be cancelled again and again while our own
    // cancellation of the children is still in progress.
    while (this._tasks.size > 0) {
      this._onCompletedFut ??= this._loop!.createFuture<boolean>();
      this._onCompletedFut._label = 'TaskGroup children';
      try {
        await this._onCompletedFut;
      } catch (e) {
        if (!isCancelled(e)) throw e;
        if (!this._aborting) {
          propagateCancellation = e;
          this._abort();
        }
      }
      this._onCompletedFut = null;
    }
    this._exited = true;
    const parent = this._parentTask!;
    if (this._parentCancelRequested) {
      // We cancelled the parent to interrupt the body: take that back.
      if (parent.uncancel() === 0) propagateCancellation = null;
    }
    if (propagateCancellation !== null && this._errors.length === 0) throw propagateCancellation;
    if (failed && !bodyCancelled) this._errors.push(error);
    if (this._errors.length > 0) {
      // Keep an outside cancellation of the parent in force and its count stable.
      if (parent.cancelling() > 0) {
        parent.uncancel();
        parent.cancel();
      }
      throw new AggregateError([...this._errors], 'unhandled errors in a TaskGroup');
    }
  }

  private _abort(): void {
    this._aborting = true;
    for (const t of this._tasks) if (!t.done()) t.cancel();
  }

  private readonly _onTaskDone = (task: Task<unknown>): void => {
    this._tasks.delete(task);
    if (this._onCompletedFut !== null && this._tasks.size === 0 && !this._onCompletedFut.done()) {
      this._onCompletedFut.setResult(true);
    }
    if (task.cancelled()) return;
    const exc = task.exception();
    if (exc === null) return;
    this._errors.push(exc);
    const parent = this._parentTask!;
    if (parent.done()) {
      this._loop!.callExceptionHandler({ message: `Task ${task.getName()} has errored out but its parent task is already completed`, exception: exc, task });
      return;
    }
    if (!this._aborting && !this._parentCancelRequested) {
      // Interrupt whatever the body awaits now; _exit withdraws this request.
      this._abort();
      this._parentCancelRequested = true;
      parent.cancel();
    }
  };
}
