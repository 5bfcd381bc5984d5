import type { CapturedContext } from '../loop/async-context.js';
import { CancelledError, InvalidStateError } from '../errors.js';
import { currentFrame, type TaskRef } from '../loop/context.js';
import type { EventLoop } from '../loop/event-loop.js';
import { HandleKind, type Handle } from '../loop/handle.js';
import type { ExceptionContext } from '../loop/loop-hooks.js';
import { getEventLoop } from '../loop/running-loop.js';
import { settleablePromise } from '../loop/settleable-promise.js';
import { handleArgs, youngList } from '../loop/young.js';

const PENDING = 0;
const FINISHED = 1;
const CANCELLED = 2;

/**
 * What a task can be suspended on: a loop future, or the loop's own code
 * waiting on the task's behalf without one (a StreamReader's read).
 * Cancelling the task cancels it.
 */
export interface AwaitedFuture {
  /** Cancel the wait: the task is woken with `CancelledError`; false when it is already done or woken. */
  cancel(msg?: string): boolean;
  /** What the task waits for, in words (deadlock reports, traces). */
  _describe(): string;
}

/** The part of a task a future needs to deliver an await (implemented by Task). */
export interface AwaitingTask extends TaskRef {
  /** @internal what the task awaits now (a loop future, mostly), or null */
  _futWaiter: AwaitedFuture | null;
  /** @internal a cancellation waits for the task's next await of a loop future */
  _mustCancel: boolean;
  /** @internal the message of the pending cancellation */
  _cancelMessage: string | undefined;
  /** @internal consume the pending cancellation: clears `_mustCancel`, returns the error to throw */
  _takeCancellation(): CancelledError;
}

/**
 * `task` now suspends on `awaited`. A cancellation requested while the task
 * ran (or awaited a plain promise) cancels what it now suspends on, as
 * asyncio's __step does: a future's other awaiters see it cancelled too, and
 * what it holds (a sleep's timer, a queue slot) is released.
 */
export function suspendTask(task: AwaitingTask, awaited: AwaitedFuture): void {
  task._futWaiter = awaited;
  if (task._mustCancel && awaited.cancel(task._cancelMessage)) task._mustCancel = false;
}

/**
 * `task` is woken from `awaited`: it no longer suspends on it. Returns the
 * task's cancellation if one is due (the wakeup then delivers it instead of
 * the outcome), else null.
 */
export function resumeTask(task: AwaitingTask, awaited: AwaitedFuture): CancelledError | null {
  if (task._futWaiter === awaited) task._futWaiter = null;
  return task._mustCancel ? task._takeCancellation() : null;
}

/**
 * A done callback: user ones carry the context they were added in; the
 * loop's own await wakeups carry none. A class, not an object literal: an
 * entry points at its task and future, so it must not be pretenured (see
 * loop/young.ts).
 */
class DoneEntry {
  constructor(
    /** A user callback (with `ctx`), or null for a loop-internal await waiter. */
    readonly fn: ((...args: any[]) => unknown) | null,
    readonly ctx: CapturedContext,
    readonly task: AwaitingTask | null,
    /** An await waiter's future (its settlers are `_resolve`/`_reject`). */
    readonly fut: Future<any> | null,
  ) {}

  /** An await waiter's settlers (set by `settleablePromise`); null for a done callback. */
  _resolve: ((v: any) => void) | null = null;
  _reject: ((e: unknown) => void) | null = null;
}

/** Settle an await waiter with its future's outcome (or with the task's pending cancellation). */
function deliverWaiter(w: DoneEntry): void {
  const fut = w.fut!;
  const task = w.task;
  if (task !== null) {
    const cancellation = resumeTask(task, fut);
    if (cancellation !== null) {
      w._reject!(cancellation);
      return;
    }
  }
  if (fut._state === FINISHED && !fut._hasException) w._resolve!(fut._result);
  else if (fut._state === CANCELLED) w._reject!(fut._makeCancelledError());
  else {
    fut._markRetrieved();
    w._reject!(fut._exception);
  }
}

/** @internal the task of `loop` running the current code (across native awaits), or null */
export function awaitingTask(loop: EventLoop): AwaitingTask | null {
  const frame = currentFrame();
  return frame !== undefined && frame.loop === loop ? (frame.task as AwaitingTask | null) : null;
}

/**
 * asyncio.Future: a result that will exist later, bound to one loop.
 * Awaitable (`then`): awaiting a done future continues on the next microtask
 * without yielding to the loop; awaiting a pending one resumes from a loop
 * callback once it completes. Done callbacks always run through `callSoon`.
 * Not thread-safe; all methods must be called from the loop's code.
 */
