/**
 * Random loop programs: trees of scheduling operations that both the real
 * loop (interpreter.ts) and the reference model (model.ts) can run. Every
 * loop callback that user code sees carries a unique label, so a run can be
 * compared with the model label by label.
 */
import fc from 'fast-check';

/** One hop of a plain microtask chain (never through the loop). */
export type MicroLink = 'promise' | 'queueMicrotask' | 'nextTick' | 'async';

/** What a task step awaits before it goes on. */
export type AwaitKind =
  /** `await sleep(ms)`: one loop hop when `ms <= 0`, a timer then a wakeup otherwise. */
  | { k: 'sleep'; ms: number }
  /** `await` of a loop future that is already done: no yield to the loop. */
  | { k: 'done' }
  /** `await` of a plain promise that settles after these microtask hops: no yield to the loop. */
  | { k: 'plain'; links: MicroLink[] }
  /** `await` of a future that a `callSoon` callback (labelled `<id>.f`) completes. */
  | { k: 'futSoon' }
  /** `await` of a future that a `callLater(delay)` callback (labelled `<id>.f`) completes. */
  | { k: 'futLater'; delay: number };

/** A task step: await something, then log `id` and run `ops`. */
export interface Step {
  id: string;
  await: AwaitKind;
  ops: Op[];
}

/** A loop callback's body: log `id`, run `body`, then throw if `throws`. */
export interface CallbackBody {
  id: string;
  throws: boolean;
  body: Op[];
}

/** One operation, run synchronously by the code of a callback or task step. */
export type Op =
  /** `callSoon`, or `callSoonThreadsafe` when `threadsafe` (same queue, same order). */
  | ({ k: 'soon'; threadsafe: boolean } & CallbackBody)
  | ({ k: 'later'; delay: number } & CallbackBody)
  /** `callAt(relative ? time() + when : when)`. */
  | ({ k: 'at'; when: number; relative: boolean } & CallbackBody)
  /** Cancel the user handle number `pick % count` among those made so far (a no-op if none). */
  | { k: 'cancel'; pick: number }
  | { k: 'task'; id: string; first: Op[]; steps: Step[] }
  /** Start a plain microtask chain that logs `id` at its end. */
  | { k: 'micro'; id: string; links: MicroLink[] }
  /** `callLater`/`callAt` with a NaN or non-number time: must throw TypeError and schedule nothing. */
  | { k: 'bad'; id: string; api: 'later' | 'at'; value: unknown }
  /** `loop.stop()`: the loop returns once the current iteration's callbacks have run (only with `runProgramWithStops`). */
  | { k: 'stop' }
  /** `world.clock.advance(ms)` from inside the callback: time moves, and the timers it made due run on the next iterations. */
  | { k: 'advance'; ms: number };

/** A program: the body of the simulation's main task. */
export interface Program {
  first: Op[];
  steps: Step[];
}

/** Relative weights (0 disables) and sizes of what a program may contain. */
export interface ProgramConfig {
  depth: number;
  maxOps: number;
  maxSteps: number;
  ops: { soon: number; later: number; at: number; cancel: number; task: number; micro: number; bad: number; stop?: number; advance?: number };
  awaits: { sleep: number; done: number; plain: number; futSoon: number; futLater: number };
  /** `sleep(ms)` with `ms > 0` (its timer is internal, so unlabelled); off for replay checking. */
  sleepTimers: boolean;
  /** Per cent of callbacks that throw. */
  throwPct: number;
  /** Whether `Infinity` delays and whens appear. */
  infinity: boolean;
}

export const defaultConfig: ProgramConfig = {
  depth: 3,
  maxOps: 4,
  maxSteps: 3,
  ops: { soon: 4, later: 4, at: 2, cancel: 2, task: 2, micro: 2, bad: 1, advance: 1 },
  awaits: { sleep: 3, done: 1, plain: 1, futSoon: 2, futLater: 2 },
  sleepTimers: true,
  throwPct: 10,
  infinity: true,
};

/** Finite delays, biased to small integers so that timers tie often. */
export const finiteDelayArb: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 3 }), weight: 4 },
  { arbitrary: fc.integer({ min: 4, max: 40 }), weight: 2 },
  { arbitrary: fc.integer({ min: -20, max: -1 }), weight: 2 },
  { arbitrary: fc.integer({ min: -80, max: 320 }).map((n) => n / 8), weight: 1 },
  { arbitrary: fc.constantFrom(0.1, 0.2, 0.3, 1 / 3, -0.5, -0), weight: 1 },
);

