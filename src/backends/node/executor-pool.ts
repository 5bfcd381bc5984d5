import { availableParallelism, cpus } from 'node:os';
import { CancelledError, InvalidStateError } from '../../errors.js';
import type { Executor } from '../../loop/os.js';
import {
  decodeError,
  decodeReply,
  makeJobSpec,
  type EncodedArgs,
  type JobMessage,
  type ModuleJob,
  type ReplyMessage,
} from '../../io/executor/executor-protocol.js';

/** Options of `ThreadPoolExecutor` and `ProcessPoolExecutor`. */
export interface PoolExecutorOptions {
  /** Most jobs running at once, one per worker; default: the number of CPUs. */
  maxWorkers?: number;
}

/** How a worker ended: its exit code or signal, and the uncaught error that ended it, if known. */
export interface WorkerExit {
  code: number | null;
  signal: string | null;
  error?: unknown;
}

/** One worker (a thread or a child process) as the pool drives it. */
export interface WorkerChannel {
  /** Send a job; throws if the worker can no longer take it. */
  post(msg: JobMessage): void;
  /** Keep the process alive while this worker runs a job. */
  ref(): void;
  /** Let the process exit while this worker sits idle. */
  unref(): void;
  /** Let an idle worker end on its own terms. */
  close(): void;
  /** End the worker now, whatever it runs. */
  terminate(): void;
}

/** What a worker reports to its pool. */
export interface WorkerEvents {
  message(reply: ReplyMessage): void;
  /** Called once, when the worker is gone and its OS resources are released. */
  exit(info: WorkerExit): void;
}

interface Pending {
  id: number;
  msg: JobMessage;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Slot {
  channel: WorkerChannel;
  job: Pending | null;
  /** an uncaught error the worker reported before dying */
  crash: unknown;
  /** ended by shutdown(false): its job is cancelled, not failed */
  terminated: boolean;
}

/** The default pool size, as asyncio's: the number of CPUs. */
function defaultMaxWorkers(): number {
  return typeof availableParallelism === 'function' ? availableParallelism() : Math.max(1, cpus().length);
}

/**
 * A pool of workers that each run one job at a time: the common machinery of
 * `ThreadPoolExecutor` and `ProcessPoolExecutor` (concurrent.futures'
 * executors). Workers start lazily, one per job until `maxWorkers`, an idle
 * one is reused before a new one starts, and jobs beyond that wait in FIFO
 * order. An idle worker does not keep the process alive. A worker that dies
 * rejects the job it ran and is replaced when work needs it.
 */
export abstract class PoolExecutor implements Executor {
  /** Most jobs running at once. */
  readonly maxWorkers: number;

  private readonly _slots = new Set<Slot>();
  private readonly _idle: Slot[] = [];
  private _queue: Pending[] = [];
  private _queueHead = 0;
  private _nextId = 1;
  /** null while taking work; then whether shutdown waits for the work ('wait') or ended it ('now') */
  private _shutdown: null | 'wait' | 'now' = null;
  private _allExited: Promise<void> | null = null;
  private _resolveAllExited: (() => void) | null = null;

