import { DeadlockError, InvalidStateError, SimulationError } from '../../errors.js';
import type { TaskRef } from '../../loop/context.js';
import { EventLoop } from '../../loop/event-loop.js';
import type { Handle } from '../../loop/handle.js';
import type { ExceptionContext } from '../../loop/loop-hooks.js';
import { anchorShapes, anchorShapesOfRun } from '../../loop/shape-anchor.js';
import { FifoScheduler, type Scheduler } from '../../loop/scheduler.js';
import { normalizeSeed, Prng } from '../../schedule/prng.js';
import { ListChooser, RandomChooser, type Chooser } from '../../schedule/chooser.js';
import { DecisionLog, DRAW_RANGE, type Decisions } from '../../schedule/decisions.js';
import { OriginScheduler } from '../../schedule/origin-scheduler.js';
import { StepCounter } from '../../schedule/step-counter.js';
import { DEFAULT_PCT_DEPTH, PctPlanner } from '../../schedule/pct.js';
import { isSchedule, Schedule } from '../../schedule/schedule.js';
import { describeTaskStep, isFuture } from '../../tasks/future.js';
import { cancelAllTasks } from '../../tasks/run.js';
import { sleep } from '../../tasks/sleep.js';
import { Task } from '../../tasks/task.js';
import { installFakeGlobals } from './fake-globals.js';
import { TraceRecorder, type TraceDetail, type TraceEvent } from './trace-recorder.js';

export type { TraceEvent } from './trace-recorder.js';
import { SimSelector, type IdleVerdict } from './sim-selector.js';
import { VirtualClock } from './virtual-clock.js';
import type { SimContext, SimIo, SimOs, SimPart } from './sim-context.js';
import { SimNetwork } from './sim-network.js';
import { SimDns } from './sim-dns.js';
import { SimProcesses } from './sim-processes.js';
import { SimSignals } from './sim-signals.js';
import { SimExecutors } from './sim-executors.js';
import { SimFiles } from './sim-files.js';
import type { DnsDriver } from '../../loop/dns-driver.js';
import type { Executor, OS } from '../../loop/os.js';
import type { FileDriver } from '../../loop/file-driver.js';
import type { ProcessDriver } from '../../loop/process-driver.js';
import type { SignalDriver } from '../../loop/signal-driver.js';
import type { Task as TaskType } from '../../tasks/task.js';

/** The strategies a world can schedule with. */
export type Strategy = 'fifo' | 'random' | 'pct';

/** Options of `createSimWorld` / `simulate`. */
export interface SimWorldOptions {
  /** One seed fixes every random choice of the run (default `0`). */
  seed?: number | string;
  /** `loop.time()` at start (default 0). */
  startTime?: number;
  /** `Date.now()` at start when the globals are faked (default 0, the Unix epoch). */
  epoch?: number;
  /**
   * `'fifo'` (asyncio's order, the default), `'random'` (any ready origin
   * may run next: each task keeps its own order, timers never run early, a
   * ready task may fall behind others by many steps), `'pct'` (probabilistic
   * concurrency testing, `depth`), or a `Schedule` value (its decisions, exactly).
   */
  strategy?: Strategy | Schedule;
  /** PCT's depth (default 3): `depth - 1` priority change points per run. */
  depth?: number;
  /** @internal explore: the decisions to follow (a replay or a shrink candidate), strictly (a token) or wrapping */
  _replay?: { decisions: Decisions; strict: boolean };
  /** @internal explore: PCT's estimate of a run's steps (the longest run seen so far) */
  _pctSteps?: number;
  /**
   * While the world runs, the global `setTimeout`, `clearTimeout`,
   * `setInterval`, `clearInterval`, `setImmediate`, `clearImmediate`, `Date`,
   * `performance.now` and `process.hrtime` (with `hrtime.bigint`) follow
   * virtual time; their timers are the loop's timers. Default false.
   */
  fakeGlobals?: boolean;
  /** Unhandled task errors and leaked tasks fail the run (default true). */
  strict?: boolean;
  /** Virtual ms a run may last (default 365 days). */
  maxTime?: number;
  /** Loop callbacks a run may run (default 1e8). */
  maxSteps?: number;
  /** Trace events kept, the last ones (default 100,000; 0 records none, Infinity keeps all). */
  traceLimit?: number;
}


