import { promisify } from 'node:util';
import { InvalidStateError } from '../../errors.js';
import { runInContext, type CapturedContext } from '../../loop/async-context.js';
import type { EventLoop } from '../../loop/event-loop.js';
import type { Handle, TimerHandle } from '../../loop/handle.js';
import { realClearImmediate, realClearTimeout } from '../../loop/real-primitives.js';
import { currentJob, type JobScope } from './os/in-process-worker.js';
import { forgetJobTimer, type JobTimers } from './os/job-timers.js';
import type { VirtualClock } from './virtual-clock.js';

/** What the fake globals need of a world. */
export interface FakeGlobalsHost {
  readonly loop: EventLoop;
  readonly clock: VirtualClock;
  /** `Date.now()` when the clock reads `startTime`. */
  readonly epoch: number;
  readonly startTime: number;
  /** The clock skew of the simulated host the calling code is on (default: none). */
  readonly currentSkew?: () => number;
}

/** Node's largest timer delay; a longer one (Infinity included) becomes 1 ms, as in Node. */
const TIMEOUT_MAX = 2 ** 31 - 1;

/**
 * The world faking the globals now, if any. One per process, shared by the
 * ESM and CJS builds (a `Symbol.for` key), since the globals are shared too.
 */
const OWNER_KEY = Symbol.for('simloop.fakeGlobals.owner.v1');
const ownerSlot = globalThis as unknown as Record<symbol, object | undefined>;

function invalidCallback(callback: unknown): TypeError {
  const got = callback === null ? 'null' : callback === undefined ? 'undefined' : `type ${typeof callback}`;
  const err = new TypeError(`The "callback" argument must be of type function. Received ${got}`);
  (err as TypeError & { code: string }).code = 'ERR_INVALID_ARG_TYPE';
  return err;
}

