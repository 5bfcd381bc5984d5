/**
 * Exploring on worker threads (`simloop explore --jobs J`). Run i is a
 * function of the exploration's settings and i alone (`runIndex`), so the
 * threads only share out the indices: the main thread fixes the settings
 * (PCT's calibration run included), hands each worker small ranges of
 * indices in increasing order, and keeps the lowest failing index seen. A
 * failure at i means only the indices below i still matter, so from then on
 * nothing at or above i is handed out (and workers skip what they hold
 * there); once every index below it has passed, that failure is the one a
 * sequential run stops at, and it is shrunk once, in the main thread, into
 * the same ScheduleFailure `explore` gives.
 */
import { createRequire } from 'node:module';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { SimulationError } from '../errors.js';
import type { Decisions } from '../schedule/decisions.js';
import { isTypeScriptPath, loadScenarioModule } from './scenario-module.js';
import {
  checkExploreOptions,
  DEFAULT_SHRINK_RUNS,
  exploreSettings,
  failingRun,
  reportFailure,
  runIndex,
  type ExploreOptions,
  type ExploreReport,
  type ExploreSettings,
} from './explore.js';
import type { Scenario } from './run-once.js';

/** Options of `exploreParallel`: `explore`'s (no `replay`: a replay is one run) plus the number of worker threads. */
export interface ParallelExploreOptions extends Omit<ExploreOptions, 'replay'> {
  /** Worker threads (at most `runs` are started). */
  jobs: number;
}

/** The scenario twice: as the main thread loaded it (to calibrate and shrink), and as a module each worker loads itself. */
export interface ScenarioSource {
  scenario: Scenario;
  /** The module's path (absolute, or relative to the current directory) or file URL; `.ts` loads through tsx. */
  module: string;
}

interface SerializedError {
  name: string;
  message: string;
  stack: string | undefined;
}

type ToWorker = { type: 'runs'; from: number; to: number } | { type: 'bound'; index: number } | { type: 'stop' };

type FromWorker =
  | { type: 'ready' }
  | { type: 'fatal'; error: SerializedError }
  | { type: 'passed'; index: number }
  | { type: 'failed'; index: number; decisions: Decisions; error: SerializedError }
  | { type: 'threw'; index: number; error: SerializedError }
  | { type: 'idle' };

interface WorkerInput {
  simloopExploreWorker: true;
  module: string;
  settings: ExploreSettings;
}

/** The lowest-index run that did not pass: it failed (a schedule to shrink), or `runIndex` threw (selfCheck's divergence). */
type Found = { type: 'failed'; index: number; decisions: Decisions; error: SerializedError } | { type: 'threw'; index: number; error: SerializedError };

function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e), stack: undefined };
}

/** The error a worker reported, as this thread's class of the same name where simloop or the language has one. */
function rebuildError(s: SerializedError): Error {
  const e =
    s.name === 'SimulationError' ? new SimulationError(s.message) : s.name === 'TypeError' ? new TypeError(s.message) : s.name === 'RangeError' ? new RangeError(s.message) : new Error(s.message);
  if (e.name !== s.name) e.name = s.name;
  if (s.stack !== undefined) e.stack = s.stack;
  return e;
}

/** True in a thread that `exploreParallel` started. */
function isExploreWorkerThread(): boolean {
  return !isMainThread && (workerData as Partial<WorkerInput> | null)?.simloopExploreWorker === true;
}

/** How many indices a worker gets at once: one message per range, small enough that the lowest failure is found early. */
function rangeSize(runs: number, jobs: number): number {
  return Math.max(1, Math.min(16, Math.floor(runs / (jobs * 16))));
}

function resolveTsxApi(): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    // Under a runner that gives no import.meta.resolve (vitest), resolve it as CommonJS does.
    return pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href;
  }
}

