/**
 * The demo behind `npm start`: `explore` finds a lost update that an ordinary
 * run never shows, shrinks its schedule to the one decision that matters,
 * prints what happened (the queries, the loop's timeline, the command that
 * replays it), writes a Chrome trace of it, and then runs the fixed code
 * under hundreds of schedules. Everything runs in simulated worlds from a
 * fixed seed, so the output is the same on every run, and it takes a few
 * seconds.
 *
 * `tsx examples/race-demo.ts [trace.json]` (default: simloop-race-trace.json
 * in the OS's temporary directory).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ScheduleFailure, simulate, type TraceEvent } from '../src/index.js';
import { writeChromeTrace } from '../src/explore/chrome-trace.js';
import { explore, exploreSettings, firstDivergence, replay, runIndex, type ExploreOptions } from '../src/explore/explore.js';
import { runOnce } from '../src/explore/run-once.js';
import { formatTimeline, formatVirtualTime } from '../src/explore/timeline.js';
import { decisionWeight } from '../src/schedule/decisions.js';
import { decodeToken } from '../src/schedule/replay-token.js';
import type { QueryRecord } from './races/account-store.js';
import { buggy, fixed, payday, paydayAccounts, transfer } from './races/bank-transfer.js';

/** Where the example lives, as the replay command names it (relative to the repository root). */
const MODULE = 'examples/races/bank-transfer.ts';

/** Options of `raceDemo`. */
export interface RaceDemoOptions {
  /** Where the Chrome trace goes. */
  tracePath?: string;
  /** The explore seed (fixed, so the demo prints the same story every time). */
  seed?: number;
  /** Schedules to try on the buggy code, and on the fixed code per strategy. */
  runs?: number;
  fixedRuns?: number;
  /** Where lines go (default console.log). */
  print?: (line: string) => void;
}

/** What the demo found, for its test. */
export interface RaceDemoResult {
  failure: ScheduleFailure;
  runsTried: number;
  decisionsBefore: number;
  decisionsAfter: number;
  tracePath: string;
  fixedRuns: number;
}

