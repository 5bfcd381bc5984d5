import { serialize } from 'node:v8';
import { CancelledError, InvalidStateError } from '../../../errors.js';
import type { TimerHandle } from '../../../loop/handle.js';
import { HandleKind } from '../../../loop/handle.js';
import type { Executor } from '../../../loop/os.js';
import { describeValue } from '../../../sync/describe-value.js';
import { cloneArgs, decodeReply, makeJobSpec, type EncodedArgs, type JobSpec, type ModuleJob, type ReplyMessage } from '../../../io/executor/executor-protocol.js';
import type { SimContext } from '../sim-context.js';
import { startInProcessWorker, type InProcessWorker } from './in-process-worker.js';
import { JobTimers } from './job-timers.js';

/** How long a job holds virtual time: ms, or a function of the job (`fn` as submitted, and its arguments). */
export type JobDuration = number | ((fn: ((...args: any[]) => unknown) | ModuleJob, args: unknown[]) => number);

/** Options of `world.executors.create`. */
export interface SimExecutorOptions {
  /** Most jobs running at once; later ones wait, in submission order, for a free worker. Default: no limit. */
  maxWorkers?: number;
  /** This executor's job duration; default: the world's (`world.executors.setDuration`). */
  duration?: JobDuration;
  /** A name for traces (default `'executor#<n>'`; the loop's default executor is `'default'`). */
  name?: string;
}

interface Job {
  readonly id: number;
  readonly label: string;
  readonly job: JobSpec;
  readonly args: EncodedArgs;
  readonly durationMs: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** Virtual time it started at. */
  start: number;
  /** Releases the hold on virtual time while its code runs. */
  release: (() => void) | null;
  /** The timer that delivers its outcome. */
  timer: TimerHandle | null;
}

/** A function or a module job as a trace label. */
function jobLabel(fn: unknown): string {
  if (typeof fn === 'function') return fn.name || 'anonymous';
  const m = fn as ModuleJob;
  // The module's file name: a full path would make traces differ between checkouts.
  const spec = m.module instanceof URL ? m.module.pathname : String(m.module);
  return `${spec.slice(spec.lastIndexOf('/') + 1)}#${m.export}`;
}

/**
 * An executor in virtual time, as `ThreadPoolExecutor` behaves: a function
 * travels as its source text and runs with structured-cloned arguments (so
 * a closure fails with the same `ReferenceError`), `{ module, export }`
 * runs a module's export, results are cloned back, errors keep their name,
 * message, stack and cloneable properties, and `shutdown` follows the
 * pool's contract. The code runs in this thread (see in-process-worker.ts),
 * starting on a loop callback when a worker is free; its outcome is
 * delivered by a loop timer at start + its duration, so virtual time jumps
 * there as to any event. While a job's code is still running (an async job
 * awaiting real work), virtual time is held. So, as on a thread, a job's
 * code and what it starts get real timers even from a world's fake
 * globals (`setTimeout`, `setInterval`, `setImmediate` and their clears),
 * while `Date`, `performance.now` and `process.hrtime` stay virtual (and,
 * time being held, read the job's start). Such a timer still pending when
 * the executor has shut down and its jobs are over, or when the run ends, is
 * cleared, as ending a thread ends its timers; an error its callback throws
 * rejects the job that made it if that job is still running (a thread pool
 * rejects the job whose thread the error ended), and otherwise goes to the
 * loop's exception handler. Traced (kind `'executor'`).
 */
export class SimExecutor implements Executor {
  /** Most jobs running at once (`Infinity`: no limit). */
  readonly maxWorkers: number;
  /** The name traces give it. */
  readonly name: string;
  private readonly _queue: Job[] = [];
  private readonly _running = new Map<number, Job>();
  private _nextId = 1;
  private _shutdown = false;
  private _idle: Promise<void> | null = null;
  private _resolveIdle: (() => void) | null = null;
  private _worker: InProcessWorker | null = null;
  /** Real timers its jobs made through fake globals (see the class). */
  private readonly _timers: JobTimers;

  /** @internal use `world.executors.create()` */
  constructor(
    private readonly _ctx: SimContext,
    private readonly _durationOf: (fn: unknown, args: unknown[]) => number,
    maxWorkers: number,
    name: string,
  ) {
    this.maxWorkers = maxWorkers;
    this.name = name;
    this._timers = new JobTimers(_ctx.loop, this._onUncaught);
  }

  /** Jobs running now (started, outcome not yet delivered). */
  get running(): number {
    return this._running.size;
  }

  /** Jobs waiting for a free worker. */
  get queued(): number {
    return this._queue.length;
  }