const DAY_MS = 24 * 60 * 60 * 1000;
/** Trace events a world keeps by default (the last ones): bounded memory for long runs. */
export const DEFAULT_TRACE_LIMIT = 100_000;

function checkOptions(opts: SimWorldOptions): void {
  if (opts === null || typeof opts !== 'object') throw new TypeError('createSimWorld: opts must be an object');
  const { startTime, epoch, maxTime, maxSteps, strategy, fakeGlobals, strict } = opts;
  if (startTime !== undefined && (typeof startTime !== 'number' || !Number.isFinite(startTime))) {
    throw new TypeError(`createSimWorld: startTime must be a finite number, got ${String(startTime)}`);
  }
  if (epoch !== undefined && (typeof epoch !== 'number' || !Number.isFinite(epoch))) {
    throw new TypeError(`createSimWorld: epoch must be a finite number of ms since 1970, got ${String(epoch)}`);
  }
  if (fakeGlobals !== undefined && typeof fakeGlobals !== 'boolean') {
    throw new TypeError(`createSimWorld: fakeGlobals must be a boolean, got ${typeof fakeGlobals}`);
  }
  if (strict !== undefined && typeof strict !== 'boolean') {
    throw new TypeError(`createSimWorld: strict must be a boolean, got ${typeof strict}`);
  }
  if (maxTime !== undefined) {
    if (typeof maxTime !== 'number' || Number.isNaN(maxTime)) throw new TypeError(`createSimWorld: maxTime must be a number of ms, got ${String(maxTime)}`);
    if (maxTime <= 0) throw new RangeError(`createSimWorld: maxTime must be positive, got ${maxTime}`);
  }
  if (maxSteps !== undefined) {
    if (typeof maxSteps !== 'number' || Number.isNaN(maxSteps)) throw new TypeError(`createSimWorld: maxSteps must be a number, got ${String(maxSteps)}`);
    if (maxSteps <= 0) throw new RangeError(`createSimWorld: maxSteps must be positive, got ${maxSteps}`);
  }
  const { traceLimit } = opts;
  if (traceLimit !== undefined) {
    if (typeof traceLimit !== 'number' || Number.isNaN(traceLimit)) throw new TypeError(`createSimWorld: traceLimit must be a number, got ${String(traceLimit)}`);
    if (traceLimit < 0 || (traceLimit !== Infinity && !Number.isInteger(traceLimit))) {
      throw new RangeError(`createSimWorld: traceLimit must be a whole number >= 0 or Infinity, got ${traceLimit}`);
    }
  }
  if (strategy !== undefined && strategy !== 'fifo' && strategy !== 'random' && strategy !== 'pct' && !isSchedule(strategy)) {
    throw new RangeError(`createSimWorld: strategy must be 'fifo', 'random', 'pct' or a Schedule, got ${typeof strategy === 'string' ? JSON.stringify(strategy) : String(strategy)}`);
  }
  const { depth } = opts;
  if (depth !== undefined) {
    if (typeof depth !== 'number' || Number.isNaN(depth)) throw new TypeError(`createSimWorld: depth must be a number, got ${String(depth)}`);
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`createSimWorld: depth must be an integer >= 1, got ${depth}`);
  }
}

/** What a pending task awaits, in words. */
export function describeAwaited(task: Task<unknown>): string {
  const w = task._futWaiter;
  if (w === null) return 'a plain promise (no loop future)';
  return w._describe();
}

let worldShapesAnchored = false;

