/**
 * `npm run bench [-- filter...]`: runs every benchmark (or those whose name
 * contains one of the filters), printing each case as it is measured, then
 * one table of all figures: peer, simloop, ratio, goal, PASS/MISS.
 * Peers and simloop are always measured in the same process run,
 * interleaved, as medians of several repeats.
 *
 * `BENCH_CLOCK=cpu npm run bench` times with the process's CPU time instead
 * of wall time: steadier on a machine shared with other jobs.
 */
import { callSoon } from './call-soon.js';
import { churn } from './churn.js';
import { explorePick } from './explore-pick.js';
import { exploreRace } from './explore-race.js';
import { exploreRuns } from './explore-runs.js';
import { exploreShrink } from './explore-shrink.js';
import { clockKind, fmt, fmtRatio, hasGc, type Benchmark, type Row } from './harness.js';
import { memory } from './memory.js';
import { netBulk } from './net-bulk.js';
import { netEcho } from './net-echo.js';
import { netTls } from './net-tls.js';
import { simEcho } from './sim-echo.js';
import { taskSwitches } from './task-switches.js';
import { timeStepping } from './time-stepping.js';
import { virtualTimers } from './virtual-timers.js';

const ALL: Benchmark[] = [virtualTimers, timeStepping, churn, taskSwitches, callSoon, memory, netEcho, netBulk, netTls];
ALL.push(exploreRuns, exploreRace, explorePick, exploreShrink);
ALL.push(simEcho);

function table(rows: Row[]): string {
  const head = ['benchmark', 'case', 'peer', 'peer figure', 'simloop', 'unit', 'ratio', 'goal', 'result'];
  const body = rows.map((r) => [
    r.bench,
    r.case,
    r.peerName,
    r.peer === null ? '-' : fmt(r.peer),
    fmt(r.ours),
    r.unit,
    r.ratio === null ? '-' : `${fmtRatio(r.ratio)}${r.ratioLabel}`,
    r.goal === '' ? '-' : r.goal,
    r.pass === null ? 'info' : r.pass ? 'PASS' : 'MISS',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const numeric = new Set([3, 4]);
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2).map((f) => f.toLowerCase());
  const chosen = filters.length === 0 ? ALL : ALL.filter((b) => filters.some((f) => b.name.includes(f)));
  if (chosen.length === 0) {
    console.error(`bench: no benchmark matches ${filters.join(', ')}; known: ${ALL.map((b) => b.name).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  console.log(
    `simloop benchmarks, Node ${process.version}, gc ${hasGc() ? 'on' : 'off (run with --expose-gc)'}, ` +
      `clock: ${clockKind === 'cpu' ? 'process CPU time (BENCH_CLOCK=cpu)' : 'wall (BENCH_CLOCK=cpu for CPU time)'}`,
  );
  console.log('ratio "x faster" = peer time / simloop time (> 1: simloop is faster); figures are medians.\n');
  const started = performance.now();
  const rows: Row[] = [];
  for (const b of chosen) {
    console.log(`${b.name}: ${b.title}`);
    const t0 = performance.now();
    rows.push(...(await b.run()));
    console.log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
  console.log(table(rows));
  const graded = rows.filter((r) => r.pass !== null);
  const missed = graded.filter((r) => r.pass === false);
  console.log(
    `\n${graded.length - missed.length}/${graded.length} goals met` +
      `${missed.length > 0 ? `; missed: ${missed.map((r) => `${r.bench} ${r.case}`).join('; ')}` : ''}` +
      ` (${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );
}

await main();