function indent(text: string, by = '    '): string {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

/** The first task event at or after `from`, as `wake alice-pays-bob (sleep(2))`. */
function firstTaskEvent(trace: readonly TraceEvent[], from: number): string {
  for (let i = from; i < trace.length; i++) {
    const e = trace[i]!;
    if (e.task !== undefined) return `${e.kind} ${e.task}${e.detail === undefined ? '' : ` (${e.detail})`}`;
  }
  return '(nothing)';
}

/** Where a trace first leaves the FIFO trace, and which task each of them runs first from there. */
function departure(fifo: readonly TraceEvent[], shrunk: readonly TraceEvent[]): { time: number; asyncio: string; explored: string } | null {
  const diff = firstDivergence(fifo, shrunk);
  if (diff === null) return null;
  return { time: shrunk[diff.index]?.time ?? 0, asyncio: firstTaskEvent(fifo, diff.index), explored: firstTaskEvent(shrunk, diff.index) };
}

function formatQueries(history: readonly QueryRecord[]): string {
  return history
    .map((q) => `${formatVirtualTime(q.time)}  ${q.task.padEnd(15)} ${q.op.padEnd(5)} ${q.account.padEnd(5)} = ${q.value}`)
    .join('\n');
}

/** The first lost update in a query log: a task's write based on a read that another task's write came after. */
function lostUpdate(history: readonly QueryRecord[]): string | null {
  for (let w = 0; w < history.length; w++) {
    const write = history[w]!;
    if (write.op !== 'write') continue;
    let read = -1;
    for (let i = w - 1; i >= 0 && read < 0; i--) {
      const q = history[i]!;
      if (q.op === 'read' && q.task === write.task && q.account === write.account) read = i;
    }
    for (let i = read + 1; read >= 0 && i < w; i++) {
      const other = history[i]!;
      if (other.op === 'write' && other.account === write.account && other.task !== write.task) {
        return (
          `${write.task} read ${write.account} = ${history[read]!.value}, then ${other.task} wrote ${other.value}, ` +
          `then ${write.task} wrote ${write.value} over it: ${other.task}'s update is lost.`
        );
      }
    }
  }
  return null;
}

/**
 * Tell the story of one race: an ordinary run passes, `explore` fails it,
 * the failure is shrunk, explained, replayable and traced, and the fix
 * passes every schedule tried. Rejects only if the story does not happen
 * (the bug not found, or the fix failing).
 */
export async function raceDemo(opts: RaceDemoOptions = {}): Promise<RaceDemoResult> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const seed = opts.seed ?? 1;
  const runs = opts.runs ?? 100;
  const fixedRuns = opts.fixedRuns ?? 100;
  const tracePath = opts.tracePath ?? join(tmpdir(), 'simloop-race-trace.json');

  print('simloop demo: exploring schedules finds a lost update in a bank transfer');
  print(`(${MODULE}: Alice pays Bob 30 while Carol pays Bob 20; each payment reads a balance, awaits, writes it back)`);
  print('');

  const plain = paydayAccounts();
  await simulate(() => payday(transfer, plain), { seed });
  const after = plain.snapshot();
  print(`1. An ordinary run, in asyncio's order (strategy 'fifo'): passed (bob has ${after.bob}, the total is ${plain.total()}).`);
  print('   The race is there, but the default order never takes it.');
  print('');

  const exploreOpts: ExploreOptions = { runs, seed, strategy: 'random' };
  print(`2. explore(buggy, { runs: ${runs}, seed: ${seed}, strategy: 'random' }) runs it under other schedules...`);
  let runsTried = 0;
  const failure = await explore(buggy, { ...exploreOpts, onRun: (done) => (runsTried = done) }).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(failure instanceof ScheduleFailure)) throw new Error(`race-demo: explore did not find the lost update in ${runs} runs (${String(failure)})`);
  const cause = failure.cause as Error;
  print(`   run ${runsTried} of ${runs} failed: ${cause.name}: ${cause.message}`);
  print('');

  // The failing run again, as explore first saw it (run i depends on the seed and i alone), to count its decisions.
  const original = await runIndex(buggy, await exploreSettings(buggy, exploreOpts), runsTried - 1);
  const shrunk = decodeToken(failure.replay).decisions;
  const decisionsBefore = decisionWeight(original.decisions);
  const decisionsAfter = decisionWeight(shrunk);
  print(`3. Shrunk toward asyncio's order: the failing run made ${original.decisions.picks.length} scheduling choices, ${decisionsBefore} of them away from`);
  print(`   asyncio's order; the shrunk schedule that still fails needs ${decisionsAfter}.`);
  const fifo = await runOnce(buggy, { seed: failure.seed, strategy: 'fifo', traceLimit: Infinity }, true);
  const where = departure(fifo.trace, failure.trace);
  if (where !== null) {
    print(`   It ${decisionsAfter === 1 ? 'leaves asyncio\'s order once' : 'first leaves asyncio\'s order'}, at ${formatVirtualTime(where.time)}, where two events are ready together:`);
    print(`     asyncio's order:    ${where.asyncio} first`);
    print(`     the shrunk one:     ${where.explored} first`);
  }
  print('');

  // Replaying the token with a store we keep gives the same run, and its query log.
  const db = paydayAccounts();
  await replay((_world) => payday(transfer, db), failure.replay).catch((e: unknown) => {
    if (!(e instanceof ScheduleFailure)) throw e;
  });
  print('4. What the payments did in the shrunk schedule (each query when its answer arrived):');
  print(indent(formatQueries(db.history)));
  const lost = lostUpdate(db.history);
  if (lost !== null) print(`   ${lost}`);
  print('');

  print(`5. The loop's timeline of the shrunk schedule (${failure.trace.length} events):`);
  print(indent(formatTimeline(failure.trace)));
  print('');

  print('6. Replay exactly this schedule (from the repository root):');
  print(`     npx tsx src/cli/main.ts replay ${MODULE} --replay ${failure.replay}`);
  print(`   (installed: simloop replay ${MODULE} --replay <token>; in a test: await replay(buggy, '<token>'),`);
  print('    or SIMLOOP_REPLAY=<token> for simTest)');
  print('');

  writeChromeTrace(tracePath, failure.trace, { processName: `bank-transfer seed ${failure.seed}` });
  print(`7. Chrome trace of the shrunk schedule written to ${tracePath}`);
  print('   (open it in https://ui.perfetto.dev: one track per task, plus the loop)');
  print('');

  print('8. The fix: transferSafely holds the row lock from each read to its write.');
  for (const strategy of ['random', 'pct'] as const) {
    const report = await explore(fixed, { runs: fixedRuns, seed, strategy });
    print(`   explore(fixed, { runs: ${fixedRuns}, seed: ${seed}, strategy: '${strategy}' })${strategy === 'pct' ? '   ' : ''}: passed all ${report.runs} runs`);
  }
  return { failure, runsTried, decisionsBefore, decisionsAfter, tracePath, fixedRuns };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await raceDemo({ tracePath: process.argv[2] });
}