/** The worlds the anchors make: as `simulate()` makes them (FIFO, traced), and as `explore` does ('random' and 'pct', untraced). */
const ANCHOR_WORLDS: readonly SimWorldOptions[] = [{}, { strategy: 'random', traceLimit: 0 }, { strategy: 'pct', traceLimit: 0 }];

/**
 * Anchor (see loop/shape-anchor.ts) the shapes of worlds and of what runs in
 * them (ANCHOR_WORLDS): worlds never run, each holding a task that never
 * starts, a future with a done callback, a timer and a callback; and a
 * generator, which a world makes only at its first random choice.
 */
function anchorWorldShapes(): void {
  worldShapesAnchored = true;
  anchorShapes(() => {
    const worlds = ANCHOR_WORLDS.map((opts) => {
      const world = new SimWorld({ ...opts, seed: 'shape-anchor' });
      const loop = world.loop;
      const fut = loop.createFuture<void>();
      fut.addDoneCallback(noop);
      return [world, fut, loop.createTask(noopAsync), loop.callLater(1, noop), loop.callSoon(noop)];
    });
    const prng = new Prng('shape-anchor');
    prng.nextUint32();
    return [worlds, prng];
  });
}

let runShapesAnchored = false;

/**
 * Anchor (see loop/shape-anchor.ts) what only a run makes: the worlds of
 * ANCHOR_WORLDS, each having run a main task
 * whose child sleeps and awaits a future another child sets. A world that
 * never ran (anchorWorldShapes) misses these: after a forced GC between two
 * 500-run explorations, `--trace-deopt` showed the frame and await paths
 * (getStore, runInContext, _stamp, sleep, then, startTask, ...) thrown away
 * in most processes, and the exploration after it took twice as long.
 * Runs once per process, before the first world runs.
 */
async function anchorRunShapes(): Promise<void> {
  runShapesAnchored = true;
  await anchorShapesOfRun(async () => {
    const worlds: SimWorld[] = [];
    for (const opts of ANCHOR_WORLDS) {
      const world = new SimWorld({ ...opts, seed: 'shape-anchor' });
      await world.run(anchorMain);
      worlds.push(world);
    }
    return worlds;
  });
}

async function anchorMain(world: SimWorld): Promise<void> {
  const loop = world.loop;
  const fut = loop.createFuture<void>();
  const waiter = loop.createTask(async () => {
    await sleep(0);
    await fut;
  });
  const setter = loop.createTask(async () => {
    await sleep(1);
    fut.setResult();
  });
  await waiter;
  await setter;
}

function noop(): void {}

async function noopAsync(): Promise<void> {}

/**
 * A simulated world: an EventLoop on a virtual clock, with a seeded
 * scheduler. Everything that shapes the schedule comes from the seed, so the
 * same program and seed give the same run and the same `trace()`.
 */
export class SimWorld implements AsyncDisposable {
  /** The world's loop. */
  readonly loop: EventLoop;
  /** The world's virtual clock. */
  readonly clock: VirtualClock;
  /** The seed, as a string. */
  readonly seed: string;
  /** @internal what the world's parts are given */
  readonly _ctx: SimContext;
  // The parts are built on first use (by the code under test through the
  // loop, or by the test through these getters): most explored runs use none
  // of them, and a fresh world per run must be cheap.
  private _network: SimNetwork | null = null;
  private _dns: SimDns | null = null;
  private _processes: SimProcesses | null = null;
  private _signals: SimSignals | null = null;
  private _executors: SimExecutors | null = null;
  private _files: SimFiles | null = null;
  /** The drivers the built parts lend the loop (their `_install` fills these). */
  private readonly _io: SimIo = {};
  private readonly _os: SimOs = {};
  private readonly _strict: boolean;
  private readonly _maxSteps: number;
  private readonly _maxTime: number;
  private readonly _startTime: number;
  private readonly _epoch: number;
  private readonly _fakeGlobals: boolean;
  /** The trace, or null when `traceLimit` is 0 (explored runs: nothing is recorded or described). */
  private readonly _trace: TraceRecorder | null;
  private _steps = 0;
  private _totalSteps = 0;
  /** The maxSteps failure, once the run passed it (the loop stops at the end of that iteration). */
  private _limitError: SimulationError | null = null;
  private _ran = false;
  private _reports: ExceptionContext[] = [];
  /** Errors that fail the run whatever main does (SimContext.fail), first first. */
  private _failures: Error[] = [];
  /** Checks run when the run is over (SimContext.onRunEnd). */
  private readonly _endChecks: (() => Error | null | undefined)[] = [];
  /** @internal tasks of the world itself (peers): never leaked; made on first use */
  _worldTasks: Set<object> | null = null;
  /** @internal work outside the loop that time waits for (SimContext.hold), by id; made on first use */
  _holds: Map<number, string> | null = null;
  private _holdIds = 0;
  /** Where the run's choices come from; it records every one (`_decisions()`). */
  private readonly _chooser: Chooser;
  /** @internal the strategy's name (a Schedule is 'schedule') */
  readonly _strategy: string;
  /** @internal PCT's depth */
  readonly _depth: number;