function abortError(signal: AbortSignal): Error {
  const err = new Error('The operation was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  (err as Error & { code: string }).code = 'ABORT_ERR';
  return err;
}

/**
 * A delay as setTimeout reads it: NaN and negatives are 0, past Node's
 * maximum 1 ms. Node turns anything below 1 ms into 1 ms; here 0 stays 0 (as
 * with @sinonjs/fake-timers), so `setTimeout(f, 0)` is `callLater(0, f)` and
 * ties with the loop's own zero-delay timers in scheduling order.
 */
function timeoutDelay(delay: unknown): number {
  const d = Number(delay);
  if (!(d >= 0)) return 0;
  return d > TIMEOUT_MAX ? 1 : d;
}

/** A delay as setInterval reads it (Node's rule): below 1 ms or past the maximum, 1 ms, so time moves between repeats. */
function intervalDelay(delay: unknown): number {
  const d = Number(delay);
  return d >= 1 && d <= TIMEOUT_MAX ? d : 1;
}

type RealTimeout = ReturnType<typeof setTimeout>;
type RealImmediate = ReturnType<typeof setImmediate>;

/**
 * The state of one faking: the functions installed in place of the globals,
 * bound to one world. Its timers are the world's loop timers, so they tie
 * with the loop's own timers in scheduling order and go through its scheduler;
 * but the code of a simulated executor job, which holds virtual time while
 * it runs, gets real ones (see SimExecutor), cleared when the faking ends.
 */
class FakeGlobals {
  readonly loop: EventLoop;
  readonly clock: VirtualClock;
  private readonly epoch: number;
  private readonly startTime: number;
  private nextId = 1;
  /** Timers whose numeric id escaped (`+timeout`), so that clearTimeout(id) finds them, as in Node. */
  readonly byId = new Map<number, FakeTimeout>();
  /** The calling code's host's clock skew, when the world has hosts. */
  private readonly currentSkew: (() => number) | undefined;
  /** Where this world's executor jobs keep the real timers they made while it fakes the globals. */
  readonly jobTimers = new Set<JobTimers>();

  constructor(host: FakeGlobalsHost) {
    this.loop = host.loop;
    this.clock = host.clock;
    this.epoch = host.epoch;
    this.startTime = host.startTime;
    this.currentSkew = host.currentSkew;
  }

  newId(): number {
    return this.nextId++;
  }

  /**
   * Virtual wall-clock ms: the epoch plus the virtual time elapsed since the
   * start, plus the clock skew of the simulated host the calling code is on
   * (whole ms, as Date.now).
   */
  dateNow(): number {
    const skew = this.currentSkew === undefined ? 0 : this.currentSkew();
    return Math.floor(this.epoch + (this.clock.now() - this.startTime) + skew);
  }

  /** Schedule `fire` at `when` on the loop's timer heap and let an idle loop see it. */
  schedule(when: number, fire: () => void): TimerHandle {
    const h = this.loop._timerInternal(when, fire, []);
    // Scheduled from outside the loop's callbacks (plain I/O), the timer must
    // still wake an idle loop so that time can jump to it.
    this.clock._poke();
    return h;
  }

  /** The real timers of `job` (the code running now is an executor job's), remembered for `clearJobTimers` when they are this world's. */
  private timersOf(job: JobScope): JobTimers {
    const timers = job.timers;
    if (timers.owner === this.loop) this.jobTimers.add(timers);
    return timers;
  }

  /** Clear the real timers this world's executor jobs left pending. */
  clearJobTimers(): void {
    for (const timers of this.jobTimers) timers.clearAll();
    this.jobTimers.clear();
  }

  readonly setTimeout = (callback: (...args: any[]) => unknown, delay?: number, ...args: unknown[]): FakeTimeout | RealTimeout => {
    if (typeof callback !== 'function') throw invalidCallback(callback);
    const job = currentJob();
    if (job !== undefined) return this.timersOf(job).setTimeout(job.id, callback, delay, args);
    return new FakeTimeout(this, callback, args, timeoutDelay(delay), false);
  };

  readonly setInterval = (callback: (...args: any[]) => unknown, delay?: number, ...args: unknown[]): FakeTimeout | RealTimeout => {
    if (typeof callback !== 'function') throw invalidCallback(callback);
    const job = currentJob();
    if (job !== undefined) return this.timersOf(job).setInterval(job.id, callback, delay, args);
    return new FakeTimeout(this, callback, args, intervalDelay(delay), true);
  };

  /** clearTimeout and clearInterval (interchangeable, as in Node); anything not ours goes to the real one. */
  readonly clearTimeout = (timer: unknown): void => {
    if (timer === null || timer === undefined) return;
    if (timer instanceof FakeTimeout) {
      timer._clear();
      return;
    }
    if (typeof timer === 'number' || typeof timer === 'string') {
      const t = this.byId.get(Number(timer));
      if (t !== undefined) {
        t._clear();
        return;
      }
    }
    if (timer instanceof FakeImmediate) return;
    forgetJobTimer(timer);
    realClearTimeout(timer as Parameters<typeof clearTimeout>[0]);
  };

  readonly setImmediate = (callback: (...args: any[]) => unknown, ...args: unknown[]): FakeImmediate | RealImmediate => {
    if (typeof callback !== 'function') throw invalidCallback(callback);
    const job = currentJob();
    if (job !== undefined) return this.timersOf(job).setImmediate(job.id, callback, args);
    return new FakeImmediate(this, callback, args);
  };

  readonly clearImmediate = (immediate: unknown): void => {
    if (immediate === null || immediate === undefined) return;
    if (immediate instanceof FakeImmediate) {
      immediate._clear();
      return;
    }
    if (immediate instanceof FakeTimeout) return;
    forgetJobTimer(immediate);
    realClearImmediate(immediate as Parameters<typeof clearImmediate>[0]);
  };

  readonly performanceNow = (): number => this.clock.now();

  /** process.hrtime: [seconds, nanoseconds] of virtual time, or the difference from `prev`. */
  readonly hrtime = (prev?: [number, number]): [number, number] => {
    const [s, n] = this.hrtimeParts();
    if (prev === undefined) return [s, n];
    if (!Array.isArray(prev)) {
      throw Object.assign(new TypeError(`The "time" argument must be an instance of Array. Received ${prev === null ? 'null' : typeof prev}`), { code: 'ERR_INVALID_ARG_TYPE' });
    }
    if (prev.length !== 2) {
      throw Object.assign(new RangeError(`The value of "time" is out of range. It must be 2. Received ${prev.length}`), { code: 'ERR_OUT_OF_RANGE' });
    }
    let ds = s - prev[0];
    let dn = n - prev[1];
    if (dn < 0) {
      ds -= 1;
      dn += 1e9;
    }
    return [ds, dn];
  };

  /** process.hrtime.bigint: virtual nanoseconds. */
  readonly hrtimeBigint = (): bigint => {
    const [s, n] = this.hrtimeParts();
    return BigInt(s) * 1_000_000_000n + BigInt(n);
  };

  private hrtimeParts(): [number, number] {
    const ms = this.clock.now();
    let s = Math.floor(ms / 1000);
    let n = Math.round((ms - s * 1000) * 1e6);
    if (n >= 1e9) {
      s += 1;
      n -= 1e9;
    }
    return [s, n];
  }

  /** The fake `Date`: the real one with virtual "now" (`new Date()`, `Date()`, `Date.now()`); parse, UTC and the prototype are the real ones, so `instanceof Date` holds for every date. */
  makeDate(RealDate: DateConstructor): DateConstructor {
    const now = (): number => this.dateNow();
    return new Proxy(RealDate, {
      construct(target, args, newTarget) {
        return Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget);
      },
      apply(target) {
        // Date() called as a function ignores its arguments and gives now as a string.
        return new target(now()).toString();
      },
      get(target, prop, receiver) {
        if (prop === 'now') return fakeDateNow;
        return Reflect.get(target, prop, receiver);
      },
    });
    function fakeDateNow(): number {
      return now();
    }
  }
}

