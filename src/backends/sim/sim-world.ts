import { DeadlockError, InvalidStateError, SimulationError } from '../../errors.js';
import type { TaskRef } from '../../loop/context.js';
import { EventLoop } from '../../loop/event-loop.js';
import type { Handle } from '../../loop/handle.js';
import type { ExceptionContext } from '../../loop/loop-hooks.js';
import { FifoScheduler, type Scheduler } from '../../loop/scheduler.js';
import { normalizeSeed, Prng } from '../../schedule/prng.js';
import { ListChooser, RandomChooser, type Chooser } from '../../schedule/chooser.js';
import { DecisionLog, DRAW_RANGE, type Decisions } from '../../schedule/decisions.js';
import { OriginScheduler } from '../../schedule/origin-scheduler.js';
import { DEFAULT_PCT_DEPTH, PctPlanner } from '../../schedule/pct.js';
import { isSchedule, Schedule } from '../../schedule/schedule.js';
import { describeTaskStep, isFuture } from '../../tasks/future.js';
import { cancelAllTasks } from '../../tasks/run.js';
import { Task } from '../../tasks/task.js';
import { installFakeGlobals } from './fake-globals.js';
import { TraceRecorder, type TraceDetail, type TraceEvent } from './trace-recorder.js';

export type { TraceEvent } from './trace-recorder.js';
import { SimSelector, type IdleVerdict } from './sim-selector.js';
import { VirtualClock } from './virtual-clock.js';
import type { SimContext, SimIo, SimOs } from './sim-context.js';
import { SimNetwork } from './sim-network.js';
import { SimDns } from './sim-dns.js';
import { SimProcesses } from './sim-processes.js';
import { SimSignals } from './sim-signals.js';
import { SimExecutors } from './sim-executors.js';
import { SimFiles } from './sim-files.js';

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
   * `'fifo'` (asyncio's order, the default), `'random'` (permutes what asyncio
   * leaves unordered), `'pct'` (probabilistic concurrency testing, `depth`), or
   * a `Schedule` value (its decisions, exactly).
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
  /** The in-memory network: hosts, links, faults, scripted peers. */
  readonly network: SimNetwork;
  /** Simulated name resolution. */
  readonly dns: SimDns;
  /** Simulated child processes (`define(program, handler)`). */
  readonly processes: SimProcesses;
  /** Simulated signals to this process (`raise(signal)`). */
  readonly signals: SimSignals;
  /** Executors in virtual time (`setDuration`). */
  readonly executors: SimExecutors;
  /** Simulated files (for `sendfile`). */
  readonly files: SimFiles;
  /** @internal what the world's parts are given */
  readonly _ctx: SimContext;
  /** @internal the world's seeded generator */
  readonly _prng: Prng;
  private readonly _strict: boolean;
  private readonly _maxSteps: number;
  private readonly _maxTime: number;
  private readonly _startTime: number;
  private readonly _epoch: number;
  private readonly _fakeGlobals: boolean;
  private readonly _trace: TraceRecorder;
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
  /** Tasks of the world itself (peers): never leaked. */
  private readonly _worldTasks = new WeakSet<object>();
  /** Work outside the loop that time waits for (SimContext.hold), by id. */
  private readonly _holds = new Map<number, string>();
  private _holdIds = 0;
  /** Where the run's choices come from; it records every one (`_decisions()`). */
  private readonly _chooser: Chooser;
  /** @internal the strategy's name (a Schedule is 'schedule') */
  readonly _strategy: string;
  /** @internal PCT's depth */
  readonly _depth: number;

  constructor(opts: SimWorldOptions = {}) {
    checkOptions(opts);
    this.seed = normalizeSeed(opts.seed, 'createSimWorld');
    this._prng = new Prng(this.seed);
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
    this._trace = new TraceRecorder(opts.traceLimit ?? DEFAULT_TRACE_LIMIT);
    this.clock._onMove = (from, to, why) => {
      this._trace.record(to, why, null, -1, to - from);
    };
    const strategy = opts.strategy ?? 'fifo';
    const schedule = isSchedule(strategy) ? strategy : null;
    if (schedule !== null) {
      this.seed = schedule.seed;
      this._prng = new Prng(this.seed);
    }
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
    const selector = new SimSelector(() => this._idleVerdict());
    const io: SimIo = {};
    const os: SimOs = {};
    this.loop = new EventLoop({ clock: this.clock, selector, os, scheduler });
    this._ctx = this._makeContext();
    this.network = new SimNetwork(this._ctx);
    this.dns = new SimDns(this._ctx);
    this.processes = new SimProcesses(this._ctx);
    this.signals = new SimSignals(this._ctx);
    this.executors = new SimExecutors(this._ctx);
    this.files = new SimFiles(this._ctx);
    for (const part of [this.network, this.dns, this.processes, this.signals, this.executors, this.files]) part._install(io, os);
    // The loop reads its selector's drivers when a method needs one, so lending them after construction is enough.
    Object.assign(selector, io);
    this.clock._held = () => this._holds.size > 0;
    this.loop._tracer = this._onTrace;
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
    return this._trace.toArray();
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
  async run<T>(main: (world: SimWorld) => Promise<T> | T): Promise<T> {
    if (typeof main !== 'function') throw new TypeError('SimWorld.run: main must be a function');
    if (this._ran) throw new InvalidStateError('SimWorld.run: a world runs once; create another');
    const restoreGlobals = this._fakeGlobals
      ? installFakeGlobals({ loop: this.loop, clock: this.clock, epoch: this._epoch, startTime: this._startTime })
      : null;
    this._ran = true;
    try {
      return await this._run(main);
    } finally {
      restoreGlobals?.();
    }
  }

  private async _run<T>(main: (world: SimWorld) => Promise<T> | T): Promise<T> {
    const loop = this.loop;
    const mainTask = loop.createTask(() => main(this), { name: 'main' });
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
    const leaked = [...loop._tasks].filter((t) => t !== mainTask && !this._worldTasks.has(t)).map((t) => `${t.getName()} (awaiting ${describeAwaited(t as Task<unknown>)})`);
    // Cleanup gets budgets of its own: after a run that hit maxSteps or
    // maxTime, the cancelled tasks must still be able to run their finally blocks.
    this._steps = 0;
    this._limitError = null;
    this.clock._limit = this.clock.now() + this._maxTime;
    try {
      await cancelAllTasks(loop);
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
    const unhandled: unknown[] = [];
    for (const r of this._reports) unhandled.push(r.exception ?? r.message);
    const unretrieved = [...loop._unretrieved];
    loop._unretrieved.clear();
    for (const f of unretrieved) {
      const report = f._closeReport();
      if (isFuture(report.future) && report.future === mainTask) continue;
      unhandled.push(report.exception);
      // Not strict: still nothing silent; the handler logs it, as asyncio does when the future is collected.
      if (!this._strict) loop.callExceptionHandler(report);
    }
    this._reports = [];
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
    if (this.loop.isRunning()) this.loop.stop();
    if (!this.loop.isClosed() && !this.loop.isRunning()) this.loop.close();
  }

  private readonly _onTrace = (kind: string, task: TaskRef | null, handle: Handle | null, detail?: string): void => {
    let d: TraceDetail = detail;
    if (d === undefined && handle !== null) {
      if (kind === 'step') d = describeTaskStep(handle);
      const cb = handle._callback;
      // The callback itself: the recorder reads its name only when the trace is read.
      if (d === undefined && handle._task === null && cb !== null) d = cb as (...args: never[]) => unknown;
    }
    this._trace.record(this.clock.now(), kind, task === null ? null : task.getName(), handle === null ? -1 : handle._seq, d);
    if (handle !== null && kind !== 'cancel') this._totalSteps++;
    if (handle !== null && kind !== 'cancel' && ++this._steps > this._maxSteps && this._limitError === null) {
      // Stop, not fail at once: the callback about to run, and the rest of
      // its iteration, still run on a running loop, so that no task finds the
      // loop gone in the middle of a step (it would fail with EventLoopError
      // instead of being cancelled cleanly afterwards).
      this._limitError = new SimulationError(`simulation passed maxSteps (${this._maxSteps} loop callbacks)\n${this._pendingReport()}`);
      this.loop.stop();
    }
  };

  private _makeContext(): SimContext {
    return {
      loop: this.loop,
      clock: this.clock,
      random: (stream) => this._chooser.draw(stream) / DRAW_RANGE,
      chance: (stream, p) => {
        // Drawn even when p is 0 or 1, so that changing a probability never shifts later draws.
        const d = this._chooser.draw(stream);
        return p > 0 && d >= Math.ceil((1 - p) * DRAW_RANGE);
      },
      trace: (kind, detail, task) => {
        this._trace.record(this.clock.now(), kind, task ?? null, -1, detail);
      },
      fail: (error) => {
        this._failures.push(error);
      },
      spawn: (name, fn) => {
        const task = this.loop.createTask(fn, { name });
        this._worldTasks.add(task);
        return task;
      },
      hold: (what) => {
        const id = ++this._holdIds;
        this._holds.set(id, what);
        return () => {
          if (this._holds.delete(id) && this._holds.size === 0) this.clock._poke();
        };
      },
      onRunEnd: (check) => {
        this._endChecks.push(check);
      },
    };
  }

  private _idleVerdict(): IdleVerdict {
    const tasks = [...this.loop._tasks] as unknown as Task<unknown>[];
    const loop = this.loop;
    return {
      waitingOnPlainWork: tasks.some((t) => t._futWaiter === null),
      held: this._holds.size > 0 ? [...this._holds.values()] : null,
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