  constructor(opts: SimWorldOptions = {}) {
    if (!worldShapesAnchored) anchorWorldShapes();
    checkOptions(opts);
    this.seed = normalizeSeed(opts.seed, 'createSimWorld');
    this._strict = opts.strict !== false;
    this._maxSteps = opts.maxSteps ?? 1e8;
    this._maxTime = opts.maxTime ?? 365 * DAY_MS;
    this._startTime = opts.startTime ?? 0;
    this._epoch = opts.epoch ?? 0;
    this._fakeGlobals = opts.fakeGlobals === true;
    this.clock = new VirtualClock(this._startTime);
    this.clock._limit = this._startTime + this._maxTime;
    this.clock._onLimit = (deadline) =>
      new SimulationError(`simulation passed maxTime (${this._maxTime} ms): the next event is at ${deadline} ms\n${this._pendingReport()}`);
    const traceLimit = opts.traceLimit ?? DEFAULT_TRACE_LIMIT;
    const trace = traceLimit > 0 ? new TraceRecorder(traceLimit) : null;
    this._trace = trace;
    if (trace !== null) {
      this.clock._onMove = (from, to, why) => {
        trace.record(to, why, null, -1, to - from);
      };
    }
    const strategy = opts.strategy ?? 'fifo';
    const schedule = isSchedule(strategy) ? strategy : null;
    if (schedule !== null) this.seed = schedule.seed;
    this._strategy = schedule !== null ? 'schedule' : (strategy as string);
    this._depth = opts.depth ?? DEFAULT_PCT_DEPTH;
    const log = new DecisionLog();
    const replay = opts._replay ?? (schedule !== null ? { decisions: schedule.decisions, strict: false } : null);
    const random = new RandomChooser(this.seed, log);
    this._chooser =
      replay !== null
        ? new ListChooser(replay.decisions, log, replay.strict, (e) => {
            if (this._failures.length === 0) this._failures.push(e);
            this.loop.stop();
          })
        : random;
    let scheduler: Scheduler;
    if (replay !== null || strategy === 'random') scheduler = new OriginScheduler(this._chooser);
    else if (strategy === 'pct') scheduler = new OriginScheduler(this._chooser, new PctPlanner(random.streamOf('pct'), this._depth, opts._pctSteps ?? 1000));
    else scheduler = new FifoScheduler();
    // Without a trace the loop gets no tracer (so tasks describe nothing), and the steps are counted as they are handed out.
    if (trace === null) scheduler = new StepCounter(scheduler, () => this._countStep());
    // The loop reads its selector's drivers and its OS's services when a
    // method needs one: both ask the world, which builds the part that lends it then.
    const selector = new SimSelector(this);
    this.loop = new EventLoop({ clock: this.clock, selector, os: new WorldOs(this), scheduler });
    this._ctx = new WorldContext(this);
    this.clock._held = () => this._holds !== null && this._holds.size > 0;
    if (trace !== null) this.loop._tracer = (kind, task, handle, detail) => this._onTrace(trace, kind, task, handle, detail);
    this.loop.setExceptionHandler((_loop, ctx) => {
      this._reports.push(ctx);
      if (!this._strict) this.loop.defaultExceptionHandler(ctx);
    });
  }