  /** @param _kind the class name, for messages */
  constructor(protected readonly _kind: string, options: PoolExecutorOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`${this._kind}: options must be an object, got ${options === null ? 'null' : typeof options}`);
    }
    const { maxWorkers } = options;
    if (maxWorkers === undefined) {
      this.maxWorkers = defaultMaxWorkers();
    } else {
      if (typeof maxWorkers !== 'number' || Number.isNaN(maxWorkers)) {
        throw new TypeError(`${this._kind}: maxWorkers must be a number, got ${typeof maxWorkers === 'number' ? 'NaN' : typeof maxWorkers}`);
      }
      if (!Number.isInteger(maxWorkers) || maxWorkers < 1) {
        throw new RangeError(`${this._kind}: maxWorkers must be an integer >= 1, got ${maxWorkers}`);
      }
      this.maxWorkers = maxWorkers;
    }
  }

  /** The arguments as the workers take them; throws a `DataCloneError` for what cannot be cloned. */
  protected abstract _encodeArgs(args: unknown[]): EncodedArgs;

  /** Start one worker that reports to `events`. */
  protected abstract _spawn(events: WorkerEvents): WorkerChannel;

  /**
   * Run `fn(...args)` in a worker and resolve to its result (an async
   * function is awaited there). `fn` travels as its source text, so it must
   * close over nothing: what it needs comes in `args`, or from `import()`
   * inside it; a function that uses an outer variable fails in the worker
   * with a `ReferenceError` that says so (so does a call of an imported
   * helper: import it inside the job). `{ module, export }` runs that
   * module's exported function instead (a relative path resolves against
   * `process.cwd()`; prefer `new URL('./job.js', import.meta.url)`); workers
   * run plain Node, so the module must be JavaScript it can load.
   * Arguments and the result are structured-cloned: a value that cannot be
   * cloned rejects with a `DataCloneError`. An error thrown by the job
   * rejects with an error of the same `name`, message, stack and cloneable
   * own properties. After `shutdown`, rejects with `InvalidStateError`
   * (asyncio's RuntimeError). A wrong `fn` throws `TypeError` at the call.
   */
  submit<A extends unknown[], T>(fn: (...args: A) => T | Promise<T>, ...args: A): Promise<Awaited<T>>;
  submit<T = unknown>(fn: ModuleJob, ...args: unknown[]): Promise<T>;
  submit<T>(fn: ((...args: any[]) => T | Promise<T>) | ModuleJob, ...args: unknown[]): Promise<T>;
  submit(fn: unknown, ...args: unknown[]): Promise<unknown> {
    const where = `${this._kind}.submit`;
    const job = makeJobSpec(where, fn);
    if (this._shutdown !== null) {
      return Promise.reject(new InvalidStateError(`${where}: cannot schedule new jobs after shutdown`));
    }
    let encoded: EncodedArgs;
    try {
      encoded = this._encodeArgs(args);
    } catch (err) {
      return Promise.reject(err);
    }
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      this._queue.push({ id, msg: { id, job, ...encoded }, resolve, reject });
      this._dispatch();
    });
  }

  /**
   * Stop taking jobs (a later `submit` rejects). With `wait` (the default),
   * the jobs already submitted, queued ones included, still run, and the
   * promise resolves once they have finished and every worker has exited.
   * Without, running jobs are ended and they and the queued ones reject with
   * `CancelledError`; the promise resolves once every worker has exited.
   * May be called again, for instance `shutdown(false)` after `shutdown()`.
   */
  shutdown(wait = true): Promise<void> {
    if (this._allExited === null) {
      this._allExited = new Promise((resolve) => {
        this._resolveAllExited = resolve;
      });
    }
    if (this._shutdown !== 'now') {
      this._shutdown = wait ? 'wait' : 'now';
      if (!wait) {
        const queued = this._queue.slice(this._queueHead);
        this._queue = [];
        this._queueHead = 0;
        for (const p of queued) p.reject(new CancelledError(`${this._kind} was shut down before the job ran`));
        for (const slot of this._slots) {
          slot.terminated = true;
          slot.channel.ref();
          slot.channel.terminate();
        }
        this._idle.length = 0;
      }
    }
    this._drainIdle();
    return this._allExited;
  }

  /** Number of workers alive now (for tests and diagnostics). */
  get workerCount(): number {
    return this._slots.size;
  }

  /** Run queued jobs on idle workers, starting workers while under `maxWorkers`. */
  private _dispatch(): void {
    while (this._queueHead < this._queue.length) {
      let slot = this._idle.pop();
      if (slot === undefined) {
        if (this._slots.size >= this.maxWorkers) return;
        try {
          slot = this._start();
        } catch (err) {
          // No worker could be started (out of threads or processes): the job
          // that needed it fails; the next submit tries again.
          this._takeHead().reject(err);
          continue;
        }
      }
      this._run(slot, this._takeHead());
    }
    this._drainIdle();
  }

  /** Remove and return the oldest queued job (there is one). */
  private _takeHead(): Pending {
    const p = this._queue[this._queueHead]!;
    this._queue[this._queueHead++] = undefined as never;
    if (this._queueHead === this._queue.length) {
      this._queue = [];
      this._queueHead = 0;
    } else if (this._queueHead >= 1024 && this._queueHead * 2 >= this._queue.length) {
      // A queue that never empties must not keep its taken slots forever.
      this._queue = this._queue.slice(this._queueHead);
      this._queueHead = 0;
    }
    return p;
  }

  private _start(): Slot {
    const slot: Slot = { channel: null as never, job: null, crash: undefined, terminated: false };
    slot.channel = this._spawn({
      message: (reply) => this._onMessage(slot, reply),
      exit: (info) => this._onExit(slot, info),
    });
    this._slots.add(slot);
    return slot;
  }

  private _run(slot: Slot, p: Pending): void {
    slot.job = p;
    slot.channel.ref();
    try {
      slot.channel.post(p.msg);
    } catch (err) {
      // The worker could not take it (its channel is closing): the job fails,
      // and the worker's exit, which follows, replaces it.
      slot.job = null;
      p.reject(err);
    }
  }

  private _onMessage(slot: Slot, reply: ReplyMessage): void {
    if ('crash' in reply) {
      slot.crash = decodeError(reply.crash);
      return;
    }
    const p = slot.job;
    if (p === null || p.id !== reply.id) return;
    slot.job = null;
    let outcome: ReturnType<typeof decodeReply>;
    try {
      outcome = decodeReply(reply);
    } catch (err) {
      outcome = { ok: false, error: err };
    }
    if (outcome.ok) p.resolve(outcome.value);
    else p.reject(outcome.error);
    if (this._shutdown === 'now') return;
    slot.channel.unref();
    this._idle.push(slot);
    this._dispatch();
  }

  private _onExit(slot: Slot, info: WorkerExit): void {
    this._slots.delete(slot);
    const i = this._idle.indexOf(slot);
    if (i >= 0) this._idle.splice(i, 1);
    const p = slot.job;
    if (p !== null) {
      slot.job = null;
      if (slot.terminated) {
        p.reject(new CancelledError(`${this._kind} was shut down while the job ran`));
      } else {
        const cause = info.error ?? slot.crash;
        if (cause instanceof Error) {
          p.reject(cause);
        } else {
          const how = info.signal !== null ? `signal ${info.signal}` : `code ${info.code}`;
          const err = new Error(`${this._kind}: the worker running the job exited (${how})`);
          Object.assign(err, { exitCode: info.code, signal: info.signal });
          if (cause !== undefined) Object.defineProperty(err, 'cause', { value: cause, configurable: true, writable: true });
          p.reject(err);
        }
      }
    }
    if (this._shutdown !== 'now') this._dispatch();
    this._checkAllExited();
  }

  /** While shutting down, a worker with nothing left to run may go. */
  private _drainIdle(): void {
    if (this._shutdown === null) return;
    if (this._queueHead < this._queue.length) return;
    while (this._idle.length > 0) {
      const slot = this._idle.pop()!;
      // Keep the process alive until it is gone, so that `await shutdown()` resumes.
      slot.channel.ref();
      slot.channel.close();
    }
    this._checkAllExited();
  }

  private _checkAllExited(): void {
    if (this._shutdown !== null && this._slots.size === 0 && this._resolveAllExited !== null) {
      const resolve = this._resolveAllExited;
      this._resolveAllExited = null;
      resolve();
    }
  }
}