/**
 * Node's ref/unref of a timer, recorded only: in a simulation nothing keeps
 * the process alive but the run itself.
 */
class RefFlag {
  #ref = true;

  /** Keep the process alive for this timer (the default; recorded only). */
  ref(): this {
    this.#ref = true;
    return this;
  }

  /** Let the process exit while this timer is pending (recorded only). */
  unref(): this {
    this.#ref = false;
    return this;
  }

  /** Whether `ref` is in force. */
  hasRef(): boolean {
    return this.#ref;
  }
}

/**
 * A faked timer, shaped like Node's `Timeout`: `ref`, `unref`, `hasRef`,
 * `refresh`, `close`, and a numeric id (`+timeout`) that clearTimeout takes.
 * It is a loop timer; its callback runs in the async context of the code that
 * scheduled it (with no current task, as any plain loop callback), with the
 * timeout as `this`, and an error it throws goes to the loop's exception handler.
 * ref/unref only record the flag: in a simulation a pending timer is a pending
 * timer, and time jumps to it either way.
 */
export class FakeTimeout extends RefFlag {
  #fake: FakeGlobals;
  #callback: (...args: any[]) => unknown;
  #args: unknown[];
  #delay: number;
  #repeat: boolean;
  #ctx: CapturedContext;
  #fire: () => void;
  #handle: TimerHandle | null = null;
  #when = 0;
  #cleared = false;
  #id = 0;

  /** @internal */
  constructor(fake: FakeGlobals, callback: (...args: any[]) => unknown, args: unknown[], delay: number, repeat: boolean) {
    super();
    this.#fake = fake;
    this.#callback = callback;
    this.#args = args;
    this.#delay = delay;
    this.#repeat = repeat;
    this.#ctx = fake.loop._captureContext();
    const fire = (): void => this.#onFire();
    // Traces and exception reports name the user's callback.
    Object.defineProperty(fire, 'name', { value: `${repeat ? 'setInterval' : 'setTimeout'}(${callback.name || 'anonymous'})` });
    this.#fire = fire;
    this.#arm(fake.clock.now() + delay);
  }

