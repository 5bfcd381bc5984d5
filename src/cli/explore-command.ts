import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SimWorld, SimWorldOptions, TraceEvent } from '../backends/sim/sim-world.js';
import { ScheduleFailure, SimulationError } from '../errors.js';
import { writeChromeTrace } from '../explore/chrome-trace.js';
import { explore, exploreSettings, replay, runIndex, type ExploreReport, type ExploreWorldOptions } from '../explore/explore.js';
import { exploreParallel } from '../explore/parallel.js';
import type { Scenario } from '../explore/run-once.js';
import { formatTimeline, formatVirtualTime } from '../explore/timeline.js';
import { DEFAULT_PCT_DEPTH } from '../schedule/pct.js';
import { decodeToken } from '../schedule/replay-token.js';
import type { ExploreCommand, ReplayCommand } from './args.js';
import { Progress } from './progress.js';
import { loadScenarioModule, type ScenarioModule } from '../explore/scenario-module.js';
import { UsageError } from '../explore/usage-error.js';

/** Where a command writes: its result to `out`, progress and notes to `err`. */
export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** The stream the progress display draws on (a terminal gets a bar). */
  progress: { write(text: string): unknown; isTTY?: boolean; columns?: number };
}

/** A word as a POSIX shell reads it back unchanged (quoted only when it must be). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The exact command that replays a token on the module the user named. */
export function replayCommandLine(module: string, token: string): string {
  return `simloop replay ${shellQuote(module)} --replay ${token}`;
}

/** Fail before any run when --trace names a place no file can be written. */
function checkTracePath(path: string | undefined): void {
  if (path === undefined) return;
  const abs = resolve(path);
  if (existsSync(abs) && statSync(abs).isDirectory()) throw new UsageError(`--trace: ${path} is a directory (give a file name, e.g. trace.json)`);
  if (!existsSync(dirname(abs))) throw new UsageError(`--trace: no such directory: ${dirname(path)}`);
}

function writeTrace(io: CommandIo, path: string, events: readonly TraceEvent[], what: string, seed: string): void {
  writeChromeTrace(path, events, { processName: `simloop ${seed}` });
  io.err(`trace of ${what} (${events.length} events) written to ${path}; open it in https://ui.perfetto.dev`);
}

/** The module's world options for explore (which sets seed and strategy itself). */
function exploreWorld(mod: ScenarioModule, shown: string): ExploreWorldOptions {
  const w = mod.world as SimWorldOptions;
  if ('seed' in w || 'strategy' in w) throw new UsageError(`${shown}: its export "world" must not set seed or strategy (use --seed and --strategy)`);
  return w as ExploreWorldOptions;
}

/**
 * Errors that explore, replay and the world raise about their input (bad
 * world options, a token that does not fit the scenario): usage errors here.
 * Any other TypeError is a bug and keeps its stack.
 */
function asUsageError(e: unknown): UsageError | null {
  if (!(e instanceof TypeError || e instanceof RangeError)) return null;
  return /^(explore|replay|createSimWorld|exploreParallel):/.test(e.message) ? new UsageError(e.message.split('\n')[0]!) : null;
}

function printFailure(io: CommandIo, f: ScheduleFailure, module: string): void {
  io.out(f.message);
  io.out('');
  io.out('replay it:');
  io.out(`  ${replayCommandLine(module, f.replay)}`);
}

/** Report a failing run (exit 1), or rethrow what is no run's failure. */
function onFailure(io: CommandIo, e: unknown, cmd: { module: string; trace: string | undefined }): number {
  if (e instanceof ScheduleFailure) {
    printFailure(io, e, cmd.module);
    if (cmd.trace !== undefined) writeTrace(io, cmd.trace, e.trace, 'the failing schedule', e.seed);
    return 1;
  }
  if (e instanceof SimulationError) {
    // selfCheck: a seed gave two different runs; there is no one schedule to replay or trace.
    io.out(`FAILED: ${e.message}`);
    if (cmd.trace !== undefined) io.err('no trace written: the two runs of that seed differ, so neither is the schedule');
    return 1;
  }
  const usage = asUsageError(e);
  if (usage !== null) throw usage;
  throw e;
}

