/**
 * Runs a generated program on a real EventLoop in a simulated world and logs
 * what ran, where and when, in the shape the model produces (model.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createSimWorld, currentTask, sleep, type EventLoop, type ExceptionContext, type Future, type Handle, type SimWorldOptions, type TraceEvent, type VirtualClock } from '../../src/index.js';
import type { Group } from './model.js';
import type { MicroLink, Op, Program, Step } from './program.js';

/** One log line: a labelled loop callback starts (`seg`), or something happens inside it (`in`). */
export type LogEntry = { t: 'seg'; label: string; time: number; iteration: number } | { t: 'in'; label: string };

export interface RunOutcome {
  log: LogEntry[];
  groups: Group[];
  trace: TraceEvent[];
  /** `loop.time()` when the world finished. */
  endTime: number;
  /** What `world.run` rejected with, if it did. */
  error: unknown;
}

interface Rec {
  id: string;
  handle: Handle;
  /** Expected to run (not an infinite timer). */
  counted: boolean;
  ran: boolean;
  cancelled: boolean;
  error: Error | null;
}

/**
 * The label of the code that scheduled a callback or created a task: a loop
 * callback must run in its scheduler's async context, a task in its creator's.
 */
const scheduledBy = new AsyncLocalStorage<string>();

/** Run `program` as the main task of a fresh world with `opts`. */
export async function runProgram(program: Program, opts: SimWorldOptions): Promise<RunOutcome> {
  const world = createSimWorld(opts);
  let run: RealRun | null = null;
  let error: unknown = undefined;
  try {
    await world.run(async (w) => {
      run = new RealRun(w.loop, w.clock);
      await run.main(program);
    });
  } catch (e) {
    error = e ?? new Error('world.run rejected with a nullish value');
  } finally {
    await world[Symbol.asyncDispose]();
  }
  const log = (run as RealRun | null)?.log ?? [];
  return { log, groups: toGroups(log), trace: world.trace(), endTime: world.loop.time(), error };
}

/** Group a log by labelled loop callback; `in` lines before any `seg` form a group labelled `(before any callback)`. */
export function toGroups(log: readonly LogEntry[]): Group[] {
  const groups: Group[] = [];
  for (const e of log) {
    if (e.t === 'seg') groups.push({ label: e.label, time: e.time, ins: [], iteration: e.iteration });
    else {
      if (groups.length === 0) groups.push({ label: '(before any callback)', time: NaN, ins: [] });
      groups[groups.length - 1]!.ins.push(e.label);
    }
  }
  return groups;
}

export interface StopsOutcome extends RunOutcome {
  /** The number of labelled callbacks logged each time `runForever()` returned. */
  stops: number[];
}

/**
 * Run `program` with `loop.runForever()` (the world's loop, FIFO), calling it
 * again each time a `stop` op made it return, until the main task is done;
 * `preStops[i]`: call `loop.stop()` just before run `i`.
 */
export async function runProgramWithStops(program: Program, preStops: readonly boolean[] = []): Promise<StopsOutcome> {
  const world = createSimWorld();
  const loop = world.loop;
  const run = new RealRun(loop, world.clock);
  const stops: number[] = [];
  let error: unknown = undefined;
  try {
    const main = loop.createTask(() => run.main(program), { name: 'main' });
    main.addDoneCallback(() => loop.stop());
    for (let i = 0; !main.done(); i++) {
      if (i > 10_000) throw new Error('runForever() returned 10,000 times and main is still pending');
      // A stop() before the run: it runs one iteration, without waiting.
      if (preStops[i] === true) loop.stop();
      await loop.runForever();
      stops.push(run.log.filter((e) => e.t === 'seg').length);
    }
    main.result();
  } catch (e) {
    error = e ?? new Error('rejected with a nullish value');
  } finally {
    await world[Symbol.asyncDispose]();
  }
  return { log: run.log, groups: toGroups(run.log), trace: world.trace(), endTime: loop.time(), error, stops };
}

class RealRun {
  readonly log: LogEntry[] = [];
  private readonly recs: Rec[] = [];
  private readonly byHandle = new Map<Handle, Rec>();
  /** Work still expected to run (main counts for one until its own steps end). */
  private pending = 1;
  /** Microtask chains started and not finished. */
  private micro = 0;
  private readonly done: Future<void>;

