import { CancelledError, EventLoopError, InvalidStateError } from '../errors.js';
import { runInContext, type CapturedContext } from '../loop/async-context.js';
import { currentFrame, LoopFrame } from '../loop/context.js';
import { EventLoop } from '../loop/event-loop.js';
import { HandleKind } from '../loop/handle.js';
import type { ExceptionContext } from '../loop/loop-hooks.js';
import { getRunningLoop, tryGetRunningLoop } from '../loop/running-loop.js';
import { handleArgs } from '../loop/young.js';
import { Future, type AwaitedFuture, type AwaitingTask } from './future.js';

/** Options of `createTask`. */
export interface TaskOptions {
  /** The task's name; default `Task-<n>`, counted per loop. */
  name?: string;
}

/**
 * asyncio.Task: runs an async function on the loop, starting on a later
 * iteration, and is a Future of its result. `cancel()` throws
 * `CancelledError` inside the function at the await of the loop future it is
 * suspended on (or at its next such await, if it awaits a plain promise), and
 * aborts `signal` so plain work (fetch, Node APIs) can stop too.
 */
export class Task<T = unknown> extends Future<T> implements AwaitingTask {
  // Declared, assigned in the constructor, and no per-task closures (the
  // steps are module functions given the task): a task is made per
  // `createTask`, and an exploration makes a fresh world of them per run.
  /** @internal */ declare _futWaiter: AwaitedFuture | null;
  /** @internal */ declare _mustCancel: boolean;
  /** @internal */ declare readonly _originId: number;
  /** The name, or the loop's task count it is built from (`Task-<n>`) when first read. */
  private declare _name: string | number;
  /** The function, until its first step takes it (null from then on: the task has started). */
  private declare _fn: (() => T | PromiseLike<T>) | null;
  private declare _numCancelsRequested: number;
  private declare _abort: AbortController | null;
  /** The CancelledError of the current cancellation request (the signal's reason). */
  private declare _cancelReason: CancelledError | null;
  private declare readonly _ctx: CapturedContext;

  constructor(fn: () => T | PromiseLike<T>, opts: TaskOptions & { loop?: EventLoop } = {}) {
    if (typeof fn !== 'function') {
      throw new TypeError(`createTask: fn must be a function (an async function to run), got ${fn === null ? 'null' : typeof fn}`);
    }
    if (opts === null || typeof opts !== 'object') throw new TypeError('createTask: opts must be an object');
    const name = opts.name;
    if (name !== undefined && typeof name !== 'string') {
      throw new TypeError('createTask: opts.name must be a string');
    }
    // opts.loop, when absent, is the current event loop: Future's default.
    super(opts);
    const loop = this._loop;
    if (loop.isClosed()) throw new EventLoopError('Event loop is closed');
    this._futWaiter = null;
    this._mustCancel = false;
    this._originId = loop._nextSeq++;
    this._name = name ?? ++loop._taskCounter;
    this._fn = fn;
    this._numCancelsRequested = 0;
    this._abort = null;
    this._cancelReason = null;
    this._ctx = loop._captureContext();
    loop._tasks.add(this);
    loop._scheduleInternal(startTask, handleArgs(this), this, HandleKind.Step);
    if (loop._tracer !== null) loop._traceEvent('create', this);
  }

  /** The task's name. */
  getName(): string {
    const name = this._name;
    return typeof name === 'string' ? name : (this._name = `Task-${name}`);
  }

  /** Rename the task. */
  setName(name: string): void {
    this._name = String(name);
  }

  /** Tasks are finished by their function, never from outside: always `InvalidStateError`. */
  override setResult(_value: T): void {
    throw new InvalidStateError('Task does not support setResult');
  }

  /** Tasks are finished by their function, never from outside: always `InvalidStateError`. */
  override setException(_exception: unknown): void {
    throw new InvalidStateError('Task does not support setException');
  }

