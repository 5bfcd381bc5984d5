import { ScheduleFailure, SimulationError } from '../errors.js';
import type { SimWorldOptions, TraceEvent } from '../backends/sim/sim-world.js';
import { decisionWeight, type Decisions } from '../schedule/decisions.js';
import { anchorShapes } from '../loop/shape-anchor.js';
import { DEFAULT_PCT_DEPTH } from '../schedule/pct.js';
import { normalizeSeed } from '../schedule/prng.js';
import { decodeToken, encodeToken } from '../schedule/replay-token.js';
import { runOnce, type RunOutcome, type Scenario } from './run-once.js';
import { shrinkDecisions } from './shrink.js';
import { formatTimeline } from './timeline.js';

export type { Scenario } from './run-once.js';

/** The world options `explore` passes to every run (all but the seed and strategy). */
export type ExploreWorldOptions = Omit<SimWorldOptions, 'seed' | 'strategy' | 'depth' | '_replay' | '_pctSteps'>;

/** Options of `explore`. */
export interface ExploreOptions {
  /** Schedules to try (default 100). */
  runs?: number;
  /** The explore seed; run i's seed is derived from it and i alone. Default: taken from the clock, and reported. */
  seed?: number | string;
  /** `'random'` (default) or `'pct'`. */
  strategy?: 'random' | 'pct';
  /** PCT's depth (default 3). */
  depth?: number;
  /** A token printed by a failing run: run just that schedule (its settings win over these options). */
  replay?: string;
  /** World options for every run (`fakeGlobals`, `strict`, `maxTime`, ...). */
  world?: ExploreWorldOptions;
  /** Run each seed twice and fail when the traces differ (leaked nondeterminism). */
  selfCheck?: boolean;
  /** Candidate runs the shrinker may spend (default 2,000). */
  maxShrinkRuns?: number;
  /** Called after each run (the CLI's progress bar). */
  onRun?: (done: number, runs: number) => void;
}

/** What `explore` resolves to when every run passed. `elapsedMs` is wall time; the rest is determined by the scenario and options. */
export interface ExploreReport {
  runs: number;
  seed: string;
  strategy: string;
  elapsedMs: number;
}

/** The seed of run `index` of an exploration seeded `seed`: a function of the two alone (so `--jobs` changes nothing). */
export function runSeed(seed: string, index: number): string {
  return `${seed}#${index}`;
}

/** The world options that a token carries (JSON values only). */
function tokenWorld(world: ExploreWorldOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(world)) {
    if (v === undefined) continue;
    if (typeof v === 'number' && !Number.isFinite(v)) out[k] = String(v);
    else if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

function worldFromToken(w: Record<string, unknown>): ExploreWorldOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(w)) out[k] = v === 'Infinity' ? Infinity : v;
  return out as ExploreWorldOptions;
}

/** Validate `explore`'s options (TypeError/RangeError naming the option); `exploreParallel` checks with it too. */
export function checkExploreOptions(opts: ExploreOptions, where: string): void {
  if (opts === null || typeof opts !== 'object') throw new TypeError(`${where}: opts must be an object`);
  const { runs, strategy, depth, world, maxShrinkRuns } = opts;
  if (runs !== undefined) {
    if (typeof runs !== 'number' || Number.isNaN(runs)) throw new TypeError(`${where}: runs must be a number, got ${String(runs)}`);
    if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`${where}: runs must be an integer >= 1, got ${runs}`);
  }
  if (strategy !== undefined && strategy !== 'random' && strategy !== 'pct') {
    throw new RangeError(`${where}: strategy must be 'random' or 'pct', got ${JSON.stringify(strategy)}`);
  }
  if (depth !== undefined) {
    if (typeof depth !== 'number' || Number.isNaN(depth)) throw new TypeError(`${where}: depth must be a number, got ${String(depth)}`);
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`${where}: depth must be an integer >= 1, got ${depth}`);
  }
  if (world !== undefined && (world === null || typeof world !== 'object')) throw new TypeError(`${where}: world must be an object of createSimWorld options`);
  if (world !== undefined && ('seed' in world || 'strategy' in world)) {
    throw new TypeError(`${where}: world must not set seed or strategy (use explore's own seed and strategy options)`);
  }
  if (maxShrinkRuns !== undefined && (typeof maxShrinkRuns !== 'number' || !(maxShrinkRuns >= 0))) {
    throw new RangeError(`${where}: maxShrinkRuns must be a number >= 0, got ${String(maxShrinkRuns)}`);
  }
  if (opts.replay !== undefined && typeof opts.replay !== 'string') throw new TypeError(`${where}: replay must be a token string`);
}

/** What one failing schedule needs in order to be reported. */
export interface FailingRun {
  index: number | null;
  seed: string;
  strategy: string;
  depth: number;
  world: ExploreWorldOptions;
  outcome: RunOutcome;
}

/**
 * Shrink a failing run's decisions toward the FIFO order (fast-check's
 * shrinker), rerun the smallest failing schedule with a full trace, and build
 * the ScheduleFailure that reports it.
 */