export class Future<T = unknown> implements PromiseLike<T> {
  /** @internal */ _state: 0 | 1 | 2 = PENDING;
  /** @internal */ _result: T | undefined = undefined;
  /** @internal */ _exception: unknown = undefined;
  /** @internal */ _hasException = false;
  /** @internal */ _cancelMessage: string | undefined = undefined;
  /** @internal what this future stands for, shown in deadlock reports ('Queue.get()', 'sleep(100)') */
  _label: string | undefined = undefined;
  /** @internal */ readonly _loop: EventLoop;
  // The done callbacks in order: the first in a field of its own, since most
  // futures get exactly one (the await of their task), and the rest in a list.
  private _first: DoneEntry | null = null;
  private _more: DoneEntry[] | null = null;
  /**
   * @internal what the producer holds (a sleep's timer or callback),
   * cancelled synchronously when the future completes any other way; the
   * producer clears it when it completes the future itself
   */
  _producerHandle: { cancel(): unknown } | null = null;

  constructor(opts?: { loop?: EventLoop }) {
    if (opts !== undefined && (opts === null || typeof opts !== 'object')) {
      throw new TypeError('Future: opts must be an object');
    }
    this._loop = opts?.loop ?? getEventLoop();
  }

  /** The result; throws the exception if one was set, `CancelledError` if cancelled, `InvalidStateError` if pending. */
  result(): T {
    if (this._state === CANCELLED) throw this._makeCancelledError();
    if (this._state === PENDING) throw new InvalidStateError('Result is not ready.');
    if (this._hasException) {
      this._markRetrieved();
      throw this._exception;
    }
    return this._result as T;
  }

  /** The exception, or null after a result; `CancelledError` if cancelled, `InvalidStateError` if pending. */
  exception(): unknown {
    if (this._state === CANCELLED) throw this._makeCancelledError();
    if (this._state === PENDING) throw new InvalidStateError('Exception is not set.');
    if (!this._hasException) return null;
    this._markRetrieved();
    return this._exception;
  }

  /** True once it has a result, an exception, or was cancelled. */
  done(): boolean {
    return this._state !== PENDING;
  }

  /** True if it was cancelled. */
  cancelled(): boolean {
    return this._state === CANCELLED;
  }

  /** Cancel it and schedule the done callbacks; false if it was already done. */
  cancel(msg?: string): boolean {
    if (msg !== undefined && typeof msg !== 'string') throw new TypeError('cancel: msg must be a string');
    if (this._state !== PENDING) return false;
    this._state = CANCELLED;
    this._cancelMessage = msg;
    this._scheduleCallbacks();
    return true;
  }

  /** Mark it done with `value`; `InvalidStateError` if already done. */
  setResult(value: T): void {
    if (this._state !== PENDING) throw new InvalidStateError(`setResult: the future is already ${this._stateName()}`);
    this._result = value;
    this._state = FINISHED;
    this._scheduleCallbacks();
  }

  /** Mark it done with `exception`; `InvalidStateError` if already done. */
  setException(exception: unknown): void {
    if (this._state !== PENDING) throw new InvalidStateError(`setException: the future is already ${this._stateName()}`);
    this._setExceptionUnchecked(exception);
  }

  /** @internal */
  _setExceptionUnchecked(exception: unknown): void {
    this._exception = exception;
    this._hasException = true;
    this._state = FINISHED;
    this._loop._unretrieved.add(this);
    this._scheduleCallbacks();
  }

  /** Call `cb(future)` through `callSoon` once done (at once if done), in the caller's async context. */
  addDoneCallback(cb: (f: this) => void): void {
    if (typeof cb !== 'function') throw new TypeError('addDoneCallback: cb must be a function');
    const ctx = this._loop._captureContext();
    if (this._state !== PENDING) {
      this._loop._scheduleInContext(cb, handleArgs(this), ctx);
    } else {
      this._pushCallback(new DoneEntry(cb, ctx, null, null));
    }
  }

  /** Remove every registration of `cb`; returns how many were removed. */
  removeDoneCallback(cb: (f: this) => void): number {
    const first = this._first;
    if (first === null) return 0;
    const all = this._more === null ? [first] : [first, ...this._more];
    const kept = all.filter((e) => e.fn !== cb);
    const removed = all.length - kept.length;
    if (removed > 0) {
      this._first = kept.length > 0 ? kept[0]! : null;
      this._more = kept.length > 1 ? kept.slice(1) : null;
    }
    return removed;
  }

  /** The loop this future belongs to. */
  getLoop(): EventLoop {
    return this._loop;
  }

  /**
   * Awaiting support. Inside a task, awaiting a pending future makes it the
   * future the task awaits (what `task.cancel()` cancels); a cancellation
   * requested while the task awaited something else is thrown here. As with a
   * Promise, the handlers never run synchronously, and they run in the async
   * context of this call.
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const task = awaitingTask(this._loop);
    // Every await goes through here: a module-level executor and a plain
    // record (no closures) keep it cheap.
    const waiter = new DoneEntry(null, null, task, this);
    const outcome = settleablePromise<T>(waiter);
    if (this._state !== PENDING) deliverWaiter(waiter);
    else this._addWaiter(waiter);
    // The handlers are promise reactions registered here: they run on a
    // microtask, in this caller's async context (current task included),
    // never inside the loop callback that completed the future.
    return outcome.then(onFulfilled, onRejected);
  }

  private _addWaiter(waiter: DoneEntry): void {
    this._pushCallback(waiter);
    if (waiter.task !== null) suspendTask(waiter.task, this);
  }

  /**
   * @internal complete with `value` and resume the loop's own awaiters in
   * this very callback: what asyncio's bare `yield` (sleep(0)) amounts to.
   */
  _setResultAndResume(value: T): void {
    if (this._state !== PENDING) return;
    this._result = value;
    this._state = FINISHED;
    this._scheduleCallbacks(true);
  }