  /** @internal the decisions made so far (a replay of them gives this run) */
  _decisions(): Decisions {
    return this._chooser.log.snapshot();
  }

  /** @internal loop callbacks run so far (PCT's step estimate) */
  get _stepCount(): number {
    return this._totalSteps;
  }

  /** The run's events so far (a copy): the last `traceLimit` of them, oldest first. */
  trace(): TraceEvent[] {
    return this._trace === null ? [] : this._trace.toArray();
  }

  /** The in-memory network: hosts, links, faults, scripted peers. */
  get network(): SimNetwork {
    if (this._network === null) {
      this._network = this._install(new SimNetwork(this._ctx));
      // Built when first used: its hosts' wall clocks still count from the world's start and epoch.
      this._network._core.clocks.setWallClock(this._epoch, this._startTime);
    }
    return this._network;
  }

  /** Simulated name resolution. */
  get dns(): SimDns {
    return (this._dns ??= this._install(new SimDns(this._ctx)));
  }

  /** Simulated child processes (`define(program, handler)`). */
  get processes(): SimProcesses {
    return (this._processes ??= this._install(new SimProcesses(this._ctx)));
  }

  /** Simulated signals to this process (`raise(signal)`). */
  get signals(): SimSignals {
    return (this._signals ??= this._install(new SimSignals(this._ctx)));
  }

  /** Executors in virtual time (`setDuration`). */
  get executors(): SimExecutors {
    return (this._executors ??= this._install(new SimExecutors(this._ctx)));
  }

  /** Simulated files (for `sendfile`). */
  get files(): SimFiles {
    return (this._files ??= this._install(new SimFiles(this._ctx)));
  }

  /** @internal the driver in slot `slot` of the loop's selector or OS, building the part that lends it */
  _lent(slot: keyof SimIo | keyof SimOs): unknown {
    const io = this._io as SimIo & SimOs;
    const os = this._os as SimIo & SimOs;
    const v = io[slot] ?? os[slot];
    if (v !== undefined) return v;
    const owner = SLOT_OWNER[slot];
    if (owner !== undefined) void this[owner];
    // A slot no part is known to fill: build them all, so that a part's new slot is still found.
    if ((io[slot] ?? os[slot]) === undefined) for (const part of PARTS) void this[part];
    return io[slot] ?? os[slot];
  }

  private _install<P extends SimPart>(part: P): P {
    part._install(this._io, this._os);
    return part;
  }

  /**
   * Run `main(world)` as the main task to completion; virtual time jumps
   * whenever nothing is ready. Then cancel the tasks left and let their
   * cleanup run; reject with `main`'s error if it threw, else (strict) with a
   * `SimulationError` listing unhandled errors and leaked tasks. A world runs
   * once. With `fakeGlobals`, the globals follow virtual time from the start
   * of the run to its end, failed or not (`InvalidStateError` if another world
   * fakes them now).
   */
  run<T>(main: (world: SimWorld) => Promise<T> | T): Promise<T> {
    if (typeof main !== 'function') return Promise.reject(new TypeError('SimWorld.run: main must be a function'));
    if (this._ran) return Promise.reject(new InvalidStateError('SimWorld.run: a world runs once; create another'));
    // Anchoring only spares re-optimizing: should it ever fail, the run goes on all the same.
    if (!runShapesAnchored) return anchorRunShapes().then(() => this.run(main), () => this.run(main));
    if (this._fakeGlobals) return this._runWithFakeGlobals(main);
    // Without fake globals, no async level of its own: explore makes a
    // world per run, and each level costs two promises, which Node's
    // async-context hooks make dear.
    this._ran = true;
    return this._run(main);
  }