export async function reportFailure(scenario: Scenario, f: FailingRun, maxShrinkRuns: number, shrink = true): Promise<ScheduleFailure> {
  const base: SimWorldOptions = { ...f.world, seed: f.seed };
  const original = f.outcome.decisions;
  let decisions: Decisions = original;
  let shrinkRuns = 0;
  if (shrink) {
    const r = await shrinkDecisions(
      original,
      async (candidate) => (await runOnce(scenario, { ...base, traceLimit: 0, _replay: { decisions: candidate, strict: false } }, false)).failed,
      maxShrinkRuns,
    );
    decisions = r.decisions;
    shrinkRuns = r.runs;
  }
  // The minimal schedule, rerun with every event kept; its own recorded choices make the token (valid, so strict).
  let final = await runOnce(scenario, { ...base, traceLimit: Infinity, _replay: { decisions, strict: false } }, true);
  if (!final.failed) {
    // Shrinking is deterministic, so this means the scenario is not: report the original run as it was.
    final = await runOnce(scenario, { ...base, traceLimit: Infinity, _replay: { decisions: original, strict: false } }, true);
    if (!final.failed) final = f.outcome;
  }
  const recorded = final.decisions;
  const token = encodeToken({ strategy: f.strategy, depth: f.depth, seed: f.seed, world: tokenWorld(f.world), decisions: recorded });
  return makeFailure(f, final, token, { original: decisionWeight(original), shrunk: decisionWeight(recorded), shrinkRuns, shrunkAtAll: shrink });
}

function makeFailure(f: FailingRun, final: RunOutcome, token: string, sizes: { original: number; shrunk: number; shrinkRuns: number; shrunkAtAll: boolean }): ScheduleFailure {
  const cause = final.error;
  const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  const where = f.index === null ? `the replayed schedule failed (seed ${JSON.stringify(f.seed)}, strategy ${f.strategy})` : `run ${f.index + 1} failed (seed ${JSON.stringify(f.seed)}, strategy ${f.strategy}${f.strategy === 'pct' ? `, depth ${f.depth}` : ''})`;
  const lines = [`explore: ${where}:`, `  ${what.split('\n').join('\n  ')}`];
  if (sizes.shrunkAtAll) lines.push(`shrunk in ${sizes.shrinkRuns} runs from ${sizes.original} to ${sizes.shrunk} non-FIFO decisions`);
  lines.push(`replay it: replay(scenario, '${token}')`);
  lines.push(`       or: SIMLOOP_REPLAY=${token} (simTest and the simloop CLI)`);
  lines.push('timeline of the failing schedule (last 40 events):');
  lines.push(formatTimeline(final.trace as TraceEvent[], { limit: 40 }));
  return new ScheduleFailure(lines.join('\n'), { seed: f.seed, replay: token, trace: final.trace, cause });
}

/**
 * Run `scenario` under `runs` schedules (each in a fresh world, run i seeded
 * from `seed` and i) until one fails; shrink that one toward the FIFO order
 * and reject with a `ScheduleFailure` (seed, replay token, trace, cause).
 * Resolves with a report when every run passed. With `replay`, runs just the
 * token's schedule. With `selfCheck`, runs each seed twice and rejects with a
 * `SimulationError` at the first event where the two traces part.
 */
export async function explore(scenario: Scenario, opts: ExploreOptions = {}): Promise<ExploreReport> {
  if (typeof scenario !== 'function') throw new TypeError('explore: scenario must be a function (world) => Promise<void>');
  checkExploreOptions(opts, 'explore');
  const started = performance.now();
  if (opts.replay !== undefined) {
    await replay(scenario, opts.replay, opts);
    const t = decodeToken(opts.replay, 'explore');
    return { runs: 1, seed: t.seed, strategy: t.strategy, elapsedMs: performance.now() - started };
  }
  const settings = await exploreSettings(scenario, opts);
  const { runs, seed, strategy } = settings;
  for (let i = 0; i < runs; i++) {
    const outcome = await runIndex(scenario, settings, i);
    opts.onRun?.(i + 1, runs);
    if (outcome.failed) throw await reportFailure(scenario, failingRun(settings, i, outcome), opts.maxShrinkRuns ?? DEFAULT_SHRINK_RUNS);
  }
  return { runs, seed, strategy, elapsedMs: performance.now() - started };
}

/** Candidate runs the shrinker spends at most by default. */
export const DEFAULT_SHRINK_RUNS = 2000;

/** An exploration's settings, fixed before its first run: every run is a function of these and its index. */
export interface ExploreSettings {
  runs: number;
  seed: string;
  strategy: 'random' | 'pct';
  depth: number;
  world: ExploreWorldOptions;
  selfCheck: boolean;
  /** PCT: the steps its change points are spread over (a calibration run's length). */
  pctSteps: number;
}

/**
 * Fix an exploration's settings. Under PCT the change points are spread over
 * the length of one calibration run (the scenario under `'fifo'`, seeded from
 * the explore seed), so that run i depends on the seed and i alone, and
 * parallel runs (`--jobs`) make the same schedules as sequential ones.
 */