  /** @internal a new CancelledError carrying the cancel message */
  _makeCancelledError(): CancelledError {
    return new CancelledError(this._cancelMessage);
  }

  /** @internal */
  _markRetrieved(): void {
    if (this._hasException) this._loop._unretrieved.delete(this);
  }

  /** @internal what the loop reports at close when the exception was never retrieved */
  _closeReport(): ExceptionContext {
    return { message: 'Future exception was never retrieved', exception: this._exception, future: this };
  }

  private _pushCallback(e: DoneEntry): void {
    if (this._first === null) this._first = e;
    else if (this._more === null) this._more = youngList(e);
    else this._more.push(e);
  }

  /** @internal */
  _stateName(): string {
    return this._state === PENDING ? 'pending' : this._state === CANCELLED ? 'cancelled' : 'finished';
  }

  /** @internal schedule the done callbacks; the loop's own await wakeups run now instead when `deliverNow` */
  _scheduleCallbacks(deliverNow = false): void {
    const held = this._producerHandle;
    if (held !== null) {
      this._producerHandle = null;
      held.cancel();
    }
    const first = this._first;
    if (first === null) return;
    const more = this._more;
    this._first = null;
    this._more = null;
    this._runCallback(first, deliverNow);
    if (more !== null) for (const e of more) this._runCallback(e, deliverNow);
  }

  /** Schedule one done callback, or deliver one of the loop's own await waiters (now when `deliverNow`). */
  private _runCallback(e: DoneEntry, deliverNow: boolean): void {
    const loop = this._loop;
    if (e.fn !== null) {
      loop._scheduleInContext(e.fn, handleArgs(this), e.ctx);
    } else if (deliverNow) {
      // The task resumes inside the running callback, with no step handle
      // of its own: trace it as a step all the same, saying what resumed it.
      if (e.task !== null && loop._tracer !== null) loop._traceEvent('step', e.task, wakeDetail(this));
      deliverWaiter(e);
    } else {
      loop._scheduleInternal(deliverWaiter, handleArgs(e), e.task, HandleKind.Wake);
      if (e.task !== null && loop._tracer !== null) loop._traceEvent('wake', e.task, wakeDetail(this));
    }
  }

  /** @internal what this future stands for, in reports and traces */
  _describe(): string {
    return this._label ?? 'a Future';
  }

  toString(): string {
    const label = this._label === undefined ? '' : ` ${this._label}`;
    if (this._state === PENDING) return `<Future pending${label}>`;
    if (this._state === CANCELLED) return `<Future cancelled${label}>`;
    return this._hasException ? `<Future finished exception=${String(this._exception)}${label}>` : `<Future finished${label}>`;
  }
}

/**
 * @internal what a trace says about a future that woke a task (and what the
 * task's next step resumes from): its description, plus how it ended unless
 * it ended with a result. Built only when a tracer is set.
 */
export function wakeDetail(fut: Future<any>): string {
  return outcomeDetail(fut._describe(), fut._state === CANCELLED, fut._hasException);
}

/** What a task was woken from, as traces say it: `what`, marked ` (cancelled)` or ` (failed)` for those outcomes. */
export function outcomeDetail(what: string, cancelled: boolean, failed: boolean): string {
  if (cancelled) return `${what} (cancelled)`;
  return failed ? `${what} (failed)` : what;
}

/**
 * @internal the trace detail of a loop handle that runs a task step: `start`
 * for a task's first step, the `wakeDetail` of the awaited future for a
 * wakeup, undefined for any other handle. For a tracer (the simulated
 * world's), which calls it only while tracing.
 */
export function describeTaskStep(handle: Handle): string | undefined {
  if (handle._kind === HandleKind.Step) return 'start';
  if (handle._kind !== HandleKind.Wake) return undefined;
  if (handle._callback !== deliverWaiter) return (handle._args[0] as Partial<DescribedWake> | undefined)?._wakeDetail?.();
  const fut = (handle._args[0] as DoneEntry).fut;
  return fut === null ? undefined : wakeDetail(fut);
}

/** A wakeup scheduled by the loop's own code without a future (a StreamReader's read): the first argument of its handle. */
export interface DescribedWake {
  /** As `wakeDetail` says it: what the task waited for, and `(cancelled)` or `(failed)`. */
  _wakeDetail(): string;
}

/** True for a simloop Future (of either build: duck-typed on its methods). */
export function isFuture(x: unknown): x is Future<unknown> {
  return (
    x instanceof Future ||
    (x !== null &&
      typeof x === 'object' &&
      typeof (x as Future).addDoneCallback === 'function' &&
      typeof (x as Future).getLoop === 'function' &&
      typeof (x as Future).then === 'function')
  );
}