  constructor(
    private readonly loop: EventLoop,
    private readonly clock: VirtualClock,
  ) {
    this.done = loop.createFuture<void>();
    loop.setExceptionHandler((_loop, ctx) => this.onException(ctx));
  }

  async main(p: Program): Promise<void> {
    const self = currentTask();
    if (self === null) this.log.push({ t: 'in', label: 'VIOLATION: currentTask() is null in the main task' });
    await this.taskBody('main', p.first, p.steps, scheduledBy.getStore(), self);
    this.release();
    if (!this.done.done()) await this.done;
  }

  // ------------------------------------------------------------- logging

  private seg(label: string): void {
    // Guarantee 4: every microtask a previous loop callback queued has run by now.
    if (this.micro !== 0) this.log.push({ t: 'in', label: `VIOLATION: ${this.micro} microtask chain(s) still pending when ${label} started` });
    // The loop's internal count of iterations begun: the model follows the run's iteration boundaries.
    this.log.push({ t: 'seg', label, time: this.loop.time(), iteration: (this.loop as unknown as { _iterations: number })._iterations });
  }

  private in(label: string): void {
    this.log.push({ t: 'in', label });
  }

  /** Flag code that runs in the wrong async context or sees the wrong current task. */
  private where(label: string, store: string | undefined, task: unknown): void {
    const got = scheduledBy.getStore();
    if (got !== store) this.in(`VIOLATION: ${label} ran in the async context of ${String(got)}, not of ${String(store)}`);
    const cur = currentTask();
    if (cur !== task) this.in(`VIOLATION: ${label} sees currentTask() = ${cur === null ? 'null' : cur.getName()}`);
  }

  private release(): void {
    this.pending--;
    if (this.pending < 0) this.in('VIOLATION: more work finished than was started');
    if (this.pending === 0 && !this.done.done()) this.done.setResult(undefined);
  }

  private onException(ctx: ExceptionContext): void {
    const rec = this.byHandle.get(ctx.handle as Handle);
    if (rec === undefined) {
      this.in(`VIOLATION: exception handler called for an unknown handle: ${String(ctx.message)} ${String(ctx.exception)}`);
      return;
    }
    const ok = rec.error !== null && ctx.exception === rec.error && typeof ctx.message === 'string' && ctx.message.length > 0;
    this.in(ok ? `${rec.id}: handled` : `${rec.id}: VIOLATION: bad exception context ${String(ctx.message)}`);
  }

  // ----------------------------------------------------------- programs

  private ops(list: readonly Op[]): void {
    for (const op of list) this.op(op);
  }

  private op(op: Op): void {
    const loop = this.loop;
    switch (op.k) {
      case 'soon':
        this.track(op.id, op.throws, true, (cb) => (op.threadsafe ? loop.callSoonThreadsafe(cb) : loop.callSoon(cb)), () => this.ops(op.body), null);
        return;
      case 'later': {
        const when = loop.time() + op.delay;
        this.track(op.id, op.throws, when !== Infinity, (cb) => loop.callLater(op.delay, cb), () => this.ops(op.body), when);
        return;
      }
      case 'at': {
        const when = op.relative ? loop.time() + op.when : op.when;
        this.track(op.id, op.throws, when !== Infinity, (cb) => loop.callAt(when, cb), () => this.ops(op.body), when);
        return;
      }
      case 'cancel': {
        const n = this.recs.length;
        if (n === 0) return;
        const rec = this.recs[op.pick % n]!;
        rec.handle.cancel();
        if (!rec.handle.cancelled()) this.in(`VIOLATION: ${rec.id}.cancelled() is false after cancel()`);
        if (!rec.ran && !rec.cancelled && rec.counted) this.release();
        rec.cancelled = true;
        return;
      }
      case 'task': {
        this.pending++;
        const task = scheduledBy.run(op.id, () =>
          loop.createTask(async () => {
            await this.taskBody(op.id, op.first, op.steps, op.id, task);
            this.release();
          }),
        );
        return;
      }
      case 'stop':
        this.in('stop');
        loop.stop();
        return;
      case 'advance':
        this.clock.advance(op.ms);
        return;
      case 'micro':
        this.micro++;
        this.chain(op.links, 0, () => {
          this.micro--;
          this.in(op.id);
        });
        return;
      case 'bad': {
        const cb = (): void => this.seg(`${op.id}: ran`);
        try {
          if (op.api === 'later') loop.callLater(op.value as number, cb);
          else loop.callAt(op.value as number, cb);
          this.in(`${op.id}: no error`);
        } catch (e) {
          this.in(e instanceof TypeError ? `${op.id}: TypeError` : `${op.id}: ${e instanceof Error ? e.name : String(e)}`);
        }
        return;
      }
    }
  }