  /**
   * Request cancellation: cancels the loop future the task awaits, or (when it
   * awaits none) throws `CancelledError` at its next await of one. False if
   * the task is already done. Aborts `signal`.
   */
  override cancel(msg?: string): boolean {
    if (msg !== undefined && typeof msg !== 'string') throw new TypeError('cancel: msg must be a string');
    if (this._state !== 0) return false;
    if (this._loop._tracer !== null) this._loop._traceEvent('cancel', this, this._cancelDetail(msg));
    this._numCancelsRequested++;
    if (this._cancelReason === null) this._cancelReason = new CancelledError(msg);
    if (this._abort !== null && !this._abort.signal.aborted) this._abort.abort(this._cancelReason);
    if (this._futWaiter !== null && this._futWaiter.cancel(msg)) return true;
    this._mustCancel = true;
    this._cancelMessage = msg;
    return true;
  }

  /** How many cancellation requests are pending (asyncio 3.11+). */
  cancelling(): number {
    return this._numCancelsRequested;
  }

  /**
   * Withdraw one cancellation request; returns the count left. At zero, a
   * cancellation not yet delivered is dropped and `signal` is fresh again.
   */
  uncancel(): number {
    if (this._numCancelsRequested > 0) {
      this._numCancelsRequested--;
      if (this._numCancelsRequested === 0) {
        this._mustCancel = false;
        this._cancelReason = null;
        if (this._abort !== null && this._abort.signal.aborted) this._abort = null;
      }
    }
    return this._numCancelsRequested;
  }

  /** Aborted when `cancel()` is called (reason: a CancelledError), for fetch and Node APIs. */
  get signal(): AbortSignal {
    if (this._abort === null) {
      this._abort = new AbortController();
      if (this._cancelReason !== null) this._abort.abort(this._cancelReason);
    }
    return this._abort.signal;
  }

  /** @internal the CancelledError standing for the current cancellation request (a fresh one when none is pending) */
  _cancellationError(): CancelledError {
    return this._cancelReason ?? new CancelledError(this._cancelMessage);
  }

  /** @internal */
  _takeCancellation(): CancelledError {
    this._mustCancel = false;
    return new CancelledError(this._cancelMessage);
  }

  /** @internal what the loop reports at close */
  override _closeReport(): ExceptionContext {
    if (this._state === 0) return { message: 'Task was destroyed but it is pending!', task: this };
    return { message: 'Task exception was never retrieved', exception: this._exception, future: this };
  }

  /** @internal the first step: runs the function in its creator's context, unless the task was cancelled first */
  _start(): void {
    const fn = this._fn;
    if (this._state !== 0 || fn === null) return;
    this._fn = null;
    if (this._mustCancel) {
      // Cancelled before its first step: the function never runs.
      this._finishCancelled(this._cancelMessage);
      return;
    }
    runInContext(this._ctx, new LoopFrame(this._loop, this), runBody, this, fn);
  }

  // `unknown`, not T: a T-typed parameter would make Task invariant in T.
  /** @internal the function returned (or its promise fulfilled) with `value` */
  _onFulfilled(value: unknown): void {
    if (this._state !== 0) return;
    if (this._mustCancel) {
      this._finishCancelled(this._cancelMessage);
      return;
    }
    this._result = value as T;
    this._state = 1;
    this._finish();
  }

  /** @internal the function threw (or its promise rejected) `error` */
  _onRejected(error: unknown): void {
    if (this._state !== 0) return;
    if (this._isCancellation(error)) {
      this._finishCancelled(error instanceof CancelledError ? error.message || undefined : this._cancelMessage);
      return;
    }
    this._exception = error;
    this._hasException = true;
    this._state = 1;
    this._loop._unretrieved.add(this);
    this._finish();
  }

  /**
   * @internal whether `error` is this task's cancellation: a CancelledError,
   * or Node's AbortError for the current request (timers/promises, events.once
   * and the like carry the abort reason, our CancelledError, as their cause).
   */
  _isCancellation(error: unknown): boolean {
    if (error instanceof CancelledError) return true;
    const reason = this._cancelReason;
    return (
      reason !== null &&
      error !== null &&
      typeof error === 'object' &&
      (error as Error).name === 'AbortError' &&
      (error as Error).cause === reason
    );
  }

  private _finishCancelled(msg: string | undefined): void {
    this._mustCancel = false;
    this._cancelMessage = msg;
    this._state = 2;
    this._finish();
  }

