/**
 * Finding a rare race: runs (and time) until the first failing schedule, the
 * median over seeds 1..20, simloop's `explore` ('random' and 'pct', shrinking
 * off: `maxShrinkRuns: 0`) against `fc.check` over `fc.scheduler()` with
 * `endOnFailure` (no shrinking either). Same race logic on both sides (see
 * explore-support.ts), after an untimed pass over five other seeds on both
 * sides (warm code). A seed that finds nothing within the cap counts as
 * infinitely many runs, so a median past half of them reads `Infinity`.
 *
 * - the brief's race (A pauses 8 extra times before its read; a lost update).
 *   It fails only when B, though ready, waits while A takes nine steps (or A
 *   while B reads and writes). asyncio's own lockstep (every ready task runs
 *   once per iteration) never produces it; 'random' and 'pct' explore
 *   schedules where a ready task falls behind, as one waiting on I/O of
 *   unbounded latency would, and so does fc.scheduler.
 * - two races of a broken fast path, informational: B ahead of A at nine
 *   steps in a row (a depth-2 bug for PCT: one change point, so 'pct' also
 *   runs at depth 2), and B exactly one step ahead at each of nine steps
 *   (strict alternation, eighteen orderings: no strategy here finds it
 *   within the caps, which shows what random exploration cannot reach).
 */
import fc from 'fast-check';
import { ScheduleFailure } from '../src/index.js';
import { explore } from '../src/explore/explore.js';
import { median, now, printRow, type Benchmark, type Row } from './harness.js';
import { aheadRace, fcProperty, oneAheadRace, rareLostUpdate, simScenario, type Race } from './explore-support.js';

const NAME = 'explore-race';
const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
/** Seeds of the untimed warm-up pass (outside 1..20). */
const WARM_SEEDS = [101, 102, 103, 104, 105];

interface Found {
  /** Runs until the first failure, the failing one included; Infinity when none within the cap. */
  runs: number;
  /** ms until the failure was reported; Infinity when none. */
  ms: number;
}

interface Case {
  label: string;
  race: Race;
  /** Text the failure's message must contain (so that a different error is never counted as the race). */
  expect: string;
  /** Runs simloop tries per seed with 'random', and with 'pct'. */
  randomCap: number;
  pctCap: number;
  peerCap: number;
  graded: boolean;
  /** Also report 'pct' at this smaller depth (informational). */
  alsoDepth?: number;
}

const CASES: Case[] = [
  { label: 'rare race (A pauses 8 extra times before its read)', race: rareLostUpdate, expect: 'lost update', randomCap: 1000, pctCap: 1000, peerCap: 5000, graded: true },
  { label: 'B ahead of A at 9 steps in a row', race: aheadRace, expect: 'broken fast path', randomCap: 5000, pctCap: 2000, peerCap: 5000, graded: false, alsoDepth: 2 },
  { label: 'B exactly 1 step ahead at 9 steps', race: oneAheadRace, expect: 'broken fast path', randomCap: 5000, pctCap: 1000, peerCap: 5000, graded: false },
];

function causeMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function ours(c: Case, seed: number, strategy: 'random' | 'pct', depth?: number): Promise<Found> {
  let done = 0;
  const t0 = now();
  const result = await explore(simScenario(c.race), {
    runs: strategy === 'random' ? c.randomCap : c.pctCap,
    seed,
    strategy,
    depth,
    maxShrinkRuns: 0,
    onRun: (n) => {
      done = n;
    },
  }).catch((e: unknown) => e);
  const ms = now() - t0;
  if (!(result instanceof Error)) return { runs: Infinity, ms: Infinity };
  if (!(result instanceof ScheduleFailure) || !causeMessage(result.cause).includes(c.expect)) {
    throw new Error(`${NAME}: ${c.label}, seed ${seed}, ${strategy}: failed with something else: ${causeMessage(result)}`);
  }
  return { runs: done, ms };
}