  private async _runWithFakeGlobals<T>(main: (world: SimWorld) => Promise<T> | T): Promise<T> {
    const restoreGlobals = installFakeGlobals({
      loop: this.loop,
      clock: this.clock,
      epoch: this._epoch,
      startTime: this._startTime,
      // No network yet: no host has a skew.
      currentSkew: () => (this._network === null ? 0 : this._network._core.clocks.currentSkew()),
    });
    this._ran = true;
    try {
      return await this._run(main);
    } finally {
      restoreGlobals();
    }
  }

  private async _run<T>(main: (world: SimWorld) => Promise<T> | T): Promise<T> {
    const loop = this.loop;
    // Bound, not a closure made per run (see runBody in tasks/task.ts).
    const mainTask = loop.createTask(main.bind(undefined, this), { name: 'main' });
    let result: T | undefined;
    let failed = false;
    let error: unknown;
    try {
      result = await loop.runUntilComplete(mainTask);
    } catch (e) {
      failed = true;
      error = e;
    }
    if (this._limitError !== null) {
      failed = true;
      error = this._limitError;
    }
    const worldTasks = this._worldTasks;
    const leaked =
      loop._tasks.size === 0
        ? []
        : [...loop._tasks].filter((t) => t !== mainTask && (worldTasks === null || !worldTasks.has(t))).map((t) => `${t.getName()} (awaiting ${describeAwaited(t as Task<unknown>)})`);
    // Cleanup gets budgets of its own: after a run that hit maxSteps or
    // maxTime, the cancelled tasks must still be able to run their finally blocks.
    this._steps = 0;
    this._limitError = null;
    this.clock._limit = this.clock.now() + this._maxTime;
    try {
      // Most runs leave no task behind: then there is nothing to cancel, and no cleanup run to start.
      if (loop._tasks.size > 0) await cancelAllTasks(loop);
    } catch (e) {
      // Cleanup that cannot finish (a deadlock in a finally block) must not hide main's outcome.
      if (!failed) {
        failed = true;
        error = this._limitError ?? e;
      }
    }
    if (!failed && this._limitError !== null) {
      failed = true;
      error = this._limitError;
    }
    // Most runs end with nothing reported and nothing unretrieved: then
    // nothing is allocated here (a Set.clear allocates a fresh table).
    const unhandled: unknown[] = [];
    for (const r of this._reports) unhandled.push(r.exception ?? r.message);
    if (loop._unretrieved.size > 0) {
      const unretrieved = [...loop._unretrieved];
      loop._unretrieved.clear();
      for (const f of unretrieved) {
        const report = f._closeReport();
        if (isFuture(report.future) && report.future === mainTask) continue;
        unhandled.push(report.exception);
        // Not strict: still nothing silent; the handler logs it, as asyncio does when the future is collected.
        if (!this._strict) loop.callExceptionHandler(report);
      }
    }
    if (this._reports.length > 0) this._reports = [];
    if (this._failures.length > 0) throw this._failures[0];
    if (failed) throw error;
    for (const check of this._endChecks) {
      const e = check();
      if (e) throw e;
    }
    if (this._strict && (unhandled.length > 0 || leaked.length > 0)) {
      throw new SimulationError(strictReport(unhandled, leaked), { unhandled, leaked });
    }
    return result as T;
  }

  /** Close the world's loop. */
  async [Symbol.asyncDispose](): Promise<void> {
    this._dispose();
  }

  /** @internal what disposing does, synchronously: explore disposes of a world per run without a promise. */
  _dispose(): void {
    if (this.loop.isRunning()) this.loop.stop();
    if (!this.loop.isClosed() && !this.loop.isRunning()) this.loop.close();
  }