  private _finish(): void {
    this._futWaiter = null;
    this._loop._tasks.delete(this);
    if (this._loop._tracer !== null) this._loop._traceEvent('done', this, this._doneDetail());
    this._scheduleCallbacks();
  }

  /** What a trace says of a cancellation request: its message, and what the task awaits then. */
  private _cancelDetail(msg: string | undefined): string | undefined {
    const waiter = this._futWaiter;
    const awaiting = waiter === null ? undefined : `while awaiting ${waiter._describe()}`;
    if (msg === undefined) return awaiting;
    return awaiting === undefined ? JSON.stringify(msg) : `${JSON.stringify(msg)} ${awaiting}`;
  }

  /** What a trace says of how the task ended: `finished`, `cancelled`, or `failed: <error>`. */
  private _doneDetail(): string {
    if (!this._hasException) return this._stateName();
    return `failed: ${summarizeError(this._exception)}`;
  }

  /** @internal */
  override _describe(): string {
    return `task '${this.getName()}'`;
  }

  override toString(): string {
    const state = this._state === 0 ? 'pending' : this._state === 2 ? 'cancelled' : this._hasException ? `exception=${String(this._exception)}` : 'finished';
    return `<Task ${state} name='${this.getName()}'>`;
  }
}

/** A task's first step, as a loop handle's callback (one shared function rather than a closure per task). */
function startTask(task: Task<any>): void {
  task._start();
}

/** Run the task's function inside the task's frame and settle the task with its outcome. */
function runBody<T>(task: Task<T>, fn: () => T | PromiseLike<T>): void {
  let r: T | PromiseLike<T>;
  try {
    r = fn();
  } catch (e) {
    task._onRejected(e);
    return;
  }
  if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<T>).then === 'function') {
    // Resolved inside the task's frame, so a future returned by fn is awaited
    // by this task. Bound methods, not closures: their code is the methods',
    // which lives as long as the class (a closure's optimized code dies at a
    // full GC with the last closure, and is compiled again after).
    Promise.resolve(r).then(task._onFulfilled.bind(task), task._onRejected.bind(task));
  } else {
    task._onFulfilled(r);
  }
}

/** The longest error summary a trace keeps: the first line of the message, cut. */
const MAX_ERROR_SUMMARY = 100;

/** `Name: first line of the message`, for traces; never throws, whatever was thrown. */
function summarizeError(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    text = Object.prototype.toString.call(error);
  }
  const line = text.split('\n', 1)[0]!;
  return line.length > MAX_ERROR_SUMMARY ? `${line.slice(0, MAX_ERROR_SUMMARY - 3)}...` : line;
}

/** The task running the current code (right across native awaits), or null in a plain callback or outside a loop. */
export function currentTask(loop?: EventLoop): Task<unknown> | null {
  const frame = currentFrame();
  if (frame === undefined) return null;
  if (loop !== undefined && frame.loop !== loop) return null;
  return frame.task as Task<unknown> | null;
}

/** The pending tasks of `loop` (default: the running loop), in creation order. */
export function allTasks(loop?: EventLoop): Set<Task<unknown>> {
  const l = loop ?? getRunningLoop();
  return new Set(l._tasks as Set<unknown> as Set<Task<unknown>>);
}

/** Create a task on `loop` through its task factory, if one is set. */
export function loopCreateTask<T>(loop: EventLoop, fn: () => T | PromiseLike<T>, opts: TaskOptions = {}): Task<T> {
  if (opts === null || typeof opts !== 'object') throw new TypeError('createTask: opts must be an object');
  const factory = loop._taskFactory;
  if (factory !== null) return factory(loop, fn, opts) as Task<T>;
  // The two options a task reads, in a literal: cheaper than spreading opts.
  return new Task(fn, { name: opts.name, loop });
}

/** Schedule `fn` as a task on the running loop (`EventLoopError` when none); it starts on a later iteration. */
export function createTask<T>(fn: () => T | PromiseLike<T>, opts?: TaskOptions): Task<T> {
  return loopCreateTask(getRunningLoop(), fn, opts);
}

export { tryGetRunningLoop };
