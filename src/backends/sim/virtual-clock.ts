import type { Clock } from '../../loop/clock.js';

/** `_held`'s default, shared: a clock is made per simulated run. */
function never(): boolean {
  return false;
}

/**
 * Virtual time for a simulation. With `autoJump` (the default), whenever the
 * loop has nothing ready, time jumps at once to the next timer: an hour of
 * timeouts takes no real time. `advance(ms)` moves time by hand, from anywhere.
 * Never reads the real clock.
 */
export class VirtualClock implements Clock {
  private _autoJump = true;
  private _now: number;
  private _wake: (() => void) | null = null;
  /** @internal called after every move of time with (from, to, why) */
  _onMove: ((from: number, to: number, why: 'jump' | 'advance') => void) | null = null;
  /** @internal a deadline past this throws (the world's maxTime) */
  _limit = Infinity;
  /** @internal true while the world holds time for work outside the loop: no jump then */
  _held: () => boolean = never;
  /** @internal what to throw past `_limit` */
  _onLimit: ((deadline: number) => Error) | null = null;

  constructor(startTime = 0) {
    if (typeof startTime !== 'number' || !Number.isFinite(startTime)) {
      throw new TypeError(`VirtualClock: startTime must be a finite number, got ${String(startTime)}`);
    }
    this._now = startTime;
  }

  /** When true (the default), an idle loop jumps straight to its next timer; when false, time moves only by `advance()`. */
  get autoJump(): boolean {
    return this._autoJump;
  }

  set autoJump(on: boolean) {
    if (typeof on !== 'boolean') throw new TypeError(`autoJump must be a boolean, got ${typeof on}`);
    this._autoJump = on;
    // A loop idling for advance() must look at its timers again, and jump now.
    if (on) this._wake?.();
  }

  /** The virtual time in ms. */
  now(): number {
    return this._now;
  }

  /**
   * Move time forward by `ms` (synchronously); timers that became due run on
   * the loop's next iterations, in order. `TypeError` for NaN or a
   * non-number, `RangeError` for a negative or infinite `ms`.
   */
  advance(ms: number): void {
    if (typeof ms !== 'number' || Number.isNaN(ms)) throw new TypeError(`advance: ms must be a number, got ${typeof ms === 'number' ? 'NaN' : typeof ms}`);
    if (ms < 0 || !Number.isFinite(ms)) throw new RangeError(`advance: ms must be finite and >= 0, got ${ms}`);
    const from = this._now;
    this._now = from + ms;
    this._onMove?.(from, this._now, 'advance');
    this._wake?.();
  }

  /** @internal Clock: jump to the deadline when autojumping, else wait for `advance()`. */
  sleepTime(deadline: number): number {
    if (deadline <= this._now) return 0;
    if (!this._autoJump || deadline === Infinity || this._held()) return Infinity;
    if (deadline > this._limit && this._onLimit !== null) throw this._onLimit(deadline);
    const from = this._now;
    this._now = deadline;
    this._onMove?.(from, deadline, 'jump');
    return 0;
  }

  /**
   * @internal let an idle loop look at its timers again: something scheduled
   * a timer from outside the loop's callbacks (the fake globals do, from plain I/O).
   */
  _poke(): void {
    this._wake?.();
  }

  /** @internal Clock */
  setWakeup(wake: (() => void) | null): void {
    this._wake = wake;
  }
}
