import { InvalidStateError, TimeoutError } from '../errors.js';
import type { EventLoop } from '../loop/event-loop.js';
import type { Handle } from '../loop/handle.js';
import { getRunningLoop } from '../loop/running-loop.js';
import { checkDelay } from './sleep.js';
import { currentTask, loopCreateTask, type Task } from './task.js';

const enum TimeoutState {
  Entered = 0,
  Expiring = 1,
  Expired = 2,
  Exited = 3,
}

/**
 * The deadline in force inside `timeout()`/`timeoutAt()` (asyncio.Timeout).
 * When it expires it cancels the task running the body, and the cancellation
 * becomes a `TimeoutError` as the body's exception leaves the scope.
 */
export class Timeout {
  private _when: number | null;
  private _state = TimeoutState.Entered;
  private _handle: Handle | null = null;
  private readonly _cancelling: number;
  private _abort: AbortController | null = null;
  /** The reason `signal` is aborted with once expired. */
  private _expiryReason: TimeoutError | null = null;

  /** @internal */
  constructor(
    when: number | null,
    private readonly _loop: EventLoop,
    private readonly _task: Task<unknown>,
  ) {
    this._when = when;
    this._cancelling = _task.cancelling();
    this.reschedule(when);
  }

  /** The deadline in loop time (ms), or null for none. */
  when(): number | null {
    return this._when;
  }

  /** Move the deadline (null: none). `InvalidStateError` once the scope has expired or exited. */
  reschedule(when: number | null): void {
    if (when !== null) checkDelay(when, 'reschedule: when');
    if (this._state !== TimeoutState.Entered) {
      throw new InvalidStateError(`Cannot change state of ${this._state === TimeoutState.Exited ? 'finished' : 'expired'} Timeout`);
    }
    this._when = when;
    if (this._handle !== null) this._handle.cancel();
    if (when === null) this._handle = null;
    else if (when <= this._loop.time()) this._handle = this._loop._scheduleInternal(this._onTimeout, [], null, 0);
    else this._handle = this._loop._timerInternal(when, this._onTimeout, []);
  }

  /** True once the deadline passed (the body was cancelled for it). */
  expired(): boolean {
    return this._state === TimeoutState.Expiring || this._state === TimeoutState.Expired;
  }

  /** Aborted when the deadline passes (reason: a TimeoutError), for plain work inside the body. */
  get signal(): AbortSignal {
    if (this._abort === null) {
      this._abort = new AbortController();
      if (this._expiryReason !== null) this._abort.abort(this._expiryReason);
    }
    return this._abort.signal;
  }

  private readonly _onTimeout = (): void => {
    this._handle = null;
    this._task.cancel();
    this._state = TimeoutState.Expiring;
    this._expiryReason = new TimeoutError('timeout expired');
    if (this._abort !== null) this._abort.abort(this._expiryReason);
  };

  /** Node's AbortError for our own signal carries our reason as its cause. */
  private _isOwnAbort(error: unknown): boolean {
    return (
      this._expiryReason !== null &&
      error !== null &&
      typeof error === 'object' &&
      (error as Error).name === 'AbortError' &&
      (error as Error).cause === this._expiryReason
    );
  }

  /** @internal leave the scope; returns the error to throw instead of `error`, if any */
  _exit(failed: boolean, error: unknown): unknown {
    if (this._handle !== null) {
      this._handle.cancel();
      this._handle = null;
    }
    if (this._state === TimeoutState.Expiring) {
      this._state = TimeoutState.Expired;
      // The body ended by our cancellation if it threw CancelledError, or if
      // plain work it awaited was aborted through the task's signal or ours
      // (checked before uncancel(), which may renew the task's signal).
      const cancelled = failed && (isCancelled(error) || this._task._isCancellation(error) || this._isOwnAbort(error));
      // Only a cancellation that is ours alone becomes a TimeoutError; one
      // requested from outside as well must go on propagating.
      if (this._task.uncancel() <= this._cancelling) {
        if (cancelled) return new TimeoutError('timeout expired', { cause: error });
      } else if (cancelled && !isCancelled(error)) {
        // An AbortError standing for the cancellation goes on as the cancellation.
        return this._task._cancellationError();
      }
    } else if (this._state === TimeoutState.Entered) {
      this._state = TimeoutState.Exited;
    }
    return error;
  }
}

function isCancelled(e: unknown): boolean {
  return e !== null && typeof e === 'object' && (e as Error).name === 'CancelledError';
}

async function runScope<T>(loop: EventLoop, task: Task<unknown>, when: number | null, fn: (cm: Timeout) => Promise<T> | T): Promise<T> {
  const cm = new Timeout(when, loop, task);
  let result: T;
  try {
    result = await fn(cm);
  } catch (e) {
    throw cm._exit(true, e);
  }
  cm._exit(false, undefined);
  return result;
}

/**
 * Run `fn` with a deadline at loop time `whenMs` (null: none). If it expires,
 * the body is cancelled and `TimeoutError` replaces the cancellation. Outside
 * a task the scope runs in a new task of the running loop.
 */
export function timeoutAt<T>(whenMs: number | null, fn: (cm: Timeout) => Promise<T> | T): Promise<T> {
  if (whenMs !== null) checkDelay(whenMs, 'timeoutAt: whenMs');
  if (typeof fn !== 'function') throw new TypeError('timeoutAt: fn must be a function');
  const loop = getRunningLoop();
  const task = currentTask(loop);
  if (task === null) return Promise.resolve(loopCreateTask(loop, () => runScope(loop, currentTask(loop)!, whenMs, fn)));
  return runScope(loop, task, whenMs, fn);
}

/** Run `fn` with a deadline `ms` from now (null: none); see `timeoutAt`. */
export function timeout<T>(ms: number | null, fn: (cm: Timeout) => Promise<T> | T): Promise<T> {
  if (ms !== null) checkDelay(ms, 'timeout: ms');
  if (typeof fn !== 'function') throw new TypeError('timeout: fn must be a function');
  return timeoutAt(ms === null ? null : getRunningLoop().time() + ms, fn);
}
