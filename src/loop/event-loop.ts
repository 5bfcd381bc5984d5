import { AsyncResource } from 'node:async_hooks';
import { EventLoopError } from '../errors.js';
import type { Clock } from './clock.js';
import {
  captureContext,
  driversEnterOwnContext,
  resetEnteredStores,
  runInContext,
  userStoresEnabled,
  type CapturedContext,
} from './async-context.js';
import { currentFrame, enterFrame, LoopFrame, restoreFrame, type Frame, type TaskRef } from './context.js';
import { makeDefaultBackend } from './defaults.js';
import { EMPTY_ARGS, Handle, HandleKind, TimerHandle } from './handle.js';
import { loopHooks, type Awaitable, type CloseReportable, type ExceptionContext } from './loop-hooks.js';
import type { Executor, OS } from './os.js';
import { realClearImmediate, realSetImmediate } from './real-primitives.js';
import { anchorShapes } from './shape-anchor.js';
import { FifoScheduler, type Scheduler } from './scheduler.js';
import type { Selector } from './selector.js';
import { settleablePromise } from './settleable-promise.js';
import { TimerHeap } from './timer-heap.js';

/** Options of `new EventLoop()`: the injected interfaces, all optional. */
export interface LoopOptions {
  /** Time source; default: the Node backend's monotonic clock. */
  clock?: Clock;
  /** Idle wait; default: the Node backend's. */
  selector?: Selector;
  /** OS services; default: the Node backend's. */
  os?: OS;
  /** Which ready callback runs next; default FIFO. */
  scheduler?: Scheduler;
  /** Debug mode (slow-callback warnings, source tracebacks). */
  debug?: boolean;
  /**
   * Record mode: write every TCP/unix connection the loop opens or accepts
   * to a transcript in this directory (`<n>-<host>-<port>.json`), for
   * scripted peers to replay in a simulation (fixtures/README.md).
   */
  record?: string;
}

/** Where the loop writes warnings and the default exception handler's reports. */
export interface LoopLogger {
  warn(message: string): void;
  error(message: string): void;
}

/** Receives the loop's scheduling events (a simulation builds its trace from them). */
export type LoopTracer = (kind: string, task: TaskRef | null, handle: Handle | null, detail?: string) => void;

/** A custom exception handler, as `setExceptionHandler` takes. */
export type ExceptionHandler = (loop: EventLoop, context: ExceptionContext) => void;

/** A task factory, as `setTaskFactory` takes: it receives `createTask`'s options, name included. */
export type TaskFactory = (loop: EventLoop, fn: () => unknown, opts: { name?: string }) => any;

const enum LoopState {
  Stopped = 0,
  Running = 1,
  /** Running, but waiting in the selector because nothing is ready. */
  Idle = 2,
}

/**
 * Node's microtask checkpoint, the one `processImmediate` runs between two
 * immediates: every pending `process.nextTick` and microtask (and the
 * unhandled-rejection check). A driver runs it after each loop callback, so
 * that one driver immediate can run many callbacks and guarantee 4 still
 * holds. Undefined on a host without it: each driver then runs one callback,
 * and Node runs the microtasks after it.
 */
const checkpoint: (() => void) | undefined = (() => {
  const tick = (process as unknown as { _tickCallback?: unknown })._tickCallback;
  return typeof tick === 'function' ? (tick as () => void) : undefined;
})();

/** Loop callbacks per driver when the selector does not say (see Selector.driverBudget). */
const DEFAULT_DRIVER_BUDGET = 16;