  /** The loop's tracer when the world records a trace. */
  private _onTrace(trace: TraceRecorder, kind: string, task: TaskRef | null, handle: Handle | null, detail?: string): void {
    let d: TraceDetail = detail;
    if (d === undefined && handle !== null) {
      if (kind === 'step') d = describeTaskStep(handle);
      const cb = handle._callback;
      // The callback itself: the recorder reads its name only when the trace is read.
      if (d === undefined && handle._task === null && cb !== null) d = cb as (...args: never[]) => unknown;
    }
    trace.record(this.clock.now(), kind, task === null ? null : task.getName(), handle === null ? -1 : handle._seq, d);
    if (handle !== null && kind !== 'cancel') this._countStep();
  }

  /** A loop callback is about to run: count it, and stop the loop once it passes maxSteps. */
  private _countStep(): void {
    this._totalSteps++;
    if (++this._steps > this._maxSteps && this._limitError === null) {
      // Stop, not fail at once: the callback about to run, and the rest of
      // its iteration, still run on a running loop, so that no task finds the
      // loop gone in the middle of a step (it would fail with EventLoopError
      // instead of being cancelled cleanly afterwards).
      this._limitError = new SimulationError(`simulation passed maxSteps (${this._maxSteps} loop callbacks)\n${this._pendingReport()}`);
      this.loop.stop();
    }
  }

  /** @internal SimContext.random/chance: the next draw of `stream`, in [0, DRAW_RANGE) */
  _draw(stream: string): number {
    return this._chooser.draw(stream);
  }

  /** @internal SimContext.trace */
  _traceEvent(kind: string, detail: string, task: string | undefined): void {
    this._trace?.record(this.clock.now(), kind, task ?? null, -1, detail);
  }

  /** @internal SimContext.fail */
  _fail(error: Error): void {
    this._failures.push(error);
  }

  /** @internal SimContext.spawn */
  _spawn<T>(name: string, fn: () => Promise<T>): TaskType<T> {
    const task = this.loop.createTask(fn, { name }) as TaskType<T>;
    (this._worldTasks ??= new Set()).add(task);
    return task;
  }

  /** @internal SimContext.hold */
  _hold(what: string): () => void {
    const holds = (this._holds ??= new Map());
    const id = ++this._holdIds;
    holds.set(id, what);
    return () => {
      if (holds.delete(id) && holds.size === 0) this.clock._poke();
    };
  }

  /** @internal SimContext.onRunEnd */
  _onRunEnd(check: () => Error | null | undefined): void {
    this._endChecks.push(check);
  }

  /** @internal what the selector asks when the loop has nothing to do */
  _idleVerdict(): IdleVerdict {
    const tasks = [...this.loop._tasks] as unknown as Task<unknown>[];
    const loop = this.loop;
    const holds = this._holds;
    return {
      waitingOnPlainWork: tasks.some((t) => t._futWaiter === null),
      held: holds !== null && holds.size > 0 ? [...holds.values()] : null,
      timerPending: loop._timers.peek() !== undefined,
      hasWork: () => loop._scheduler.size > 0 || loop._timers.peek() !== undefined,
      deadlock: (held) => {
        const blocked = ([...this.loop._tasks] as unknown as Task<unknown>[]).map((t) => `${t.getName()} awaits ${describeAwaited(t)}`);
        const list = blocked.length > 0 ? blocked.map((b) => `  ${b}`).join('\n') : '  (no task is pending: the awaited future has nobody to complete it)';
        if (held !== undefined) {
          return new DeadlockError(`deadlock at ${this.clock.now()} ms: work outside the loop never finished (${held.join(', ')}), and these tasks wait:\n${list}`, blocked);
        }
        return new DeadlockError(`deadlock at ${this.clock.now()} ms: no callback is ready, no timer is pending, and nothing can wake these tasks:\n${list}`, blocked);
      },
    };
  }