/**
 * The worker's boot code: it loads this module (the CLI's bundle, once built)
 * and calls `exploreWorkerMain`. When this module is itself TypeScript (run
 * from the sources), the worker first registers tsx: a worker's entry does not
 * go through the `--import` hooks that it inherits.
 */
function workerBootCode(): string {
  const entry = import.meta.url;
  const start = `import(${JSON.stringify(entry)}).then((m) => m.exploreWorkerMain())`;
  if (!isTypeScriptPath(new URL(entry).pathname)) return start;
  return `import(${JSON.stringify(resolveTsxApi())}).then((api) => (api.register ?? api.default.register)()).then(() => ${start})`;
}

/**
 * `explore` with its runs shared out among `jobs` worker threads, each of
 * which loads `source.module` itself. Resolves with the report a sequential
 * `explore` gives; rejects with the same `ScheduleFailure` (the lowest failing
 * run index, whatever finished first, shrunk once in this thread) or the
 * same error `runIndex` threw at the lowest index (selfCheck's
 * `SimulationError`). Every worker has exited when it settles.
 */
export async function exploreParallel(source: ScenarioSource, opts: ParallelExploreOptions): Promise<ExploreReport> {
  if (source === null || typeof source !== 'object' || typeof source.scenario !== 'function') {
    throw new TypeError('exploreParallel: source.scenario must be a function (world) => Promise<void>');
  }
  if (typeof source.module !== 'string' || source.module === '') throw new TypeError('exploreParallel: source.module must be the path of the scenario module');
  const { jobs } = opts;
  if (typeof jobs !== 'number' || !Number.isInteger(jobs) || jobs < 1) throw new RangeError(`exploreParallel: jobs must be an integer >= 1, got ${String(jobs)}`);
  checkExploreOptions(opts, 'exploreParallel');
  const started = performance.now();
  const settings = await exploreSettings(source.scenario, opts);
  const modulePath = source.module.startsWith('file:') ? fileURLToPath(source.module) : resolvePath(source.module);
  try {
    structuredClone(settings);
  } catch (e) {
    throw new TypeError(`exploreParallel: the world options must be plain data to reach the worker threads (${e instanceof Error ? e.message : String(e)})`);
  }
  const found = await runInWorkers(modulePath, settings, Math.min(jobs, settings.runs), opts.onRun);
  if (found === null) return { runs: settings.runs, seed: settings.seed, strategy: settings.strategy, elapsedMs: performance.now() - started };
  if (found.type === 'threw') throw rebuildError(found.error);
  // Only the decisions matter to the shrinker; the error and trace come from its reruns here (the worker's error is a fallback).
  const outcome = { error: rebuildError(found.error), failed: true, decisions: found.decisions, steps: 0, trace: [] };
  throw await reportFailure(source.scenario, failingRun(settings, found.index, outcome), opts.maxShrinkRuns ?? DEFAULT_SHRINK_RUNS);
}

interface WorkerState {
  worker: Worker;
  /** The range it holds and the next index of it not yet reported, or null when idle. */
  range: { to: number; cursor: number } | null;
  exited: Promise<void>;
}