  /** Schedule a user callback through `schedule` and keep its record for cancel ops and the exception handler. */
  private track(id: string, throws: boolean, counted: boolean, schedule: (cb: () => void) => Handle, body: () => void, when: number | null): void {
    const rec: Rec = { id, handle: null as unknown as Handle, counted, ran: false, cancelled: false, error: throws ? new Error(`boom ${id}`) : null };
    const cb = (): void => {
      // Owed at most once: a callback may cancel its own handle while it runs.
      const owed = rec.counted && !rec.cancelled && !rec.ran;
      rec.ran = true;
      this.seg(id);
      this.where(id, id, null);
      if (when !== null && this.loop.time() < when) this.in(`VIOLATION: ${id} ran early at ${this.loop.time()} < ${when}`);
      if (rec.cancelled) this.in(`VIOLATION: ${id} ran after cancel()`);
      body();
      if (owed) this.release();
      if (rec.error !== null) throw rec.error;
    };
    rec.handle = scheduledBy.run(id, () => schedule(cb));
    if (counted) this.pending++;
    this.recs.push(rec);
    this.byHandle.set(rec.handle, rec);
  }

  private async taskBody(id: string, first: readonly Op[], steps: readonly Step[], store: string | undefined, task: unknown): Promise<void> {
    this.seg(id);
    this.where(id, store, task);
    this.ops(first);
    const loop = this.loop;
    for (const s of steps) {
      const a = s.await;
      switch (a.k) {
        case 'sleep': {
          const due = loop.time() + a.ms;
          await sleep(a.ms);
          this.seg(s.id);
          if (loop.time() < due) this.in(`VIOLATION: ${s.id} woke from sleep(${a.ms}) early at ${loop.time()} < ${due}`);
          break;
        }
        case 'done': {
          const f = loop.createFuture<number>();
          f.setResult(1);
          await f;
          this.in(s.id);
          break;
        }
        case 'plain':
          this.micro++;
          await new Promise<void>((resolve) =>
            this.chain(a.links, 0, () => {
              this.micro--;
              resolve();
            }),
          );
          this.in(s.id);
          break;
        case 'futSoon': {
          const f = loop.createFuture<number>();
          loop.callSoon(() => {
            this.seg(`${s.id}.f`);
            this.where(`${s.id}.f`, store, null);
            f.setResult(1);
          });
          await f;
          this.seg(s.id);
          break;
        }
        case 'futLater': {
          const f = loop.createFuture<number>();
          const when = loop.time() + a.delay;
          loop.callLater(a.delay, () => {
            this.seg(`${s.id}.f`);
            this.where(`${s.id}.f`, store, null);
            if (loop.time() < when) this.in(`VIOLATION: ${s.id}.f ran early at ${loop.time()} < ${when}`);
            f.setResult(1);
          });
          await f;
          this.seg(s.id);
          break;
        }
      }
      this.where(s.id, store, task);
      this.ops(s.ops);
    }
  }

  /** Run `end` after the microtask hops `links[i..]`, never through the loop. */
  private chain(links: readonly MicroLink[], i: number, end: () => void): void {
    if (i === links.length) {
      end();
      return;
    }
    const next = (): void => this.chain(links, i + 1, end);
    switch (links[i]!) {
      case 'promise':
        void Promise.resolve().then(next);
        return;
      case 'queueMicrotask':
        queueMicrotask(next);
        return;
      case 'nextTick':
        process.nextTick(next);
        return;
      case 'async':
        void (async () => {
          await undefined;
          next();
        })();
        return;
    }
  }
}