  private _pendingReport(): string {
    const tasks = [...this.loop._tasks] as unknown as Task<unknown>[];
    if (tasks.length === 0) return 'no task is pending';
    return `pending tasks:\n${tasks.map((t) => `  ${t.getName()} awaits ${describeAwaited(t)}`).join('\n')}`;
  }
}

/** The parts of a world, by the getter that builds each. */
const PARTS = ['network', 'dns', 'processes', 'signals', 'executors', 'files'] as const;

/** Which part lends each driver slot of the loop's selector and OS (`_lent` builds it on first use). */
const SLOT_OWNER: Partial<Record<keyof SimIo | keyof SimOs, (typeof PARTS)[number]>> = {
  stream: 'network',
  datagram: 'network',
  pipes: 'files',
  dns: 'dns',
  processes: 'processes',
  signals: 'signals',
  files: 'files',
  createDefaultExecutor: 'executors',
};

/**
 * What a world gives its parts (SimContext), as one object whose methods
 * call the world's: a world makes no closure per service.
 */
class WorldContext implements SimContext {
  readonly loop: EventLoop;
  readonly clock: VirtualClock;

  constructor(private readonly world: SimWorld) {
    this.loop = world.loop;
    this.clock = world.clock;
  }

  random(stream: string): number {
    return this.world._draw(stream) / DRAW_RANGE;
  }

  chance(stream: string, p: number): boolean {
    // Drawn even when p is 0 or 1, so that changing a probability never shifts later draws.
    const d = this.world._draw(stream);
    return p > 0 && d >= Math.ceil((1 - p) * DRAW_RANGE);
  }

  trace(kind: string, detail: string, task?: string): void {
    this.world._traceEvent(kind, detail, task);
  }

  fail(error: Error): void {
    this.world._fail(error);
  }

  spawn<T>(name: string, fn: () => Promise<T>): TaskType<T> {
    return this.world._spawn(name, fn);
  }

  hold(what: string): () => void {
    return this.world._hold(what);
  }

  onRunEnd(check: () => Error | null | undefined): void {
    this.world._onRunEnd(check);
  }
}

/** A world's OS as its loop sees it: each service comes from the part that lends it, built when first asked for. */
class WorldOs implements OS {
  constructor(private readonly world: SimWorld) {}

  get dns(): DnsDriver | undefined {
    return this.world._lent('dns') as DnsDriver | undefined;
  }

  get processes(): ProcessDriver | undefined {
    return this.world._lent('processes') as ProcessDriver | undefined;
  }

  get signals(): SignalDriver | undefined {
    return this.world._lent('signals') as SignalDriver | undefined;
  }

  get files(): FileDriver | undefined {
    return this.world._lent('files') as FileDriver | undefined;
  }

  createDefaultExecutor(): Executor {
    const make = this.world._lent('createDefaultExecutor') as (() => Executor) | undefined;
    if (make === undefined) throw new TypeError('runInExecutor: this simulated world has no executors');
    return make();
  }
}

function strictReport(unhandled: unknown[], leaked: string[]): string {
  const lines = ['simulation failed (strict mode):'];
  if (unhandled.length > 0) {
    lines.push(`${unhandled.length} unhandled error(s) (a task exception never retrieved, or a callback that threw):`);
    for (const e of unhandled) lines.push(`  ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  if (leaked.length > 0) {
    lines.push(`${leaked.length} task(s) still pending when main returned (cancelled since):`);
    for (const l of leaked) lines.push(`  ${l}`);
  }
  return lines.join('\n');
}

/** A new simulated world (virtual clock, seeded scheduler). */
export function createSimWorld(opts: SimWorldOptions = {}): SimWorld {
  return new SimWorld(opts);
}

/** `createSimWorld(opts).run(main)`, then dispose of the world. */
export async function simulate<T>(main: (world: SimWorld) => Promise<T> | T, opts: SimWorldOptions = {}): Promise<T> {
  const world = createSimWorld(opts);
  try {
    return await world.run(main);
  } finally {
    await world[Symbol.asyncDispose]();
  }
}
