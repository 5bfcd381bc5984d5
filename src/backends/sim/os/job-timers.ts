import { realClearImmediate, realClearInterval, realSetImmediate, realSetInterval, realSetTimeout } from '../../../loop/real-primitives.js';

type RealTimer = ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate>;

/** The JobTimers that made each real timer still tracked, so that a clear from anywhere untracks it. */
const owners = new WeakMap<object, JobTimers>();

/**
 * The real timers that simulated executor jobs made through a world's fake
 * globals (a job runs in this thread but, as on a worker thread, waits in
 * real time while it holds virtual time). Each is tracked until it fires or
 * is cleared, so that `clearAll` can end those still pending when the
 * executor shuts down or the world ends, as ending a worker thread ends its
 * timers: none outlives the run or keeps the process alive after it. A timer
 * cleared through its numeric id or `close()` stays tracked (clearing it
 * again then does nothing) until `clearAll`. An error a callback throws is
 * what would crash a worker thread: it goes to `onUncaught` with the job
 * that made the timer, instead of crashing this process.
 */
export class JobTimers {
  private readonly _pending = new Set<RealTimer>();

  /** `owner`: what the jobs belong to (their world's loop), so that a world clears only its own. */
  constructor(
    readonly owner: object,
    private readonly _onUncaught: (jobId: number, error: unknown) => void,
  ) {}

  /** The real `setTimeout(callback, delay, ...args)`, tracked; `callback` was checked by the caller. */
  setTimeout(jobId: number, callback: (...args: any[]) => unknown, delay: unknown, args: unknown[]): ReturnType<typeof setTimeout> {
    const pending = this._pending;
    const t = realSetTimeout(this._guard(jobId, callback, () => pending.delete(t)), delay as number, ...args);
    // refresh() re-arms a timeout that already fired: it is pending again.
    const refresh = t.refresh;
    Object.defineProperty(t, 'refresh', {
      value: function refreshJobTimeout(this: typeof t): typeof t {
        pending.add(t);
        return refresh.call(this);
      },
      writable: true,
      configurable: true,
      enumerable: false,
    });
    this._track(t);
    return t;
  }

  /** The real `setInterval(callback, delay, ...args)`, tracked until cleared. */
  setInterval(jobId: number, callback: (...args: any[]) => unknown, delay: unknown, args: unknown[]): ReturnType<typeof setInterval> {
    const t = realSetInterval(this._guard(jobId, callback, null), delay as number, ...args);
    this._track(t);
    return t;
  }

  /** The real `setImmediate(callback, ...args)`, tracked until it runs or is cleared. */
  setImmediate(jobId: number, callback: (...args: any[]) => unknown, args: unknown[]): ReturnType<typeof setImmediate> {
    const pending = this._pending;
    const im = realSetImmediate(this._guard(jobId, callback, () => pending.delete(im)), ...args);
    this._track(im);
    return im;
  }

  /** `callback` as a timer runs it (with the timer as `this`), after `onFire`; what it throws goes to `onUncaught`. */
  private _guard(jobId: number, callback: (...args: any[]) => unknown, onFire: (() => void) | null): (...args: unknown[]) => unknown {
    const onUncaught = this._onUncaught;
    return function jobTimerCallback(this: unknown, ...a: unknown[]): unknown {
      onFire?.();
      try {
        return callback.apply(this, a);
      } catch (err) {
        onUncaught(jobId, err);
        return undefined;
      }
    };
  }

  /** Clear every timer still pending. Timers made later are tracked again. */
  clearAll(): void {
    for (const t of this._pending) {
      owners.delete(t);
      // Timeouts and intervals share one clear, as in Node; an immediate has its own.
      if (isImmediate(t)) realClearImmediate(t);
      else realClearInterval(t);
    }
    this._pending.clear();
  }

  /** @internal stop tracking `t` (cleared by the job) */
  _forget(t: RealTimer): void {
    this._pending.delete(t);
  }

  private _track(t: RealTimer): void {
    this._pending.add(t);
    owners.set(t, this);
  }
}

function isImmediate(t: RealTimer): t is ReturnType<typeof setImmediate> {
  return typeof (t as { refresh?: unknown }).refresh !== 'function';
}

/** Stop tracking `timer` (the caller clears it): a no-op for anything that is no job's tracked timer. */
export function forgetJobTimer(timer: unknown): void {
  if (typeof timer !== 'object' || timer === null) return;
  owners.get(timer)?._forget(timer as RealTimer);
  owners.delete(timer);
}
