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

/** `Handle._flags`: the kind takes the two lowest bits. */
const KIND_MASK = 3;
/** `Handle._flags`: the loop's own callback (task steps, wakeups, internal timers), which sets its own context. */
const INTERNAL = 4;

/** Where each handle was scheduled, kept in debug mode only: no handle pays a field for it. */
const sourceTracebacks = new WeakMap<Handle, string>();

/**
 * A callback scheduled on a loop (asyncio.Handle). It runs at most once and
 * never after `cancel()`. It remembers the async context it was scheduled in,
 * its scheduling sequence number, and its origin (the task or callback that
 * scheduled it) so that schedulers can keep per-origin order.
 *
 * A handle is small on purpose: with 1e5 timers pending, the loop's cost is
 * mostly moving handles through the young generation and reaching them in
 * memory. What only some handles need is folded into `_flags` and `_ctx`, or
 * kept outside (the debug-mode traceback).
 */
export class Handle {
  /** @internal null once cancelled */
  _callback: ((...args: any[]) => unknown) | null;
  /** @internal */ _args: unknown[];
  /** @internal */ readonly _loop: HandleOwner;
  /**
   * @internal for a user callback, the async context to run in (null: no
   * user store to restore); for the loop's own callback, the task it runs a
   * step of, if any
   */
  _ctx: CapturedContext | TaskRef;
  /** @internal scheduling order, unique per loop */
  _seq = 0;
  /** @internal the origin that scheduled this handle (task or callback id; 0 outside the loop) */
  _origin = 0;
  /** @internal the readiness order, set by the scheduler's push */
  _readySeq = 0;
  /** @internal the kind (two lowest bits) and INTERNAL */
  _flags: number;

  /**
   * @internal `ctx` is the captured context of a user callback, or, with
   * `internal`, the task whose step the loop's own callback runs (or null).
   */
  constructor(
    callback: (...args: any[]) => unknown,
    args: unknown[],
    loop: HandleOwner,
    ctx: CapturedContext | TaskRef,
    internal = false,
    kind: HandleKind = HandleKind.Callback,
  ) {
    this._callback = callback;
    this._args = args;
    this._loop = loop;
    this._ctx = ctx;
    this._flags = internal ? kind | INTERNAL : kind;
  }

  /** @internal true once `cancel()` was called */
  get _cancelled(): boolean {
    return this._callback === null;
  }

  /** @internal what the handle runs as */
  get _kind(): HandleKind {
    return this._flags & KIND_MASK;
  }

  /** @internal the loop's own callback (task steps, wakeups, internal timers): it sets its own context */
  get _internal(): boolean {
    return (this._flags & INTERNAL) !== 0;
  }

  /** @internal the task this handle runs a step of, if any */
  get _task(): TaskRef | null {
    return (this._flags & INTERNAL) !== 0 ? (this._ctx as TaskRef | null) : null;
  }

  /** @internal where it was scheduled (debug mode only) */
  get _sourceTraceback(): string | undefined {
    return sourceTracebacks.get(this);
  }

  set _sourceTraceback(stack: string | undefined) {
    if (stack === undefined) sourceTracebacks.delete(this);
    else sourceTracebacks.set(this, stack);
  }

  /** Prevent the callback from running. Idempotent; a handle that already ran is unaffected. */
  cancel(): void {
    if (this._callback !== null) {
      // Traced first: the trace names the callback, which cancelling drops.
      this._loop._traceCancel?.(this);
      this._callback = null;
      this._args = EMPTY_ARGS;
    }
  }

  /** True once `cancel()` was called. */
  cancelled(): boolean {
    return this._callback === null;
  }

  /** The callback's name, for messages and traces. */
  describe(): string {
    const cb = this._callback;
    return `${cb === null ? 'cancelled ' : ''}Handle#${this._seq}(${cb ? cb.name || 'anonymous' : ''})`;
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
    super(callback, args, loop, ctx, internal, HandleKind.Timer);
    this._when = when;
  }

  /** The scheduled time, in ms on the loop's clock. */
  when(): number {
    return this._when;
  }

  override cancel(): void {
    if (this._callback !== null) {
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