const defaultLogger: LoopLogger = {
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

function checkCallback(callback: unknown, where: string): void {
  if (typeof callback !== 'function') {
    throw new TypeError(`${where}: callback must be a function, got ${describeValue(callback)}`);
  }
}

function describeValue(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (typeof v === 'function') return `function ${v.name || '(anonymous)'}`;
  return typeof v;
}

function checkTime(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${what} must be a number, got ${describeValue(value)}`);
  }
}

function noop(): void {}

/** The context drivers run in: the one simloop was loaded in (no loop frame, no user store). */
const driverScope = new AsyncResource('simloop.Driver');

let runtimeAnchored = false;

/**
 * A stand-in frame for the anchored promise below: it must keep no loop
 * alive, and no reaction ever runs in it (the promise is settled and has
 * none).
 */
const ANCHOR_FRAME = { loop: null, task: null } as unknown as Frame;

/**
 * Anchor (see shape-anchor.ts) an immediate as Node makes them while the
 * loop runs, and a promise carrying a frame, as every promise made under a
 * loop does. Made in the first driver.
 */
function anchorRuntimeShapes(): void {
  runtimeAnchored = true;
  anchorShapes(() => {
    const imm = realSetImmediate(noop);
    realClearImmediate(imm);
    const outer = enterFrame(ANCHOR_FRAME);
    try {
      return [imm, Promise.resolve()];
    } finally {
      restoreFrame(outer);
    }
  });
}

function queueDriver(drive: () => void): void {
  realSetImmediate(drive);
}

/**
 * Loops whose driver was asked for while a driver was running, in this
 * thread's single chain of them: the running driver runs them next, in its
 * own immediate (see EventLoop._drive), instead of each waiting for a libuv
 * iteration of its own. An explored run's loop is started by the microtasks
 * that end the run before it, so a whole exploration goes on in a few
 * immediates instead of one libuv iteration per run.
 */
const handoffs: EventLoop[] = [];
/** True while a driver runs (handoffs are taken only then). */
let driving = false;
/** Drivers one immediate runs in a row before the loops still waiting get immediates of their own, so that libuv's I/O and timers run. */
const MAX_HANDOFFS = 64;
/**
 * Handoffs need a driver that cleans its own context (it runs in another
 * loop's immediate) and runs Node's checkpoint itself; so does a driver run
 * inside a host callback (`_runHostCallback`).
 */
const handoffsWork = driversEnterOwnContext && checkpoint !== undefined;

/**
 * Python's asyncio event loop: callbacks, timers, futures and tasks run on it,
 * one loop callback at a time, with time from an injected `Clock`, idle waits
 * through an injected `Selector` and OS services through an injected `OS`.
 * One iteration is asyncio's `_run_once`: wait (or jump) until something is
 * ready, move due timers to the ready queue in (when, scheduling order), then
 * run the callbacks ready now, each followed by every microtask it queued.
 */
export class EventLoop implements AsyncDisposable {
  /** ms a callback may run in debug mode before a slow-callback warning (default 100). */
  slowCallbackDuration = 100;
  /** Where warnings and default exception reports go (default: the console). */
  logger: LoopLogger = defaultLogger;

  /** @internal */ readonly _clock: Clock;
  /** @internal */ readonly _selector: Selector;
  /** @internal */ readonly _os: OS | null;
  /** @internal */ readonly _scheduler: Scheduler;
  /** @internal */ readonly _timers = new TimerHeap<TimerHandle>();
  /** @internal the frame plain callbacks run in */
  readonly _frame: Frame;
  /** @internal pending tasks, in creation order */
  readonly _tasks = new Set<TaskRef & CloseReportable>();
  /** @internal futures whose exception nobody retrieved yet */
  readonly _unretrieved = new Set<CloseReportable>();
  /** @internal receives scheduling events when set (simulations) */
  _tracer: LoopTracer | null = null;
  /** @internal the handle that ran last (its microtasks may still be running) */
  _currentHandle: Handle | null = null;
  /** @internal the loop-internal handle running synchronously now (it has no frame of its own) */
  _internalHandle: Handle | null = null;
  /** @internal next sequence number for handles and tasks */
  _nextSeq = 1;
  /** @internal default task names count per loop */
  _taskCounter = 0;
  /** @internal */ _taskFactory: TaskFactory | null = null;
  /** @internal */ _defaultExecutor: Executor | null = null;

  private _state = LoopState.Stopped;
  private _closed = false;
  private _stopping = false;
  /** Callbacks left in the current iteration's batch. */
  private _batch = 0;
  /** Iterations begun in the current run (a `stop()` made before the run still lets one happen). */
  private _iterations = 0;
  /** Driver immediates queued and not yet run (0 or 1, but for one left over from a run that ended). */
  private _queued = 0;
  /** Host callbacks (`_runHostCallback`) running now. */
  private _hostDepth = 0;
  /** A driver was asked for inside a host callback: it runs when that callback's delivery returns. */
  private _driveAfterHost = false;
  /** Loop callbacks one driver runs (Selector.driverBudget; 1 without Node's checkpoint). */
  private readonly _driverBudget: number;
  private _debug: boolean;
  /** @internal record mode's directory (LoopOptions.record), or null */
  readonly _recordDir: string | null;
  private _exceptionHandler: ExceptionHandler | null = null;
  /** @internal the settlers of the current run's promise (see `runForever`) */
  _resolve: ((value: void) => void) | null = null;
  /** @internal */ _reject: ((e: unknown) => void) | null = null;
  /** The promise of the current (or last) run, for asyncDispose to wait on. */
  private _run: Promise<void> | null = null;
  private _slowHandle: Handle | null = null;
  private _slowStart = 0;

  constructor(options: LoopOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`EventLoop: options must be an object, got ${describeValue(options)}`);
    }
    let { clock, selector, os } = options;
    if (clock === undefined || selector === undefined || os === undefined) {
      const backend = makeDefaultBackend();
      clock ??= backend.clock;
      selector ??= backend.selector;
      os ??= backend.os;
    }
    if (typeof clock?.now !== 'function' || typeof clock.sleepTime !== 'function') {
      throw new TypeError('EventLoop: options.clock must implement Clock (now, sleepTime)');
    }
    if (typeof selector?.wait !== 'function' || typeof selector.cancelWait !== 'function') {
      throw new TypeError('EventLoop: options.selector must implement Selector (wait, cancelWait, close)');
    }
    const budget = selector.driverBudget;
    if (budget !== undefined && !(Number.isInteger(budget) && budget >= 1)) {
      throw new RangeError(`EventLoop: options.selector.driverBudget must be a positive integer, got ${describeValue(budget)}`);
    }
    this._clock = clock;
    this._selector = selector;
    this._driverBudget = checkpoint === undefined ? 1 : (budget ?? DEFAULT_DRIVER_BUDGET);
    this._os = os ?? null;
    this._scheduler = options.scheduler ?? new FifoScheduler();
    this._debug = options.debug === true;
    if (options.record !== undefined && (typeof options.record !== 'string' || options.record === '')) {
      throw new TypeError(`EventLoop: options.record must be a directory path, got ${describeValue(options.record)}`);
    }
    this._recordDir = options.record ?? null;
    this._frame = new LoopFrame(this, null);
  }

  // ---------------------------------------------------------------- running

  /**
   * Run until `aw` is done and return its result (or throw its exception).
   * A function becomes a task; a promise is wrapped in a future.
   * `EventLoopError` when the loop stopped before `aw` finished.
   */
  async runUntilComplete<T>(aw: Awaitable<T>): Promise<T> {
    this._checkClosed();
    this._checkNotRunning();
    const ensure = loopHooks.ensureFuture;
    if (ensure === null) throw new TypeError('runUntilComplete: the tasks layer is not loaded; import from "simloop"');
    const fut = ensure(aw, this);
    const onDone = (): void => this.stop();
    fut.addDoneCallback(onDone);
    try {
      await this.runForever();
    } finally {
      fut.removeDoneCallback(onDone);
    }
    if (!fut.done()) throw new EventLoopError('Event loop stopped before Future completed.');
    return fut.result();
  }

  /** Run until `stop()` is called; resolves then. Rejects when the loop is closed or already running. */
  runForever(): Promise<void> {
    try {
      this._checkClosed();
      this._checkNotRunning();
    } catch (e) {
      return Promise.reject(e);
    }
    const run = settleablePromise<void>(this);
    this._run = run;
    this._state = LoopState.Running;
    try {
      this._clock.setWakeup?.(this._onClockMoved);
      this._ensureDriver();
    } catch (e) {
      // A clock whose setWakeup throws: the run fails at once, and the loop is stopped again.
      this._fail(e);
    }
    return run;
  }

  /** Stop after the callbacks of the current iteration have run. */
  stop(): void {
    this._stopping = true;
    if (this._state === LoopState.Idle) this._wakeup();
  }

  /** True between `runForever()`/`runUntilComplete()` starting and returning. */
  isRunning(): boolean {
    return this._state !== LoopState.Stopped;
  }

  /** True after `close()`. */
  isClosed(): boolean {
    return this._closed;
  }

  /**
   * Close the loop: discard pending callbacks and timers, release the
   * selector, shut the default executor down without waiting. Reports
   * (through the exception handler) tasks still pending and futures whose
   * exception was never retrieved. Idempotent; `EventLoopError` while running.
   */
  close(): void {
    if (this._state !== LoopState.Stopped) throw new EventLoopError('Cannot close a running event loop');
    if (this._closed) return;
    this._closed = true;
    // Most loops close with no task pending and nothing unretrieved: then no
    // iterator is made, and no Set.clear (which allocates a fresh table).
    if (this._tasks.size > 0) for (const task of this._tasks) this.callExceptionHandler(task._closeReport());
    if (this._unretrieved.size > 0) {
      for (const fut of this._unretrieved) this.callExceptionHandler(fut._closeReport());
      this._unretrieved.clear();
    }
    this._scheduler.clear();
    this._timers.clear();
    this._selector.close();
    const executor = this._defaultExecutor;
    this._defaultExecutor = null;
    if (executor !== null) void executor.shutdown(false);
    for (const hook of loopHooks.onClose) {
      try {
        hook(this);
      } catch (e) {
        this.callExceptionHandler({ message: 'Exception in a close hook', exception: e });
      }
    }
  }

  /**
   * Close the loop (see `close`) and wait for the default executor to shut
   * down. A running loop is stopped first, and closed once its run has ended.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this._state !== LoopState.Stopped) {
      const run = this._run;
      this.stop();
      // close() throws while running: wait for the run to end (its outcome is its caller's).
      if (run !== null) await run.then(noop, noop);
    }
    if (!this._closed) {
      const executor = this._defaultExecutor;
      this._defaultExecutor = null;
      this.close();
      if (executor !== null) await executor.shutdown(true);
    }
    // A driver still queued would show in getActiveResourcesInfo(): it runs
    // (as a no-op) before an immediate queued now.
    await new Promise<void>((resolve) => realSetImmediate(resolve));
  }

  /** Shut down the default executor, waiting for its running work. */
  async shutdownDefaultExecutor(): Promise<void> {
    const executor = this._defaultExecutor;
    this._defaultExecutor = null;
    if (executor !== null) await executor.shutdown(true);
  }

  /** The executor `runInExecutor(null, ...)` uses; made by the OS on first use. */
  setDefaultExecutor(executor: Executor): void {
    if (executor === null || typeof executor !== 'object' || typeof executor.submit !== 'function') {
      throw new TypeError('setDefaultExecutor: executor must implement Executor (submit, shutdown)');
    }
    this._defaultExecutor = executor;
  }

  /**
   * @internal the executor `runInExecutor` uses: `executor` itself, else the
   * default one, made by the OS on first use
   */
  _resolveExecutor(executor: Executor | null | undefined): Executor {
    this._checkClosed();
    if (executor !== null && executor !== undefined) {
      if (typeof executor !== 'object' || typeof executor.submit !== 'function') {
        throw new TypeError('runInExecutor: executor must implement Executor (submit, shutdown) or be null');
      }
      return executor;
    }
    if (this._defaultExecutor === null) {
      const make = this._os?.createDefaultExecutor;
      if (make === undefined) {
        throw new TypeError("runInExecutor: this loop's OS makes no default executor; pass an executor or call setDefaultExecutor()");
      }
      this._defaultExecutor = make.call(this._os);
    }
    return this._defaultExecutor;
  }


  // ------------------------------------------------------------- scheduling

  /** The loop's time: monotonic milliseconds from the injected clock. */
  time(): number {
    return this._clock.now();
  }

  /**
   * Schedule `callback(...args)` for the next iteration, after the callbacks
   * already scheduled (FIFO under the default scheduler). It runs in the async
   * context of the caller. Wakes an idle loop.
   */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    this._checkClosed();
    checkCallback(callback, 'callSoon');
    const h = new Handle(callback as (...a: unknown[]) => unknown, args.length === 0 ? EMPTY_ARGS : args, this, captureContext());
    this._enqueue(h);
    return h;
  }

  /**
   * As `callSoon`, and safe from any other context (another loop, a worker
   * message, a Node event handler): it always wakes the loop.
   */
  callSoonThreadsafe<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    this._checkClosed();
    checkCallback(callback, 'callSoonThreadsafe');
    const h = new Handle(callback as (...a: unknown[]) => unknown, args.length === 0 ? EMPTY_ARGS : args, this, captureContext());
    this._enqueue(h);
    return h;
  }

  /**
   * Schedule `callback(...args)` at `time() + delayMs`. Never runs early; due
   * timers run in (when, scheduling order), after the callbacks ready when
   * they came due. `Infinity` never fires. `TypeError` for NaN or a non-number.
   */
  callLater<A extends unknown[]>(delayMs: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    checkTime(delayMs, 'callLater: delayMs');
    return this._callAt(this._clock.now() + delayMs, callback as (...a: unknown[]) => unknown, args, 'callLater');
  }

  /** Schedule `callback(...args)` at loop time `whenMs`; see `callLater`. */
  callAt<A extends unknown[]>(whenMs: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    checkTime(whenMs, 'callAt: whenMs');
    return this._callAt(whenMs, callback as (...a: unknown[]) => unknown, args, 'callAt');
  }

  private _callAt(when: number, callback: (...a: unknown[]) => unknown, args: unknown[], where: string): TimerHandle {
    this._checkClosed();
    checkCallback(callback, where);
    // The shared empty list instead of the rest array: a timer lives long enough to be promoted, its empty array need not.
    const h = new TimerHandle(when, callback, args.length === 0 ? EMPTY_ARGS : args, this, captureContext());
    this._stamp(h);
    this._pushTimer(h);
    return h;
  }

  private _pushTimer(h: TimerHandle): void {
    // An infinite timer can never come due: keeping it out of the heap means
    // it costs nothing and autojump never sees it.
    if (h._when === Infinity) return;
    this._timers.push(h);
    // Code outside a loop callback (a Node event handler, a task resumed by a
    // plain promise) may add a timer while the loop waits for a later one, or
    // for nothing at all: the wait must be recomputed, else the timer fires
    // late or never.
    if (this._state === LoopState.Idle && this._timers.peek() === h) this._wakeup();
  }

  /** @internal schedule a loop-internal callback (task steps, wakeups) that sets its own context */
  _scheduleInternal(callback: (...a: any[]) => unknown, args: unknown[], task: TaskRef | null, kind: HandleKind): Handle {
    const h = new Handle(callback, args, this, task, true, kind);
    this._enqueue(h);
    return h;
  }

  /** @internal a timer for the loop's own code (no user context, never traced as user code) */
  _timerInternal(when: number, callback: (...a: any[]) => unknown, args: unknown[]): TimerHandle {
    const h = new TimerHandle(when, callback, args, this, null, true);
    this._stamp(h);
    this._pushTimer(h);
    return h;
  }

  /** @internal schedule a callback in a context captured earlier (done callbacks) */
  _scheduleInContext(callback: (...a: any[]) => unknown, args: unknown[], ctx: CapturedContext): Handle {
    const h = new Handle(callback, args, this, ctx);
    this._enqueue(h);
    return h;
  }

  /** @internal capture the caller's async context, to run a callback in later */
  _captureContext(): CapturedContext {
    return captureContext();
  }

  /** @internal the origin id of the code running now (its task's, else its callback's; 0 outside the loop) */
  _currentOrigin(): number {
    const frame = currentFrame();
    if (frame === undefined || frame.loop !== this) return this._internalHandle === null ? 0 : this._internalHandle._seq;
    if (frame.task !== null) return frame.task._originId;
    // A task's wakeup resumes its code (a StreamReader's read step): what
    // it schedules is the task's, as it would be from the task's own frame.
    const internal = this._internalHandle;
    if (internal !== null && internal._kind === HandleKind.Wake && internal._task !== null) return internal._task._originId;
    return this._currentHandle === null ? 0 : this._currentHandle._seq;
  }

  private _stamp(h: Handle): void {
    h._seq = this._nextSeq++;
    if (this._scheduler.tracksOrigins) h._origin = this._currentOrigin();
    if (this._debug) h._sourceTraceback = new Error('scheduled here').stack;
  }

  private _enqueue(h: Handle): void {
    this._stamp(h);
    this._scheduler.push(h);
    if (this._state === LoopState.Idle) this._wakeup();
  }

  /** @internal a timer in the heap was cancelled */
  _timerHandleCancelled(_h: TimerHandle): void {
    this._timers.noteCancelled();
  }

  /** @internal */
  _traceCancel(h: Handle): void {
    if (this._tracer !== null) this._tracer('cancel', h._task, h);
  }

  /** @internal emit a scheduling event to the tracer, if any */
  _traceEvent(kind: string, task: TaskRef | null, detail?: string): void {
    if (this._tracer !== null) this._tracer(kind, task, null, detail);
  }

  // ------------------------------------------------------------ the driver

  /**
   * @internal Deliver `fn(arg)` from the top of a host I/O callback (a plain
   * socket's read): if it wakes the idle loop, the loop's driver runs at once,
   * in this callback, instead of in an immediate of its own. The callbacks
   * run as in an immediate, each followed by Node's microtask checkpoint,
   * which is why the caller must be at the top of the stack (no microtask
   * running, whose checkpoint would not nest). Where a driver cannot run
   * that way (no checkpoint to call, or user AsyncLocalStorage stores
   * enabled, which the host callback's resource would carry into the
   * loop's callbacks), this is `fn(arg)`.
   *
   * Why: a one-connection echo wakes an idle loop twice per round trip
   * (once per side). Driving inside the read callback instead of a
   * check-phase immediate took the Streams echo from 0.88-0.92x raw
   * node:net to 0.94-0.98x and the Protocol echo from 0.98-1.06x to
   * 1.07-1.12x (bench net-echo, 11 runs each). Fifty connections went from
   * 1.08-1.17x to 1.04-1.09x: the events of one poll phase no longer share
   * one driver.
   */
  _runHostCallback<A>(fn: (arg: A) => void, arg: A): void {
    if (!handoffsWork || userStoresEnabled()) {
      fn(arg);
      return;
    }
    this._hostDepth++;
    let delivered = false;
    try {
      fn(arg);
      delivered = true;
    } finally {
      if (--this._hostDepth === 0 && this._driveAfterHost) {
        this._driveAfterHost = false;
        // A delivery that threw propagates as the host callback's error; the loop goes on in an immediate.
        if (delivered) this._drive();
        else this._queueImmediate();
      }
    }
  }

  /**
   * Have a driver queued, unless one already is. While the loop runs, one
   * driver is queued or running, and it runs the callbacks: each followed by
   * Node's microtask checkpoint (guarantee 4), up to the budget of them,
   * iteration after iteration, until nothing is ready (the loop goes idle in
   * it) or the budget is spent (it queues the next driver). So an event that
   * wakes an idle loop costs one immediate, however many hops (a read
   * callback, then the task it wakes) follow from it; and the events that
   * come in one libuv poll phase (fifty connections' data) all run in the
   * one check-phase driver the first of them queued. Asked for while a
   * driver runs, it is handed to that driver instead (see `handoffs`).
   * Asked for by a plain socket's read (`_runHostCallback`), the driver
   * runs in that read callback instead, with no immediate.
   *
   * (Tried and dropped: queuing a woken loop's driver as a
   * `process.nextTick`, so that it runs right after the I/O callback that
   * woke it. One connection's echo gained about 2%, fifty connections'
   * lost about 5%, measured as whole runs in a row, whose noise hid more.)
   */
  private _ensureDriver(handOff = true): void {
    if (this._queued > 0) return;
    this._queued = 1;
    // Woken by a host callback's delivery: the driver runs right after it (see _runHostCallback).
    if (this._hostDepth > 0 && !driving) {
      this._driveAfterHost = true;
      return;
    }
    // Asked for while a driver runs (from its callbacks' microtasks): that
    // driver runs this loop next.
    if (handOff && driving && handoffsWork) handoffs.push(this);
    else this._queueImmediate();
  }

  /** Queue the loop's driver as an immediate of its own (`_queued` already counts it). */
  private _queueImmediate(): void {
    if (driversEnterOwnContext) {
      // The driver cleans its context itself when it starts (resetEnteredStores).
      realSetImmediate(this._drive);
      return;
    }
    // A driver runs in the async context it was queued in, and queues the
    // next one from there: queued from whatever code woke the loop (another
    // loop's task, a request's AsyncLocalStorage), that context would reach
    // every loop-internal callback from then on, and stay alive as long.
    driverScope.runInAsyncScope(queueDriver, null, this._drive);
  }

  /**
   * A driver immediate: this loop's driver, then the drivers handed over to
   * it (see `handoffs`), each after the microtask checkpoint that follows
   * the one before, as Node's would between two immediates.
   */
  private readonly _drive = (): void => {
    driving = true;
    try {
      this._driveLoop();
      for (let n = 0; handoffsWork && n < MAX_HANDOFFS; n++) {
        // What the last callback's run left for microtasks (the end of a
        // run, a wakeup) runs now, while handoffs are taken.
        checkpoint!();
        const next = handoffs.shift();
        if (next === undefined) break;
        next._driveLoop();
      }
    } finally {
      driving = false;
      // Loops still waiting (past MAX_HANDOFFS, or after a throw) get immediates of their own.
      for (let next = handoffs.shift(); next !== undefined; next = handoffs.shift()) next._queueImmediate();
    }
  };

  /** One loop's turn in a driver immediate: its callbacks and iteration bookkeeping, until idle, stopped or out of budget. */
  private _driveLoop(): void {
    this._queued--;
    if (this._state !== LoopState.Running) return;
    // In the loop's frame, with no user store: a plain callback with no
    // captured context then runs as is (see _runHandle).
    if (driversEnterOwnContext) resetEnteredStores(driverScope);
    if (!runtimeAnchored) anchorRuntimeShapes();
    const outer = enterFrame(this._frame);
    let finished = false;
    try {
      this._driveSome(this._driverBudget);
      finished = true;
    } finally {
      // A checkpoint that threw (a nextTick callback, an unhandled rejection
      // in 'throw' mode) propagates as Node's would between two immediates;
      // the loop goes on in the next driver.
      restoreFrame(outer);
      if (!finished && this._state === LoopState.Running) this._ensureDriver();
    }
  }

  private _driveSome(budget: number): void {
    // The work of one round is its own small function: V8 optimizes it
    // after a few calls, where a loop around all of it would wait for
    // on-stack replacement, once per driver (a simulated run has one).
    for (let ran = 0; ran < budget; ran++) if (!this._driveOne()) return;
    // Out of budget: an immediate of its own, never a handoff, so that libuv runs first.
    if (this._state === LoopState.Running) this._ensureDriver(false);
  }

  /**
   * One round of the driver: the bookkeeping that starts iterations, then
   * one callback and Node's microtask checkpoint after it. False when the
   * driver has to stop: the loop went idle, stopped or failed.
   */
  private _driveOne(): boolean {
    if (this._state !== LoopState.Running) return false;
    if (this._slowHandle !== null) this._checkSlow();
    while (this._batch === 0) {
      if (this._stopping && this._iterations > 0) {
        this._finishRun();
        return false;
      }
      // Goes idle when nothing is ready: the last callback's microtasks
      // have run, so what they scheduled is seen. (A batch of none comes
      // only when stopping, which the next turn ends.)
      if (!this._beginIteration()) return false;
    }
    this._batch--;
    const h = this._scheduler.next();
    if (!h._cancelled) {
      this._runHandle(h);
      resetEnteredStores(driverScope);
    }
    if (checkpoint !== undefined) {
      checkpoint();
      if (this._slowHandle !== null) this._checkSlow();
    }
    return true;
  }

  /**
   * Steps (1) and (2) of an iteration: wait or jump until something is ready,
   * then move the due timers to the ready queue. Returns false when the loop
   * went idle or failed.
   */
  private _beginIteration(): boolean {
    const scheduler = this._scheduler;
    const timers = this._timers;
    for (;;) {
      if (scheduler.size === 0 && !this._stopping) {
        const deadline = timers.nextWhen();
        let realWait: number;
        try {
          // An endless wait needs no clock read (sleepTime(Infinity) is Infinity on every clock).
          realWait = deadline === Infinity ? Infinity : deadline > this._clock.now() ? this._clock.sleepTime(deadline) : 0;
        } catch (e) {
          this._fail(e);
          return false;
        }
        if (realWait > 0 || deadline === Infinity) {
          this._state = LoopState.Idle;
          this._selector.wait(realWait > 0 ? realWait : Infinity, this._onSelectorWake);
          return false;
        }
      }
      // No timer pending (an I/O-driven loop, mostly): no clock read.
      if (timers.size > 0) {
        const now = this._clock.now();
        let top: TimerHandle | undefined;
        while ((top = timers.popDue(now)) !== undefined) scheduler.push(top);
      }
      this._batch = scheduler.startBatch();
      if (this._batch > 0 || this._stopping) {
        this._iterations++;
        return true;
      }
    }
  }

  private _runHandle(h: Handle): void {
    this._currentHandle = h;
    if (this._debug) {
      this._slowHandle = h;
      this._slowStart = this._clock.now();
    }
    const tracer = this._tracer;
    if (tracer !== null) {
      tracer(h._kind === HandleKind.Timer ? 'timer' : h._kind === HandleKind.Callback ? 'callback' : 'step', h._task, h);
    }
    const cb = h._callback!;
    const args = h._args;
    try {
      if (!h._internal) {
        const ctx = h._ctx as CapturedContext;
        // A driver runs in this loop's frame (entered when it starts) with
        // no user store. So a callback with no captured context runs as is,
        // with no store lookup on the driver's resource.
        const r = ctx === null ? cb.apply(null, args) : runInContext(ctx, this._frame, cb, ...args);
        // An async callback's failure is a rejection, not a throw: report it
        // like one (guarantee 5) instead of leaving an unhandled rejection
        // that would end the process.
        if (r instanceof Promise) r.then(undefined, (e: unknown) => this._reportCallbackError(h, e));
      } else {
        // Task steps and wakeups enter the task's own context themselves.
        // What the loop's own callback schedules synchronously has it as origin.
        this._internalHandle = h;
        try {
          cb.apply(null, args);
        } finally {
          this._internalHandle = null;
        }
      }
    } catch (e) {
      this._reportCallbackError(h, e);
    }
  }

  private _reportCallbackError(h: Handle, e: unknown): void {
    const context: ExceptionContext = { message: `Exception in callback ${h.describe()}`, exception: e, handle: h };
    if (h._sourceTraceback !== undefined) context.sourceTraceback = h._sourceTraceback;
    this.callExceptionHandler(context);
  }

  private _checkSlow(): void {
    const h = this._slowHandle!;
    this._slowHandle = null;
    const dt = this._clock.now() - this._slowStart;
    if (dt >= this.slowCallbackDuration) {
      const what = h._task !== null ? `step of task '${h._task.getName()}'` : h.describe();
      this.logger.warn(`Executing ${what} took ${dt.toFixed(3)} ms`);
    }
  }

  private _wakeup(): void {
    this._selector.cancelWait();
    this._state = LoopState.Running;
    this._ensureDriver();
  }

  private readonly _onSelectorWake = (...error: unknown[]): void => {
    if (this._state !== LoopState.Idle) return;
    if (error.length > 0) {
      this._fail(error[0]);
      return;
    }
    this._state = LoopState.Running;
    this._ensureDriver();
  };

  private readonly _onClockMoved = (): void => {
    if (this._state === LoopState.Idle) this._wakeup();
  };

  private _finishRun(): void {
    const resolve = this._resolve;
    this._endRun();
    resolve?.();
  }

  /** @internal end the run at once with `error` (runForever rejects with it) */
  _fail(error: unknown): void {
    if (this._state === LoopState.Stopped) return;
    if (this._state === LoopState.Idle) this._selector.cancelWait();
    const reject = this._reject;
    this._endRun();
    reject?.(error);
  }

  private _endRun(): void {
    // A run failed in the middle of a callback: measure that callback now,
    // or the next run would count the time between the runs as its.
    if (this._slowHandle !== null) this._checkSlow();
    this._state = LoopState.Stopped;
    this._stopping = false;
    this._batch = 0;
    this._iterations = 0;
    this._resolve = null;
    this._reject = null;
    this._clock.setWakeup?.(null);
  }

  private _checkClosed(): void {
    if (this._closed) throw new EventLoopError('Event loop is closed');
  }

  private _checkNotRunning(): void {
    if (this._state !== LoopState.Stopped) throw new EventLoopError('This event loop is already running');
    const frame = currentFrame();
    if (frame !== undefined && frame.loop !== this && frame.loop.isRunning()) {
      throw new EventLoopError('Cannot run the event loop while another loop is running');
    }
  }

  // --------------------------------------------------------------- errors

  /** Set the handler for uncaught errors in callbacks (null: the default). `TypeError` if not a function. */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== 'function') {
      throw new TypeError(`setExceptionHandler: handler must be a function or null, got ${describeValue(handler)}`);
    }
    this._exceptionHandler = handler;
  }

  /** The custom exception handler, or null. */
  getExceptionHandler(): ExceptionHandler | null {
    return this._exceptionHandler;
  }

  /** The default handler: logs the message, the context and the exception's stack through `logger.error`. */
  defaultExceptionHandler(context: ExceptionContext): void {
    const lines = [context.message || 'Unhandled exception in event loop'];
    for (const key of Object.keys(context).sort()) {
      if (key === 'message' || key === 'exception') continue;
      lines.push(`${key}: ${describeContextValue(context[key])}`);
    }
    const exc = context.exception;
    if (exc !== undefined) lines.push(exc instanceof Error ? exc.stack ?? String(exc) : String(exc));
    this.logger.error(lines.join('\n'));
  }

  /**
   * Report an error: to the custom handler if set, else the default one. An
   * error thrown by the custom handler is itself reported by the default one.
   */
  callExceptionHandler(context: ExceptionContext): void {
    const handler = this._exceptionHandler;
    if (handler === null) {
      try {
        this.defaultExceptionHandler(context);
      } catch (e) {
        this._lastResortLog('Exception in default exception handler', e);
      }
      return;
    }
    try {
      handler(this, context);
    } catch (e) {
      try {
        this.defaultExceptionHandler({ message: 'Unhandled error in exception handler', exception: e, context });
      } catch (e2) {
        this._lastResortLog('Exception in default exception handler while handling an unexpected error in custom exception handler', e2);
      }
    }
  }

  /** The default handler failed (a subclass's, or the logger): say so through the logger, and never throw. */
  private _lastResortLog(message: string, e: unknown): void {
    try {
      this.logger.error(`${message}\n${e instanceof Error ? e.stack ?? String(e) : String(e)}`);
    } catch {
      // the logger itself failed: nothing sensible is left to report to
    }
  }

  // ------------------------------------------------------- tasks & debug

  /** Set the factory `createTask` uses (null: plain tasks); it gets `createTask`'s options. */
  setTaskFactory(factory: TaskFactory | null): void {
    if (factory !== null && typeof factory !== 'function') {
      throw new TypeError(`setTaskFactory: factory must be a function or null, got ${describeValue(factory)}`);
    }
    this._taskFactory = factory;
  }

  /** The task factory, or null. */
  getTaskFactory(): TaskFactory | null {
    return this._taskFactory;
  }

  /** Turn debug mode on or off (slow-callback warnings, where-scheduled tracebacks). */
  setDebug(enabled: boolean): void {
    this._debug = Boolean(enabled);
  }

  /** Whether debug mode is on. */
  getDebug(): boolean {
    return this._debug;
  }
}

function describeContextValue(v: unknown): string {
  if (v !== null && typeof v === 'object' && typeof (v as { toString?: unknown }).toString === 'function') {
    const s = String(v);
    if (s !== '[object Object]') return s;
  }
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