async function runReplay(io: CommandIo, mod: ScenarioModule, cmd: { module: string; replay: string; trace: string | undefined }): Promise<number> {
  let ran: SimWorld | null = null;
  // The world is captured without an extra await, so the replayed run is the recorded one.
  const capture: Scenario = (w) => {
    ran = w;
    return mod.scenario(w);
  };
  const token = decodeToken(cmd.replay, '--replay');
  try {
    await replay(capture, cmd.replay, { world: exploreWorld(mod, cmd.module) });
  } catch (e) {
    return onFailure(io, e, cmd);
  }
  const trace = (ran as SimWorld | null)?.trace() ?? [];
  io.out(formatTimeline(trace, { limit: 40 }));
  const end = trace.length > 0 ? trace[trace.length - 1]!.time : 0;
  io.out(`\nthe replayed schedule passed (seed ${JSON.stringify(token.seed)}, strategy ${token.strategy}): ${trace.length} events, ended at ${formatVirtualTime(end)} of virtual time`);
  if (cmd.trace !== undefined) writeTrace(io, cmd.trace, trace, 'the replayed schedule', token.seed);
  return 0;
}

/** `simloop replay <module> --replay TOKEN`: 0 when the schedule passes, 1 when it fails (printed with its timeline). */
export async function replayCommand(cmd: ReplayCommand, io: CommandIo): Promise<number> {
  checkTracePath(cmd.trace);
  const mod = await loadScenarioModule(cmd.module);
  return runReplay(io, mod, cmd);
}

function describeSettings(report: ExploreReport, cmd: ExploreCommand): string {
  const depth = cmd.strategy === 'pct' ? `, depth ${cmd.depth ?? DEFAULT_PCT_DEPTH}` : '';
  const jobs = cmd.jobs > 1 ? `, ${Math.min(cmd.jobs, report.runs)} worker threads` : '';
  return `seed ${JSON.stringify(report.seed)}, strategy ${report.strategy}${depth}${jobs}`;
}

/** The full trace of the last run of a passed exploration (explored runs keep a bounded one): that run again, every event kept. */
async function lastRunTrace(mod: ScenarioModule, world: ExploreWorldOptions, cmd: ExploreCommand, seed: string): Promise<TraceEvent[]> {
  const settings = await exploreSettings(mod.scenario, { runs: cmd.runs, seed, strategy: cmd.strategy, depth: cmd.depth, world: { ...world, traceLimit: Infinity } });
  let ran: SimWorld | null = null;
  await runIndex(
    (w) => {
      ran = w;
      return mod.scenario(w);
    },
    settings,
    cmd.runs - 1,
  );
  return (ran as SimWorld | null)?.trace() ?? [];
}

/**
 * `simloop explore <module>`: explore its scenario (on `--jobs` worker
 * threads when more than one) with a progress display; 0 and a report when
 * every run passed, 1 and the shrunk failure with its replay command when
 * one failed. With `SIMLOOP_REPLAY` set it replays just that schedule.
 */
export async function exploreCommand(cmd: ExploreCommand, io: CommandIo): Promise<number> {
  checkTracePath(cmd.trace);
  const mod = await loadScenarioModule(cmd.module);
  const world = exploreWorld(mod, cmd.module);
  if (cmd.replay !== undefined) return runReplay(io, mod, { module: cmd.module, replay: cmd.replay, trace: cmd.trace });
  const progress = new Progress(cmd.runs, io.progress);
  const opts = {
    runs: cmd.runs,
    seed: cmd.seed,
    strategy: cmd.strategy,
    depth: cmd.depth,
    world,
    selfCheck: cmd.selfCheck,
    onRun: (done: number) => progress.update(done),
  };
  let report: ExploreReport;
  try {
    report = cmd.jobs > 1 ? await exploreParallel({ scenario: mod.scenario, module: mod.path }, { ...opts, jobs: cmd.jobs }) : await explore(mod.scenario, opts);
  } catch (e) {
    progress.finish();
    return onFailure(io, e, cmd);
  }
  progress.finish();
  const seconds = report.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(report.runs / seconds) : report.runs;
  io.out(`passed: all ${report.runs} runs (${describeSettings(report, cmd)}) in ${seconds.toFixed(2)} s, ${rate} runs/s`);
  const again = [`simloop explore ${shellQuote(cmd.module)}`, `--runs ${report.runs}`, `--seed ${shellQuote(report.seed)}`];
  if (cmd.strategy === 'pct') again.push('--strategy pct', `--depth ${cmd.depth ?? DEFAULT_PCT_DEPTH}`);
  io.out(`the same runs again: ${again.join(' ')}`);
  if (cmd.trace !== undefined) writeTrace(io, cmd.trace, await lastRunTrace(mod, world, cmd, report.seed), `run ${report.runs}, the last`, report.seed);
  return 0;
}
