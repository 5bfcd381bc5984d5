/**
 * The benchmark harness: a seeded generator (so both peers see the same
 * inputs), interleaved repeated timing with medians, forced GC between runs,
 * and the rows every benchmark reports (peer, ours, ratio, goal, PASS/MISS).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One line of the report: a case measured for the peer and for simloop in the same process run. */
export interface Row {
  /** The benchmark's name (`virtual-timers`, ...). */
  bench: string;
  /** What this line measures (`N=1e5`, `growth exponent 1e4..1e6`, ...). */
  case: string;
  /** Unit of `peer` and `ours` (`us/timer`, `MB`, `exp`, ...). */
  unit: string;
  /** What the peer column is (`fake-timers`, `setImmediate`, ...). */
  peerName: string;
  peer: number | null;
  ours: number;
  /** How the ratio column reads (`x faster` = peer/ours, `x own` = ours/reference...). */
  ratio: number | null;
  ratioLabel: string;
  /** The goal in words, `''` for an informational line. */
  goal: string;
  /** null: informational, no goal. */
  pass: boolean | null;
}

/** A benchmark: one file in bench/, run by bench/run.ts. */
export interface Benchmark {
  /** Short name the filter matches (`npm run bench -- timers`). */
  name: string;
  /** One line: what it measures and against what. */
  title: string;
  run(): Promise<Row[]>;
}

/**
 * mulberry32: a tiny seeded generator. Both peers get their inputs from the
 * same seed, so differences never come from Math.random.
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` integer delays uniform in `[lo, hi]`, from `seed`. */
export function seededDelays(n: number, lo: number, hi: number, seed: number): Int32Array {
  const next = prng(seed);
  const out = new Int32Array(n);
  const span = hi - lo + 1;
  for (let i = 0; i < n; i++) out[i] = lo + Math.floor(next() * span);
  return out;
}

let gcFn: (() => void) | null | undefined;

/**
 * A full GC, if one can be had: `global.gc` under `--expose-gc`, else the
 * flag is turned on at run time and `gc` taken from a fresh context.
 */
export function gc(): void {
  if (gcFn === undefined) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (typeof g === 'function') {
      gcFn = g;
    } else {
      try {
        setFlagsFromString('--expose-gc');
        gcFn = runInNewContext('gc') as () => void;
      } catch {
        gcFn = null;
      }
    }
  }
  gcFn?.();
}

/** True when `gc()` really collects. */
export function hasGc(): boolean {
  gc();
  return gcFn !== null;
}

/**
 * Which clock the timed sections read: `wall` (default, real monotonic time;
 * simulations in this bench never fake the globals) or, with
 * `BENCH_CLOCK=cpu`, this process's CPU time (user + system, GC threads
 * included), which a machine shared with other jobs disturbs far less.
 */
export const clockKind: 'wall' | 'cpu' = process.env.BENCH_CLOCK === 'cpu' ? 'cpu' : 'wall';

function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The bench clock in ms (see `clockKind`). */
export const now: () => number = clockKind === 'cpu' ? cpuNow : performance.now.bind(performance);

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** How long `gcAndSettle` waits at most for V8's helper threads to finish the forced GC's work. */
const SETTLE_MAX_MS = 200;
/** The slice it watches the process's CPU time over. */
const SETTLE_SLICE_MS = 5;
/** CPU ms per slice under which the process counts as quiet (a sleeping Node uses ~0). */
const SETTLE_QUIET_MS = 0.5;
/** What `gcAndSettle` sleeps on: nobody ever notifies it. */
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** Real time, taken at load: a simulation may fake `performance` while `gcAndSettle` runs inside it. */
const realNow = performance.now.bind(performance);