export async function exploreSettings(scenario: Scenario, opts: ExploreOptions): Promise<ExploreSettings> {
  // Outside any simulation: the default seed may come from the clock; it is reported, so any run can be had again.
  const seed = normalizeSeed(opts.seed ?? Date.now() % 1_000_000_000, 'explore');
  const strategy = opts.strategy ?? 'random';
  const world: ExploreWorldOptions = { ...(opts.world ?? {}) };
  let pctSteps = 0;
  if (strategy === 'pct') {
    const calibration = await runOnce(scenario, { ...world, seed: `${seed}#calibration`, strategy: 'fifo', traceLimit: 0 }, false);
    pctSteps = Math.max(1, calibration.steps);
  }
  return { runs: opts.runs ?? 100, seed, strategy, depth: opts.depth ?? DEFAULT_PCT_DEPTH, world, selfCheck: opts.selfCheck === true, pctSteps };
}

/** Whether a run's world options were anchored (see loop/shape-anchor.ts). */
let runOptionsAnchored = false;

/** Run number `index` (0-based) of an exploration; with selfCheck, twice, rejecting at a divergence. */
export function runIndex(scenario: Scenario, settings: ExploreSettings, index: number): Promise<RunOutcome> {
  const s = runSeed(settings.seed, index);
  // A run keeps no trace unless selfCheck compares two or the world options ask for one:
  // the report reruns the failing schedule with every event.
  const worldOpts: SimWorldOptions = {
    ...settings.world,
    seed: s,
    strategy: settings.strategy,
    depth: settings.depth,
    _pctSteps: settings.pctSteps,
    ...(settings.selfCheck || settings.world.traceLimit !== undefined ? {} : { traceLimit: 0 }),
  };
  if (!runOptionsAnchored) {
    // Its class dies with the last run's options at a full GC otherwise, and
    // the code that reads options (here, checkOptions, SimWorld) with it.
    runOptionsAnchored = true;
    anchorShapes(() => worldOpts);
  }
  // Not an async function: an exploration's runs are many, and each async
  // level costs two promises, which Node's async-context hooks make dear.
  return settings.selfCheck ? runTwice(scenario, worldOpts) : runOnce(scenario, worldOpts, false);
}

/** selfCheck: run the seed twice and reject at the first event where the two traces part. */
async function runTwice(scenario: Scenario, worldOpts: SimWorldOptions): Promise<RunOutcome> {
  const outcome = await runOnce(scenario, worldOpts, true);
  const again = await runOnce(scenario, worldOpts, true);
  const diff = firstDivergence(outcome.trace, again.trace);
  if (diff !== null) {
    throw new SimulationError(
      `explore selfCheck: seed ${JSON.stringify(worldOpts.seed)} gave two different runs: their traces part at event ${diff.index}:\n  first run:  ${diff.a}\n  second run: ${diff.b}\n` +
        'something outside the world shapes the schedule (Math.random, the real clock, real I/O, state kept between runs)',
    );
  }
  return outcome;
}

/** What reportFailure needs about run `index` that failed with `outcome`. */
export function failingRun(settings: ExploreSettings, index: number, outcome: RunOutcome): FailingRun {
  return { index, seed: runSeed(settings.seed, index), strategy: settings.strategy, depth: settings.depth, world: settings.world, outcome };
}

/** The first event where two traces differ, described, or null when they are equal. */
export function firstDivergence(a: readonly TraceEvent[], b: readonly TraceEvent[]): { index: number; a: string; b: string } | null {
  const show = (e: TraceEvent | undefined): string => (e === undefined ? '(trace ended)' : `${e.time} ms ${e.kind} ${e.task ?? e.handle ?? ''} ${e.detail ?? ''}`.trimEnd());
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined || x.time !== y.time || x.kind !== y.kind || x.task !== y.task || x.handle !== y.handle || x.detail !== y.detail) {
      return { index: i, a: show(x), b: show(y) };
    }
  }
  return null;
}

/**
 * Run the one schedule a replay token describes (the token's strategy, seed,
 * world options and decisions win over `opts`). Resolves when it passes;
 * rejects with a `ScheduleFailure` as `explore` does, and with a `RangeError`
 * naming the step when the token does not fit the scenario.
 */
export async function replay(scenario: Scenario, token: string, opts: Omit<ExploreOptions, 'replay'> = {}): Promise<void> {
  if (typeof scenario !== 'function') throw new TypeError('replay: scenario must be a function (world) => Promise<void>');
  const t = decodeToken(token, 'replay');
  const world = { ...(opts.world ?? {}), ...worldFromToken(t.world) };
  const outcome = await runOnce(scenario, { ...world, seed: t.seed, traceLimit: Infinity, _replay: { decisions: t.decisions, strict: true } }, true);
  if (!outcome.failed) return;
  if (outcome.error instanceof RangeError && outcome.error.message.startsWith('replay: the token')) throw outcome.error;
  const f: FailingRun = { index: null, seed: t.seed, strategy: t.strategy, depth: t.depth, world, outcome };
  throw makeFailure(f, outcome, token, { original: 0, shrunk: decisionWeight(outcome.decisions), shrinkRuns: 0, shrunkAtAll: false });
}