  /** Restart the timer from now with the same delay; re-arms one that already fired, not one cleared. */
  refresh(): this {
    if (this.#cleared) return this;
    this.#handle?.cancel();
    this.#arm(this.#fake.clock.now() + this.#delay);
    return this;
  }

  /** Cancel the timer (as clearTimeout). */
  close(): this {
    this._clear();
    return this;
  }

  [Symbol.toPrimitive](): number {
    if (this.#id === 0) {
      this.#id = this.#fake.newId();
      if (!this.#cleared) this.#fake.byId.set(this.#id, this);
    }
    return this.#id;
  }

  [Symbol.dispose](): void {
    this._clear();
  }

  /** @internal */
  _clear(): void {
    if (this.#cleared) return;
    this.#cleared = true;
    this.#handle?.cancel();
    this.#handle = null;
    if (this.#id !== 0) this.#fake.byId.delete(this.#id);
  }

  #arm(when: number): void {
    this.#when = when;
    this.#handle = this.#fake.schedule(when, this.#fire);
    if (this.#id !== 0) this.#fake.byId.set(this.#id, this);
  }

  #onFire(): void {
    const ran = this.#handle;
    this.#handle = null;
    if (!this.#repeat && this.#id !== 0) this.#fake.byId.delete(this.#id);
    try {
      runInContext(this.#ctx, this.#fake.loop._frame, this.#invoke);
    } finally {
      // An interval repeats from its due time, not from when it ran (after an
      // advance() past several periods, each missed one still runs, in order),
      // unless the callback cleared or refreshed it.
      if (this.#repeat && !this.#cleared && this.#handle === null && ran !== null) this.#arm(this.#when + this.#delay);
    }
  }

  #invoke = (): unknown => this.#callback.apply(this, this.#args);
}

/**
 * A faked immediate, shaped like Node's `Immediate` (`ref`, `unref`,
 * `hasRef`): a loop callback (callSoon), run in the async context of the
 * code that scheduled it, with the immediate as `this`.
 */
export class FakeImmediate extends RefFlag {
  #handle: Handle;
  #done = false;

  /** @internal */
  constructor(fake: FakeGlobals, callback: (...args: any[]) => unknown, args: unknown[]) {
    super();
    const run = (): unknown => {
      this.#done = true;
      return callback.apply(this, args);
    };
    Object.defineProperty(run, 'name', { value: `setImmediate(${callback.name || 'anonymous'})` });
    this.#handle = fake.loop.callSoon(run);
  }

  [Symbol.dispose](): void {
    this._clear();
  }

  /** @internal */
  _clear(): void {
    // Clearing one that already ran is a no-op, as in Node (and leaves no 'cancel' in the trace).
    if (!this.#done) this.#handle.cancel();
    this.#done = true;
  }
}

const TIMER_GLOBALS = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date'] as const;

/**
 * Replace the global timers, `Date`, `performance.now` and `process.hrtime`
 * (with `hrtime.bigint`) by versions that follow `host`'s virtual time (`Date`
 * also the clock skew of the simulated host the calling code is on), until
 * the returned function restores the originals. `queueMicrotask`,
 * `process.nextTick` and `Intl` stay real. The code of a simulated executor
 * job (and what it starts) gets the real timers, as on a worker thread; those
 * of this world's jobs still pending are cleared by the restore. Only one
 * world may fake the globals at a time: `InvalidStateError` otherwise. The
 * loop keeps working, since it captured the real primitives when it loaded.
 */
export function installFakeGlobals(host: FakeGlobalsHost): () => void {
  if (ownerSlot[OWNER_KEY] !== undefined) {
    throw new InvalidStateError('fakeGlobals: another simulated world is faking the global timers and Date; only one world at a time may (set fakeGlobals: false on one of them, or run them one after the other)');
  }
  const fake = new FakeGlobals(host);
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = new Map<string, PropertyDescriptor | undefined>();
  for (const name of TIMER_GLOBALS) saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
  const perf = globalThis.performance;
  const savedPerfNow = Object.getOwnPropertyDescriptor(perf, 'now');
  const savedHrtime = Object.getOwnPropertyDescriptor(process, 'hrtime');

  const fakeSetTimeout = fake.setTimeout as unknown as Record<symbol, unknown>;
  fakeSetTimeout[promisify.custom] = (delay?: number, value?: unknown, options?: { signal?: AbortSignal }) =>
    new Promise((resolve, reject) => {
      const signal = options?.signal;
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const t = fake.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      }, delay);
      const onAbort = (): void => {
        fake.clearTimeout(t);
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  const fakeSetImmediate = fake.setImmediate as unknown as Record<symbol, unknown>;
  fakeSetImmediate[promisify.custom] = (value?: unknown, options?: { signal?: AbortSignal }) =>
    new Promise((resolve, reject) => {
      const signal = options?.signal;
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const im = fake.setImmediate(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      });
      const onAbort = (): void => {
        fake.clearImmediate(im);
        reject(abortError(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  const hrtime = Object.assign(fake.hrtime, { bigint: fake.hrtimeBigint });

  ownerSlot[OWNER_KEY] = fake;
  g.setTimeout = fake.setTimeout;
  g.clearTimeout = fake.clearTimeout;
  g.setInterval = fake.setInterval;
  g.clearInterval = fake.clearTimeout;
  g.setImmediate = fake.setImmediate;
  g.clearImmediate = fake.clearImmediate;
  Object.defineProperty(globalThis, 'Date', { value: fake.makeDate(saved.get('Date')!.value as DateConstructor), writable: true, configurable: true, enumerable: false });
  Object.defineProperty(perf, 'now', { value: fake.performanceNow, writable: true, configurable: true, enumerable: true });
  Object.defineProperty(process, 'hrtime', { value: hrtime, writable: true, configurable: true, enumerable: true });

  let restored = false;
  return function restoreGlobals(): void {
    if (restored) return;
    restored = true;
    for (const [name, desc] of saved) {
      if (desc === undefined) delete g[name];
      else Object.defineProperty(globalThis, name, desc);
    }
    if (savedPerfNow === undefined) delete (perf as unknown as Record<string, unknown>).now;
    else Object.defineProperty(perf, 'now', savedPerfNow);
    if (savedHrtime === undefined) delete (process as unknown as Record<string, unknown>).hrtime;
    else Object.defineProperty(process, 'hrtime', savedHrtime);
    // The run is over: no job's timer may outlive it, or keep the process alive.
    fake.clearJobTimers();
    if (ownerSlot[OWNER_KEY] === fake) ownerSlot[OWNER_KEY] = undefined;
  };
}
