/**
 * The reference model of API.md ("The loop"): one iteration (1) jumps to the
 * earliest live timer when nothing is ready, (2) moves every due timer to the
 * ready queue in (when, scheduling order), (3) runs exactly the callbacks that
 * were ready at its start. A task step is modelled by what it costs in loop
 * callbacks: a first step is one callSoon; `sleep(ms <= 0)` one hop;
 * `sleep(ms > 0)` a timer that then wakes the task with one more hop; a
 * future completed by a callback wakes its task with one hop; awaiting a done
 * future or a plain promise costs none.
 *
 * Two ways to pick the next callback to run:
 * - `runFifo`: the oldest ready one (the default scheduler), which predicts
 *   the run completely;
 * - `runReplay`: the one the real run chose, following the run's iteration
 *   boundaries and checking that the choice is allowed to a non-FIFO
 *   strategy: it is ready (a timer only once an iteration began at or after
 *   its time), no callback of the same origin that became ready earlier is
 *   still waiting (the origin is the callback, or the task, whose code
 *   scheduled it).
 */
import type { AwaitKind, Op, Program, Step } from './program.js';

/** What the model and the real run both produce: one entry per labelled loop callback. */
export interface Group {
  /** The label of the loop callback (user callback, or task code resumed by the loop). */
  label: string;
  /** Virtual time when it ran. */
  time: number;
  /** Labels logged later in the same loop callback (microtasks, exception handler, code after a non-yielding await). */
  ins: string[];
  /** A real run's: which loop iteration ran it (counted from 1 per `run*` call). */
  iteration?: number;
}

interface MHandle {
  seq: number;
  /** Who scheduled it (a callback's seq or a task's id; 0 outside the loop). */
  origin: number;
  /** The origin of what it schedules: a task's id for task code, else null (its own seq). */
  runOrigin: number | null;
  readySeq: number;
  label: string | null;
  when: number;
  cancelled: boolean;
  run: () => void;
}

function byWhenSeq(a: MHandle, b: MHandle): number {
  return a.when < b.when ? -1 : a.when > b.when ? 1 : a.seq - b.seq;
}

export class Model {
  time = 0;
  readonly groups: Group[] = [];
  private seq = 1;
  private readyCounter = 0;
  private ready: MHandle[] = [];
  private timers: MHandle[] = [];
  private origin = 0;
  private readonly userHandles: MHandle[] = [];
  private stopRequested = false;
  /** Under `runFifo`: the number of groups logged when each `stop()` took effect (the end of its iteration). */
  readonly stops: number[] = [];

  constructor(private readonly program: Program) {}

  /**
   * Run the program with the FIFO scheduler; returns the groups it logs.
   * `preStops[r]` says that `stop()` was called before run `r` of
   * `runForever()` began: that run is one iteration, which waits for nothing
   * (no time jump), as asyncio's `_run_once` with `_stopping` set.
   */
  runFifo(preStops: readonly boolean[] = []): Group[] {
    this.start();
    let run = 0;
    let stopping = preStops[0] === true;
    while (this.beginIteration(stopping)) {
      let n = this.ready.length;
      while (n-- > 0) this.exec(this.ready.shift()!);
      // stop() ends the loop after step (3) of the iteration in which it was called.
      if (this.stopRequested || stopping) {
        this.stopRequested = false;
        this.stops.push(this.groups.length);
        stopping = preStops[++run] === true;
      }
    }
    return this.groups;
  }

  /**
   * Follow the order of `observed` (a real run's groups), checking that each
   * choice was allowed. Returns null, or a message saying which choice was not.
   */
  runReplay(observed: readonly Group[]): string | null {
    this.start();
    let iteration = 0;
    for (let i = 0; i < observed.length; i++) {
      const g = observed[i]!;
      const it = g.iteration ?? NaN;
      if (!(it >= iteration)) return `callback #${i} of the run (${g.label}) reports iteration ${it}, after iteration ${iteration}`;
      if (it > iteration) {
        // One or more iterations began; those between ran only cancelled handles, so if nothing
        // else is ready, the cancelled ones are gone and the loop may jump.
        if (this.ready.every((h) => h.cancelled)) this.ready = [];
        if (!this.beginIteration()) return `callback #${i} of the run is ${g.label}, but the model has nothing left to run`;
        // How many ran in an iteration is not checked: the real loop also counts internal
        // handles (a finished task's done callbacks...) that the model does not have.
        iteration = it;
      }
      const h = this.ready.find((x) => x.label === g.label && !x.cancelled);
      if (h === undefined) {
        const timer = this.timers.find((x) => x.label === g.label && !x.cancelled);
        const why = timer !== undefined ? `it is a timer for ${timer.when} ms that had not come due when the iteration began (time ${this.time} ms)` : 'it was not ready at all';
        return `callback #${i} of the run is ${g.label} (at ${g.time} ms), but ${why}; ready: ${labels(this.ready.filter((x) => !x.cancelled))}`;
      }
      const older = this.ready.find((x) => x !== h && x.origin === h.origin && x.readySeq < h.readySeq && !x.cancelled);
      if (older !== undefined) {
        return `callback #${i} of the run is ${g.label}, but ${older.label ?? '(internal)'} came from the same origin and was ready first (per-origin order)`;
      }
      this.ready.splice(this.ready.indexOf(h), 1);
      this.exec(h);
    }
    const pending = this.ready.filter((h) => !h.cancelled);
    if (pending.length > 0) return `the run ended after ${observed.length} labelled callbacks, but the model still has ready: ${labels(pending)}`;
    const timer = this.timers.find((t) => !t.cancelled && t.when !== Infinity);
    if (timer !== undefined) return `the run ended after ${observed.length} labelled callbacks, but the model still has a timer for ${timer.when} ms: ${timer.label ?? '(internal)'}`;
    return null;
  }