function delayArb(cfg: ProgramConfig): fc.Arbitrary<number> {
  if (!cfg.infinity) return finiteDelayArb;
  return fc.oneof({ arbitrary: finiteDelayArb, weight: 9 }, { arbitrary: fc.constant(Infinity), weight: 1 });
}

function absoluteWhenArb(cfg: ProgramConfig): fc.Arbitrary<number> {
  const finite = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: -10, max: -1 }), fc.integer({ min: 0, max: 160 }).map((n) => n / 4));
  if (!cfg.infinity) return finite;
  return fc.oneof({ arbitrary: finite, weight: 9 }, { arbitrary: fc.constant(Infinity), weight: 1 });
}

const linksArb = (min: number): fc.Arbitrary<MicroLink[]> =>
  fc.array(fc.constantFrom<MicroLink>('promise', 'queueMicrotask', 'nextTick', 'async'), { minLength: min, maxLength: 6 });

/** Values `callLater`/`callAt` must refuse with a TypeError. */
export const badTimeArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(Number.NaN),
  fc.constantFrom<unknown>('5', '', null, undefined, true, {}, [], 5n, Symbol('t'), () => 1, new Date(0)),
  fc.anything().filter((v) => typeof v !== 'number'),
);

function awaitArb(cfg: ProgramConfig): fc.Arbitrary<AwaitKind> {
  const w = cfg.awaits;
  const choices: fc.WeightedArbitrary<AwaitKind>[] = [];
  const sleepMs = cfg.sleepTimers ? finiteDelayArb : fc.oneof(fc.constant(0), fc.integer({ min: -20, max: -1 }), fc.constantFrom(-0, -0.5));
  if (w.sleep > 0) choices.push({ weight: w.sleep, arbitrary: sleepMs.map((ms) => ({ k: 'sleep', ms }) as const) });
  if (w.futSoon > 0) choices.push({ weight: w.futSoon, arbitrary: fc.constant({ k: 'futSoon' } as const) });
  if (w.futLater > 0) choices.push({ weight: w.futLater, arbitrary: finiteDelayArb.map((delay) => ({ k: 'futLater', delay }) as const) });
  if (w.done > 0) choices.push({ weight: w.done, arbitrary: fc.constant({ k: 'done' } as const) });
  if (w.plain > 0) choices.push({ weight: w.plain, arbitrary: linksArb(1).map((links) => ({ k: 'plain', links }) as const) });
  return fc.oneof(...choices);
}

/** Arbitrary of a program; labels are assigned after generation (and after each shrink). */
export function programArb(partial: Partial<ProgramConfig> = {}): fc.Arbitrary<Program> {
  const cfg: ProgramConfig = {
    ...defaultConfig,
    ...partial,
    ops: { ...defaultConfig.ops, ...partial.ops },
    awaits: { ...defaultConfig.awaits, ...partial.awaits },
  };
  const delay = delayArb(cfg);
  const absWhen = absoluteWhenArb(cfg);
  const awaitK = awaitArb(cfg);
  // Shrinks toward 0, that is toward not throwing.
  const throws = fc.integer({ min: 0, max: 99 }).map((n) => n >= 100 - cfg.throwPct);
  const memo = new Map<number, { ops: fc.Arbitrary<Op[]>; steps: fc.Arbitrary<Step[]> }>();

  const level = (depth: number): { ops: fc.Arbitrary<Op[]>; steps: fc.Arbitrary<Step[]> } => {
    const hit = memo.get(depth);
    if (hit !== undefined) return hit;
    const inner = depth > 0 ? level(depth - 1) : { ops: fc.constant<Op[]>([]), steps: fc.constant<Step[]>([]) };
    const body = inner.ops;
    const w = cfg.ops;
    const choices: fc.WeightedArbitrary<Op>[] = [];
    const threadsafe = fc.integer({ min: 0, max: 4 }).map((n) => n === 4);
    if (w.soon > 0) choices.push({ weight: w.soon, arbitrary: fc.record({ k: fc.constant('soon' as const), threadsafe, id: fc.constant(''), throws, body }) });
    if (w.later > 0) choices.push({ weight: w.later, arbitrary: fc.record({ k: fc.constant('later' as const), id: fc.constant(''), delay, throws, body }) });
    if (w.at > 0) {
      const at = fc.oneof(
        fc.record({ relative: fc.constant(true), when: delay }),
        fc.record({ relative: fc.constant(false), when: absWhen }),
      );
      choices.push({
        weight: w.at,
        arbitrary: fc.record({ at, throws, body }).map(({ at: a, throws: t, body: b }) => ({ k: 'at' as const, id: '', when: a.when, relative: a.relative, throws: t, body: b })),
      });
    }
    if (w.cancel > 0) choices.push({ weight: w.cancel, arbitrary: fc.record({ k: fc.constant('cancel' as const), pick: fc.nat(63) }) });
    if (w.task > 0) choices.push({ weight: w.task, arbitrary: fc.record({ k: fc.constant('task' as const), id: fc.constant(''), first: body, steps: inner.steps }) });
    if (w.micro > 0) choices.push({ weight: w.micro, arbitrary: fc.record({ k: fc.constant('micro' as const), id: fc.constant(''), links: linksArb(1) }) });
    if (w.bad > 0) {
      choices.push({
        weight: w.bad,
        arbitrary: fc.record({ k: fc.constant('bad' as const), id: fc.constant(''), api: fc.constantFrom<'later' | 'at'>('later', 'at'), value: badTimeArb }),
      });
    }
    if ((w.advance ?? 0) > 0) {
      const ms = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 80 }).map((n) => n / 8));
      choices.push({ weight: w.advance!, arbitrary: ms.map((m) => ({ k: 'advance' as const, ms: m })) });
    }
    if ((w.stop ?? 0) > 0) choices.push({ weight: w.stop!, arbitrary: fc.constant({ k: 'stop' as const }) });
    const ops = fc.array(fc.oneof(...choices), { maxLength: cfg.maxOps });
    const steps = fc.array(fc.record({ id: fc.constant(''), await: awaitK, ops }), { maxLength: cfg.maxSteps });
    const out = { ops, steps };
    memo.set(depth, out);
    return out;
  };

  const top = level(cfg.depth);
  return fc.record({ first: top.ops, steps: top.steps }).map(labelProgram);
}