  /**
   * Run `fn(...args)` as a job and resolve to its result, `duration` virtual
   * ms after it starts (see the class). A wrong `fn`, or a duration function
   * that throws or returns a bad value, throws at the call; arguments that
   * cannot be cloned reject with `DataCloneError`; after `shutdown`, rejects
   * with `InvalidStateError`.
   */
  submit<A extends unknown[], T>(fn: (...args: A) => T | Promise<T>, ...args: A): Promise<Awaited<T>>;
  submit<T = unknown>(fn: ModuleJob, ...args: unknown[]): Promise<T>;
  submit<T>(fn: ((...args: any[]) => T | Promise<T>) | ModuleJob, ...args: unknown[]): Promise<T>;
  submit(fn: unknown, ...args: unknown[]): Promise<unknown> {
    const where = 'SimExecutor.submit';
    const job = makeJobSpec(where, fn);
    if (this._shutdown) return Promise.reject(new InvalidStateError(`${where}: cannot schedule new jobs after shutdown`));
    if (this._ctx.loop.isClosed()) return Promise.reject(new InvalidStateError(`${where}: the world's loop is closed; nothing can run the job`));
    let encoded: EncodedArgs;
    try {
      encoded = cloneArgs(args);
    } catch (err) {
      return Promise.reject(err);
    }
    const durationMs = this._durationOf(fn, args);
    const id = this._nextId++;
    const label = `${this.name} job#${id} ${jobLabel(fn)}`;
    return new Promise((resolve, reject) => {
      this._queue.push({ id, label, job, args: encoded, durationMs, resolve, reject, start: 0, release: null, timer: null });
      this._ctx.trace('executor', `${label} submitted (${durationMs} ms)`);
      this._dispatch();
    });
  }

  /**
   * Stop taking jobs (a later `submit` rejects with `InvalidStateError`).
   * With `wait` (default true) the jobs already submitted, queued ones
   * included, still run, and the promise resolves once the last outcome was
   * delivered. Without, queued and running jobs reject with
   * `CancelledError` at once and it resolves. May be called again
   * (`shutdown(false)` after `shutdown()`).
   */
  shutdown(wait = true): Promise<void> {
    this._shutdown = true;
    if (this._idle === null) {
      this._idle = new Promise((resolve) => {
        this._resolveIdle = resolve;
      });
    }
    if (!wait) {
      for (const job of this._queue.splice(0)) job.reject(new CancelledError(`${this.name} was shut down before the job ran`));
      for (const job of [...this._running.values()]) {
        this._running.delete(job.id);
        job.timer?.cancel();
        job.release?.();
        job.reject(new CancelledError(`${this.name} was shut down while the job ran`));
      }
    }
    this._checkIdle();
    return this._idle;
  }

  /** Start queued jobs while workers are free; each starts on a loop callback. */
  private _dispatch(): void {
    const loop = this._ctx.loop;
    while (this._queue.length > 0 && this._running.size < this.maxWorkers && !loop.isClosed()) {
      const job = this._queue.shift()!;
      this._running.set(job.id, job);
      loop._scheduleInternal(this._start, [job], null, HandleKind.Callback);
    }
  }

  private readonly _start = (job: Job): void => {
    if (this._running.get(job.id) !== job) return;
    job.start = this._ctx.loop.time();
    this._ctx.trace('executor', `${job.label} start`);
    // Held until the job's code has finished: a job awaiting real work must not see virtual time jump past it.
    job.release = this._ctx.hold(job.label);
    try {
      this._worker ??= startInProcessWorker(this._onReply, this._timers);
      this._worker.post({ id: job.id, job: job.job, ...job.args });
    } catch (err) {
      // The worker itself failed (the job's own errors come back as replies): the job fails, the executor goes on.
      this._onReply(thrownReply(job.id, err));
    }
  };

  /** A callback of a job's real timer threw: what would have ended its worker thread. */
  private readonly _onUncaught = (jobId: number, error: unknown): void => {
    const job = this._running.get(jobId);
    if (job !== undefined && job.release !== null) {
      this._onReply(thrownReply(jobId, error));
      return;
    }
    const loop = this._ctx.loop;
    if (loop.isClosed()) return;
    loop.callExceptionHandler({ message: `${this.name}: a timer left by job#${jobId} threw after the job had finished (on a thread pool, it would have ended its worker thread)`, exception: error });
  };

  private readonly _onReply = (reply: ReplyMessage): void => {
    if ('crash' in reply) return;
    const job = this._running.get(reply.id);
    // An outcome is already on its way (the job crashed, then its code still finished).
    if (job === undefined || job.timer !== null) return;
    job.release?.();
    job.release = null;
    let outcome: ReturnType<typeof decodeReply>;
    try {
      outcome = decodeReply(reply);
    } catch (err) {
      outcome = { ok: false, error: err };
    }
    const loop = this._ctx.loop;
    if (loop.isClosed()) return;
    job.timer = loop._timerInternal(Math.max(job.start + job.durationMs, loop.time()), this._deliver, [job, outcome]);
  };

  private readonly _deliver = (job: Job, outcome: ReturnType<typeof decodeReply>): void => {
    if (this._running.get(job.id) !== job) return;
    this._running.delete(job.id);
    if (outcome.ok) {
      this._ctx.trace('executor', `${job.label} done`);
      job.resolve(outcome.value);
    } else {
      const e = outcome.error;
      this._ctx.trace('executor', `${job.label} failed ${e instanceof Error ? e.name : describeValue(e)}`);
      job.reject(e);
    }
    this._dispatch();
    this._checkIdle();
  };

  private _checkIdle(): void {
    if (this._shutdown && this._running.size === 0 && this._queue.length === 0 && this._resolveIdle !== null) {
      // The pool's threads would end now, and their timers with them.
      this._timers.clearAll();
      const resolve = this._resolveIdle;
      this._resolveIdle = null;
      resolve();
    }
  }
}

/** A reply that fails job `id` with `error` thrown outside the worker code's own reporting, cloned as a reply would be. */
function thrownReply(id: number, error: unknown): ReplyMessage {
  try {
    return { id, ok: false, thrown: serialize(error) };
  } catch {
    return { id, ok: false, thrown: serialize(new Error(`the job threw a value that could not be cloned: ${describeValue(error)}`)) };
  }
}