async function peer(c: Case, seed: number): Promise<Found> {
  const t0 = now();
  const out = await fc.check(fcProperty(c.race), { numRuns: c.peerCap, seed, endOnFailure: true });
  const ms = now() - t0;
  if (!out.failed) return { runs: Infinity, ms: Infinity };
  if (!causeMessage(out.errorInstance).includes(c.expect)) {
    throw new Error(`${NAME}: ${c.label}, seed ${seed}, fc.scheduler: failed with something else: ${causeMessage(out.errorInstance)}`);
  }
  return { runs: out.numRuns, ms };
}

function fewerRow(kase: string, unit: string, peerName: string, p: number, o: number, goal: string, graded: boolean): Row {
  const finite = Number.isFinite(p) && Number.isFinite(o);
  return {
    bench: NAME,
    case: kase,
    unit,
    peerName,
    peer: p,
    ours: o,
    ratio: finite ? p / o : null,
    ratioLabel: unit === 'ms' ? 'x faster' : 'x fewer',
    goal: graded ? goal : '',
    pass: graded ? o < p : null,
  };
}

function runsList(xs: Found[]): string {
  return xs.map((f) => (Number.isFinite(f.runs) ? String(f.runs) : '-')).join(' ');
}

/** Runs and time to the first failing schedule, simloop against fc.scheduler. */
export const exploreRace: Benchmark = {
  name: NAME,
  title: 'runs and time to the first failing schedule, median over seeds 1..20, vs fc.scheduler (shrinking off on both sides)',
  async run(): Promise<Row[]> {
    const rows: Row[] = [];
    for (const c of CASES) {
      const p: Found[] = [];
      const r: Found[] = [];
      const q: Found[] = [];
      const d: Found[] = [];
      // One untimed pass over a few seeds on each side, so neither side's times include compiling its exploring path.
      for (const seed of WARM_SEEDS) {
        await peer(c, seed);
        await ours(c, seed, 'random');
        await ours(c, seed, 'pct');
      }
      for (const seed of SEEDS) {
        p.push(await peer(c, seed));
        r.push(await ours(c, seed, 'random'));
        q.push(await ours(c, seed, 'pct'));
        if (c.alsoDepth !== undefined) d.push(await ours(c, seed, 'pct', c.alsoDepth));
      }
      console.log(`  ${c.label} (runs per seed; caps: fc ${c.peerCap}, 'random' ${c.randomCap}, 'pct' ${c.pctCap}; '-' = none found)`);
      console.log(`    fc.scheduler ${runsList(p)}`);
      console.log(`    'random'     ${runsList(r)}`);
      console.log(`    'pct'        ${runsList(q)}`);
      if (c.alsoDepth !== undefined) console.log(`    'pct' d=${c.alsoDepth}    ${runsList(d)}`);
      const med = (xs: Found[], key: 'runs' | 'ms'): number => median(xs.map((f) => f[key]));
      const pr = med(p, 'runs');
      const pm = med(p, 'ms');
      const caseRows = [
        fewerRow(`${c.label}: runs, 'random'`, 'runs', 'fc.scheduler', pr, med(r, 'runs'), 'fewer runs', c.graded),
        fewerRow(`${c.label}: runs, 'pct'`, 'runs', 'fc.scheduler', pr, med(q, 'runs'), 'fewer runs', c.graded),
        fewerRow(`${c.label}: time, 'random'`, 'ms', 'fc.scheduler', pm, med(r, 'ms'), 'less time', c.graded),
        fewerRow(`${c.label}: time, 'pct'`, 'ms', 'fc.scheduler', pm, med(q, 'ms'), 'less time', c.graded),
        fewerRow(`${c.label}: 'pct' vs 'random' runs`, 'runs', "'random'", med(r, 'runs'), med(q, 'runs'), "'pct' fewer runs", c.graded),
      ];
      if (c.alsoDepth !== undefined) {
        caseRows.push(fewerRow(`${c.label}: 'pct' depth ${c.alsoDepth} vs 'random' runs`, 'runs', "'random'", med(r, 'runs'), med(d, 'runs'), '', false));
      }
      for (const row of caseRows) printRow(row);
      rows.push(...caseRows);
    }
    return rows;
  },
};
