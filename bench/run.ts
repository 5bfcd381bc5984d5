/**
 * `npm run bench [-- filter...]`: runs every benchmark (or those whose name
 * contains one of the filters), printing each case as it is measured, then
 * one table of all figures: peer, simloop, ratio, goal, PASS/MISS.
 * Peers and simloop are always measured in the same process run,
 * interleaved, as medians of several repeats.
 *
 * `BENCH_CLOCK=cpu npm run bench` times with the process's CPU time instead
 * of wall time: steadier on a machine shared with other jobs.
 *
 * Each benchmark runs in a Node process of its own (a fork of this one,
 * with the same flags), as JMH forks a JVM per benchmark, against "profile
 * pollution": V8 optimizes a function for the types it has seen, so the
 * loop's code, once run on the Node backend (the network benchmarks) and on
 * the simulated world (the exploring ones), is slower for both than code
 * that has seen one; fast-check's code is only ever run by the exploring
 * benchmarks, so only simloop's side of a line would pay for the lines
 * measured before it (the 500-run exploring row: 1.3x alone, 0.9-1.06x after
 * the call-soon or TLS benchmarks). `BENCH_ONE_PROCESS=1` runs them all in
 * this process instead.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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

/** `BENCH_ONE_PROCESS=1`: every benchmark in this process (see the file comment). */
const ONE_PROCESS = process.env.BENCH_ONE_PROCESS === '1';

/** The argument that makes this script a benchmark's own process: run the one named next, send its rows, exit. */
const CHILD_FLAG = '--bench-child';

/** What a benchmark's process sends its parent. */
type ChildMessage = { rows: Row[] } | { error: string };

/** Run `b` in a process of its own (see the file comment); its output goes to ours, its rows come back. */
function runForked(b: Benchmark): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG, b.name], { execArgv: process.execArgv, stdio: 'inherit' });
    let reply: ChildMessage | null = null;
    child.on('message', (m: ChildMessage) => (reply = m));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const m = reply as ChildMessage | null;
      if (m !== null && 'rows' in m) resolve(m.rows);
      else reject(new Error(m !== null ? m.error : `bench ${b.name}: its process exited with ${signal ?? `code ${code}`} and sent no figures`));
    });
  });
}

/** The benchmark process: run the benchmark named by the argument after CHILD_FLAG and send its rows (or its error) to the parent. */
async function child(name: string): Promise<void> {
  const b = ALL.find((x) => x.name === name);
  let message: ChildMessage;
  try {
    if (b === undefined) throw new Error(`bench: no benchmark named ${name}`);
    message = { rows: await b.run() };
  } catch (e) {
    message = { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  await new Promise<void>((resolve) => process.send!(message, () => resolve()));
  // Servers or workers a benchmark left open must not keep its process alive.
  process.exit(0);
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
      `${ONE_PROCESS ? 'all in one process' : 'a process per benchmark'}, ` +
      `clock: ${clockKind === 'cpu' ? 'process CPU time (BENCH_CLOCK=cpu)' : 'wall (BENCH_CLOCK=cpu for CPU time)'}`,
  );
  console.log('ratio "x faster" = peer time / simloop time (> 1: simloop is faster); figures are medians.\n');
  const started = performance.now();
  const rows: Row[] = [];
  for (const b of chosen) {
    console.log(`${b.name}: ${b.title}`);
    const t0 = performance.now();
    try {
      rows.push(...(await (ONE_PROCESS ? b.run() : runForked(b))));
    } catch (e) {
      console.error(`  failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    }
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

if (process.argv[2] === CHILD_FLAG) await child(process.argv[3] ?? '');
else await main();