function runInWorkers(module: string, settings: ExploreSettings, jobs: number, onRun: ((done: number, runs: number) => void) | undefined): Promise<Found | null> {
  return new Promise((resolve, reject) => {
    const size = rangeSize(settings.runs, jobs);
    const input: WorkerInput = { simloopExploreWorker: true, module, settings };
    const boot = workerBootCode();
    const states: WorkerState[] = [];
    let next = 0;
    let bound = settings.runs;
    let found: Found | null = null;
    let done = 0;
    let ending = false;

    const end = (error: unknown): void => {
      if (ending) return;
      ending = true;
      for (const s of states) {
        // A worker done with its range leaves on its own; a busy one holds only indices nobody needs now (or
        // there was an error), and may be inside a run that never yields: end it.
        const idle = s.range === null || s.range.cursor >= s.range.to;
        if (idle && error === undefined) s.worker.postMessage({ type: 'stop' } satisfies ToWorker);
        else void s.worker.terminate();
      }
      void Promise.all(states.map((s) => s.exited)).then(() => (error === undefined ? resolve(found) : reject(error)));
    };

    const finishedIfDone = (): void => {
      if (next < bound) return;
      if (states.every((s) => s.range === null || s.range.cursor >= bound)) end(undefined);
    };

    const assign = (s: WorkerState): void => {
      if (ending) return;
      if (next >= bound) {
        finishedIfDone();
        return;
      }
      const to = Math.min(next + size, bound);
      s.range = { to, cursor: next };
      s.worker.postMessage({ type: 'runs', from: next, to } satisfies ToWorker);
      next = to;
    };

    const onMessage = (s: WorkerState, msg: FromWorker): void => {
      if (ending) return;
      switch (msg.type) {
        case 'ready':
          assign(s);
          return;
        case 'fatal':
          end(rebuildError(msg.error));
          return;
        case 'idle':
          s.range = null;
          assign(s);
          return;
        default: {
          if (s.range !== null) s.range.cursor = msg.index + 1;
          if (msg.index >= bound) return;
          done++;
          onRun?.(done, settings.runs);
          if (msg.type !== 'passed') {
            bound = msg.index;
            found = msg;
            for (const t of states) if (t !== s) t.worker.postMessage({ type: 'bound', index: bound } satisfies ToWorker);
          }
          finishedIfDone();
        }
      }
    };

    for (let k = 0; k < jobs; k++) {
      const worker = new Worker(boot, { eval: true, workerData: input, name: `simloop explore ${k + 1}/${jobs}` });
      const exited = new Promise<void>((res) => {
        worker.once('exit', (code) => {
          // A worker leaves before the end only by crashing (its 'error' came first) or by calling process.exit itself.
          if (!ending) end(new Error(`explore --jobs: worker thread ${k + 1} exited with code ${code} before the exploration ended (did the scenario call process.exit?)`));
          res();
        });
      });
      const s: WorkerState = { worker, range: null, exited };
      worker.on('message', (msg: FromWorker) => onMessage(s, msg));
      worker.on('error', (e) => end(e));
      states.push(s);
    }
  });
}

/**
 * A worker thread's side of `exploreParallel` (its boot code calls this):
 * load the scenario module, then run the ranges of indices it is handed, in
 * order, reporting each run and skipping what lies at or above the lowest
 * failure known. Exported for the boot code only.
 */
export async function exploreWorkerMain(): Promise<void> {
  const port = parentPort;
  if (port === null || !isExploreWorkerThread()) throw new Error('exploreWorkerMain: call it only in a worker thread started by exploreParallel');
  const { module, settings } = workerData as WorkerInput;
  const post = (msg: FromWorker): void => port.postMessage(msg);
  let scenario: Scenario;
  try {
    // The loop methods and the default backends register when the package's entry loads, as in the main thread.
    await import('../index.js');
    scenario = (await loadScenarioModule(module)).scenario;
  } catch (e) {
    post({ type: 'fatal', error: serializeError(e) });
    return;
  }
  let bound = settings.runs;
  const runRange = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to && i < bound; i++) {
      let outcome;
      try {
        outcome = await runIndex(scenario, settings, i);
      } catch (e) {
        bound = i;
        post({ type: 'threw', index: i, error: serializeError(e) });
        break;
      }
      if (outcome.failed) {
        bound = i;
        post({ type: 'failed', index: i, decisions: outcome.decisions, error: serializeError(outcome.error) });
        break;
      }
      post({ type: 'passed', index: i });
    }
    post({ type: 'idle' });
  };
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'runs') void runRange(msg.from, msg.to);
    else if (msg.type === 'bound') bound = Math.min(bound, msg.index);
    // In a worker, process.exit ends the thread alone, whatever handles the scenario left open.
    else process.exit(0);
  });
  post({ type: 'ready' });
}
