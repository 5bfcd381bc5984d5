import { describeValue } from '../../sync/describe-value.js';
import { checkMs } from './os/check-ms.js';
import { SimExecutor, type JobDuration, type SimExecutorOptions } from './os/sim-executor.js';
import type { SimContext, SimIo, SimOs, SimPart } from './sim-context.js';

export { SimExecutor, type JobDuration, type SimExecutorOptions } from './os/sim-executor.js';

function checkRule(d: unknown, where: string): JobDuration {
  if (typeof d === 'function') return d as JobDuration;
  return checkMs(d, where);
}

/**
 * The world's executors in virtual time. The loop's default executor
 * (`runInExecutor(null, ...)`) is one of them, with no worker limit; make
 * more with `create`. Every job takes the duration `setDuration` sets
 * (default 0) unless its executor was made with its own: its outcome comes
 * that many virtual ms after it starts, and time jumps there as to any
 * event.
 */
export class SimExecutors implements SimPart {
  /** @internal */ readonly _ctx: SimContext;
  private _duration: JobDuration = 0;
  private _count = 0;

  constructor(ctx: SimContext) {
    this._ctx = ctx;
  }

  /**
   * How long each job holds virtual time from its start: `ms`, or a
   * function of the job, `(fn, args) => ms` (`fn` as submitted: the
   * function or the `{ module, export }`; `args` as passed), called at
   * `submit`. Applies to jobs submitted from now on. `TypeError`/`RangeError`
   * for anything but a finite number >= 0 or a function (and at `submit`,
   * for a function that returns one).
   */
  setDuration(duration: JobDuration): void {
    this._duration = checkRule(duration, 'executors.setDuration: duration');
  }

  /**
   * A new simulated executor (`Executor`: `submit`, `shutdown`) on this
   * world's loop. `maxWorkers` (default: no limit) bounds the jobs running
   * at once; the others queue, in order, in virtual time. As with a real
   * pool, the code that makes one shuts it down.
   */
  create(opts: SimExecutorOptions = {}): SimExecutor {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`executors.create: opts must be an object, got ${describeValue(opts)}`);
    const { maxWorkers = Infinity, duration, name } = opts;
    if (typeof maxWorkers !== 'number' || Number.isNaN(maxWorkers)) throw new TypeError(`executors.create: maxWorkers must be a number, got ${describeValue(maxWorkers)}`);
    if (maxWorkers !== Infinity && (!Number.isInteger(maxWorkers) || maxWorkers < 1)) {
      throw new RangeError(`executors.create: maxWorkers must be an integer >= 1 (or Infinity), got ${maxWorkers}`);
    }
    if (name !== undefined && typeof name !== 'string') throw new TypeError(`executors.create: name must be a string, got ${describeValue(name)}`);
    const own = duration === undefined ? undefined : checkRule(duration, 'executors.create: duration');
    const durationOf = (fn: unknown, args: unknown[]): number => this._durationOf(own ?? this._duration, fn, args);
    return new SimExecutor(this._ctx, durationOf, maxWorkers, name ?? `executor#${++this._count}`);
  }

  private _durationOf(rule: JobDuration, fn: unknown, args: unknown[]): number {
    if (typeof rule === 'number') return rule;
    return checkMs(rule(fn as Parameters<Exclude<JobDuration, number>>[0], args), 'executors: the duration function\'s result');
  }

  /** @internal */
  _install(_io: SimIo, os: SimOs): void {
    os.createDefaultExecutor = () => this.create({ name: 'default' });
  }
}