/**
 * A full GC, then a wait until the process is quiet again. A forced full GC
 * returns with V8's helper threads still sweeping and freeing what it
 * found dead: measured here, 2-9 ms of CPU in the 30 ms after it, about as
 * much as a short trial's own work. Timed at once, a trial would be charged
 * that (under `BENCH_CLOCK=cpu`) or share the cores with it (wall clock):
 * noise that hides which side is faster. So the next trial starts once a
 * slice of 5 ms passes with under 0.5 ms of CPU used (200 ms at most).
 */
export function gcAndSettle(): void {
  gc();
  const deadline = realNow() + SETTLE_MAX_MS;
  let before = cpuNow();
  while (realNow() < deadline) {
    // A synchronous sleep: no event loop turn, so it also serves inside a
    // simulation (whose loop would see a real timer as outside work).
    Atomics.wait(sleepCell, 0, 0, SETTLE_SLICE_MS);
    const used = cpuNow() - before;
    if (used < SETTLE_QUIET_MS) return;
    before += used;
  }
}

/** A measured run: returns the elapsed ms of its timed section (setup excluded). */
export type Trial = () => Promise<number> | number;

/**
 * Time several trials interleaved (A B C, A B C, ...) after `warmup` untimed
 * rounds, with a GC before each one (`gcAndSettle`), and return each trial's
 * median ms.
 * Interleaving spreads JIT and machine drift over all of them alike.
 */
export async function compare(trials: Trial[], opts: { warmup: number; repeats: number }): Promise<number[]> {
  for (let w = 0; w < opts.warmup; w++) {
    for (const t of trials) {
      gcAndSettle();
      await t();
    }
  }
  const times: number[][] = trials.map(() => []);
  for (let r = 0; r < opts.repeats; r++) {
    // Alternate the order too, so neither side always runs right after the other's garbage.
    const order = r % 2 === 0 ? trials.map((_, i) => i) : trials.map((_, i) => trials.length - 1 - i);
    for (const i of order) {
      gcAndSettle();
      times[i]!.push(await trials[i]!());
    }
  }
  return times.map(median);
}

/** A timing row: `ratio` = peer / ours, so > 1 means simloop is faster. */
export function speedRow(
  bench: string,
  kase: string,
  unit: string,
  peerName: string,
  peer: number,
  ours: number,
  goal: { min: number } | null,
): Row {
  const ratio = peer / ours;
  return {
    bench,
    case: kase,
    unit,
    peerName,
    peer,
    ours,
    ratio,
    ratioLabel: 'x faster',
    goal: goal === null ? '' : `>= ${goal.min}x faster`,
    pass: goal === null ? null : ratio >= goal.min,
  };
}

/** Print a row as soon as it is measured. */
export function printRow(r: Row): void {
  const peer = r.peer === null ? '-' : `${r.peerName} ${fmt(r.peer)}`;
  const ratio = r.ratio === null ? '' : `  ratio ${fmtRatio(r.ratio)}${r.ratioLabel}`;
  const verdict = r.pass === null ? '' : `  goal ${r.goal}: ${r.pass ? 'PASS' : 'MISS'}`;
  console.log(`  ${r.case}: ${peer} | simloop ${fmt(r.ours)} ${r.unit}${ratio}${verdict}`);
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a === 0) return '0';
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a >= 0.01) return x.toFixed(3);
  return x.toPrecision(2);
}

export function fmtRatio(x: number): string {
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/** Per-item microseconds from a total in ms. */
export function usPer(ms: number, count: number): number {
  return (ms * 1000) / count;
}

/** Heap in use now, in MB. */
export function heapMB(): number {
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

/**
 * Objects of the trial before, kept until the next one: the harness forces a
 * full GC before every trial, and once no instance of a class is alive that
 * GC drops its hidden classes and V8 discards the code optimized for them, so
 * each trial would time a cold JIT. A long-running program always has live
 * instances; benchmarks keep their last trial's objects, on both sides alike.
 */
const kept = new Map<string, unknown[]>();
export function keepUntilNextTrial(slot: string, ...xs: unknown[]): void {
  kept.set(slot, xs);
}
