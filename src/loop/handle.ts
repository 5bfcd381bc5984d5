import type { CapturedContext } from './async-context.js';
import type { TaskRef } from './context.js';

/** Internal view of the loop a handle belongs to. */
export interface HandleOwner {
  _timerHandleCancelled(handle: TimerHandle): void;
  _traceCancel?(handle: Handle): void;
}

/** What a handle runs as, for traces and schedulers. */
export const enum HandleKind {
  Callback = 0,
  Timer = 1,
  /** A task's first step. */
  Step = 2,
  /** A future waking the task that awaited it. */
  Wake = 3,
}

/**
 * A callback scheduled on a loop (asyncio.Handle). It runs at most once and
 * never after `cancel()`. It remembers the async context it was scheduled in,
 * its scheduling sequence number, and its origin (the task or callback that
 * scheduled it) so that schedulers can keep per-origin order.
 */
export class Handle {
  /** @internal */ _callback: ((...args: any[]) => unknown) | null;
  /** @internal */ _args: unknown[];
  /** @internal */ _cancelled = false;
  /** @internal */ readonly _loop: HandleOwner;
  /** @internal the async context to run in (user callbacks; null: no user store to restore) */
  _ctx: CapturedContext;
  /** @internal the loop's own callback (task steps, wakeups, internal timers): it sets its own context */
  readonly _internal: boolean;
  /** @internal scheduling order, unique per loop */
  _seq = 0;
  /** @internal the origin that scheduled this handle (task or callback id; 0 outside the loop) */
  _origin = 0;
  /** @internal the task this handle runs a step of, if any */
  _task: TaskRef | null = null;
  /** @internal */
  _kind: HandleKind = HandleKind.Callback;
  /** @internal the readiness order, set by the scheduler's push */
  _readySeq = 0;
  /** @internal where it was scheduled (debug mode only) */
  _sourceTraceback: string | undefined = undefined;

  /** @internal */
  constructor(callback: (...args: any[]) => unknown, args: unknown[], loop: HandleOwner, ctx: CapturedContext, internal = false) {
    this._callback = callback;
    this._args = args;
    this._loop = loop;
    this._ctx = ctx;
    this._internal = internal;
  }

  /** Prevent the callback from running. Idempotent; a handle that already ran is unaffected. */
  cancel(): void {
    if (!this._cancelled) {
      this._cancelled = true;
      this._loop._traceCancel?.(this);
      this._callback = null;
      this._args = EMPTY_ARGS;
    }
  }

  /** True once `cancel()` was called. */
  cancelled(): boolean {
    return this._cancelled;
  }

  /** The callback's name, for messages and traces. */
  describe(): string {
    const cb = this._callback;
    return `${this._cancelled ? 'cancelled ' : ''}Handle#${this._seq}(${cb ? cb.name || 'anonymous' : ''})`;
  }

  toString(): string {
    return this.describe();
  }
}

/** Shared empty argument list, so that cancelled handles keep nothing alive. */
export const EMPTY_ARGS: unknown[] = [];

/**
 * A handle for a timer (asyncio.TimerHandle): runs at `when()` on the loop's
 * clock, after the callbacks already ready then, and never early. Cancelled
 * timers stay in the heap until popped or compacted, so cancel is O(1).
 */
export class TimerHandle extends Handle {
  /** @internal */ readonly _when: number;
  /** @internal true while the handle sits in the loop's timer heap */
  _scheduled = false;

  /** @internal */
  constructor(when: number, callback: (...args: any[]) => unknown, args: unknown[], loop: HandleOwner, ctx: CapturedContext, internal = false) {
    super(callback, args, loop, ctx, internal);
    this._when = when;
    this._kind = HandleKind.Timer;
  }

  /** The scheduled time, in ms on the loop's clock. */
  when(): number {
    return this._when;
  }

  override cancel(): void {
    if (!this._cancelled) {
      // Flag it first: the loop may compact the heap right away, and a
      // compaction must see this entry as cancelled (else it keeps it and
      // the heap's count of cancelled entries goes wrong).
      super.cancel();
      if (this._scheduled) this._loop._timerHandleCancelled(this);
    }
  }

  override describe(): string {
    return `Timer${super.describe()} when=${this._when}`;
  }
}