  // ---------------------------------------------------------------- the loop

  private start(): void {
    const mainOrigin = this.seq++;
    this.soon('main', () => this.taskBody('main', this.program.first, this.program.steps, mainOrigin), mainOrigin);
  }

  /** Steps (1) and (2); false when nothing is left to run. A stopping iteration does not wait (jump). */
  private beginIteration(stopping = false): boolean {
    if (this.ready.length === 0) {
      let next: MHandle | undefined;
      for (const t of this.timers) if (!t.cancelled && (next === undefined || byWhenSeq(t, next) < 0)) next = t;
      if (next === undefined) return false;
      if (next.when > this.time && !stopping) this.time = next.when;
    }
    const due = this.timers.filter((t) => !t.cancelled && t.when <= this.time).sort(byWhenSeq);
    this.timers = this.timers.filter((t) => !t.cancelled && t.when > this.time);
    for (const t of due) this.makeReady(t);
    return true;
  }

  private exec(h: MHandle): void {
    if (h.cancelled) return;
    const saved = this.origin;
    this.origin = h.runOrigin ?? h.seq;
    h.run();
    this.origin = saved;
  }

  private makeReady(h: MHandle): void {
    h.readySeq = this.readyCounter++;
    this.ready.push(h);
  }

  private handle(label: string | null, when: number, run: () => void, runOrigin: number | null): MHandle {
    return { seq: this.seq++, origin: this.origin, runOrigin, readySeq: -1, label, when, cancelled: false, run };
  }

  private soon(label: string | null, run: () => void, runOrigin: number | null = null): MHandle {
    const h = this.handle(label, this.time, run, runOrigin);
    this.makeReady(h);
    return h;
  }

  private timer(when: number, label: string | null, run: () => void, runOrigin: number | null = null): MHandle {
    const h = this.handle(label, when, run, runOrigin);
    // An infinite timer never comes due, and time never jumps to it.
    if (when !== Infinity) this.timers.push(h);
    return h;
  }

  // -------------------------------------------------------------- programs

  private seg(label: string): void {
    this.groups.push({ label, time: this.time, ins: [] });
  }

  private in(label: string): void {
    this.groups[this.groups.length - 1]!.ins.push(label);
  }

  private ops(list: readonly Op[]): void {
    for (const op of list) this.op(op);
  }

  private op(op: Op): void {
    switch (op.k) {
      case 'soon':
        this.userHandles.push(this.soon(op.id, () => this.callback(op)));
        return;
      case 'later':
        this.userHandles.push(this.timer(this.time + op.delay, op.id, () => this.callback(op)));
        return;
      case 'at':
        this.userHandles.push(this.timer(op.relative ? this.time + op.when : op.when, op.id, () => this.callback(op)));
        return;
      case 'cancel': {
        const n = this.userHandles.length;
        if (n > 0) this.userHandles[op.pick % n]!.cancelled = true;
        return;
      }
      case 'task': {
        const taskOrigin = this.seq++;
        this.soon(op.id, () => this.taskBody(op.id, op.first, op.steps, taskOrigin), taskOrigin);
        return;
      }
      case 'micro':
        this.in(op.id);
        return;
      case 'bad':
        this.in(`${op.id}: TypeError`);
        return;
      case 'advance':
        this.time += op.ms;
        return;
      case 'stop':
        this.in('stop');
        this.stopRequested = true;
        return;
    }
  }

  private callback(op: { id: string; throws: boolean; body: Op[] }): void {
    this.seg(op.id);
    this.ops(op.body);
    if (op.throws) this.in(`${op.id}: handled`);
  }

  private taskBody(id: string, first: readonly Op[], steps: readonly Step[], taskOrigin: number): void {
    this.seg(id);
    this.ops(first);
    this.steps(steps, 0, taskOrigin);
  }

  private steps(steps: readonly Step[], i: number, taskOrigin: number): void {
    const s = steps[i];
    if (s === undefined) return;
    const cont = (hopped: boolean): void => {
      if (hopped) this.seg(s.id);
      else this.in(s.id);
      this.ops(s.ops);
      this.steps(steps, i + 1, taskOrigin);
    };
    const resume = (): void => void this.soon(s.id, () => cont(true), taskOrigin);
    const a: AwaitKind = s.await;
    switch (a.k) {
      case 'sleep':
        if (a.ms <= 0) resume();
        else this.timer(this.time + a.ms, null, resume);
        return;
      case 'done':
      case 'plain':
        cont(false);
        return;
      case 'futSoon':
        this.soon(`${s.id}.f`, () => {
          this.seg(`${s.id}.f`);
          resume();
        });
        return;
      case 'futLater':
        this.timer(this.time + a.delay, `${s.id}.f`, () => {
          this.seg(`${s.id}.f`);
          resume();
        });
        return;
    }
  }
}

function labels(hs: readonly MHandle[]): string {
  return `[${hs.map((h) => h.label ?? '(internal)').join(', ')}]`;
}