/** A copy of `p` with fresh labels: `c<n>` callbacks, `t<n>` tasks (`t<n>.<i>` steps), `m<n>` chains, `b<n>` bad calls. */
export function labelProgram(p: Program): Program {
  let n = 0;
  const ops = (list: Op[]): Op[] =>
    list.map((op): Op => {
      switch (op.k) {
        case 'soon':
        case 'later':
        case 'at':
          return { ...op, id: `c${++n}`, body: ops(op.body) };
        case 'task': {
          const id = `t${++n}`;
          return { ...op, id, first: ops(op.first), steps: steps(id, op.steps) };
        }
        case 'micro':
          return { ...op, id: `m${++n}` };
        case 'bad':
          return { ...op, id: `b${++n}` };
        case 'cancel':
        case 'stop':
        case 'advance':
          return op;
      }
    });
  const steps = (owner: string, list: Step[]): Step[] => list.map((s, i) => ({ ...s, id: `${owner}.${i + 1}`, ops: ops(s.ops) }));
  const first = ops(p.first);
  return { first, steps: steps('main', p.steps) };
}

/** Number of operations in a program (for statistics and sanity checks). */
export function programSize(p: Program): number {
  const ops = (list: Op[]): number =>
    list.reduce((acc, op) => {
      switch (op.k) {
        case 'soon':
        case 'later':
        case 'at':
          return acc + 1 + ops(op.body);
        case 'task':
          return acc + 1 + ops(op.first) + steps(op.steps);
        default:
          return acc + 1;
      }
    }, 0);
  const steps = (list: Step[]): number => list.reduce((acc, s) => acc + 1 + ops(s.ops), 0);
  return ops(p.first) + steps(p.steps);
}

/**
 * Programs that make hundreds of callbacks ready at once from a few origins,
 * so that the ready queue grows and wraps around while it is being consumed
 * (and an origin's queue under `'random'` is long enough to be compacted).
 */
export function burstProgramArb(): fc.Arbitrary<Program> {
  const leaf = (): Op => ({ k: 'soon', threadsafe: false, id: '', throws: false, body: [] });
  const many = (n: number): Op[] => Array.from({ length: n }, leaf);
  return fc
    .record({
      top: fc.integer({ min: 1, max: 100 }),
      children: fc.integer({ min: 0, max: 100 }),
      stride: fc.integer({ min: 4, max: 40 }),
      tasks: fc.integer({ min: 0, max: 4 }),
      perStep: fc.integer({ min: 0, max: 60 }),
    })
    .map(({ top, children, stride, tasks, perStep }) => {
      const first: Op[] = [];
      for (let i = 0; i < top; i++) first.push({ k: 'soon', threadsafe: i % 3 === 1, id: '', throws: false, body: i % stride === 0 ? many(children) : [] });
      for (let t = 0; t < tasks; t++) {
        first.push({ k: 'task', id: '', first: many(perStep), steps: [{ id: '', await: { k: 'sleep', ms: 0 }, ops: many(perStep) }] });
      }
      return labelProgram({ first, steps: [] });
    });
}
