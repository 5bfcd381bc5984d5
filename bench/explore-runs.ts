/**
 * Exploring throughput: runs per second on a bug-free two-task race
 * (`fixedCounter`: two tasks pause and increment three times each), simloop's
 * `explore` with a fresh world per run ('random' strategy, default world
 * options) against fast-check's `fc.assert` over `fc.asyncProperty(fc.scheduler(), ...)`
 * with a fresh scheduler per run, the same race logic on both sides.
 *
 * A second row (information) times one long exploration of
 * ${LONG_RUNS} runs, where the young-generation GC has time to settle into
 * its steady state: what a user exploring a race for minutes pays per run.
 *
 * The harness forces a full GC before each trial. fast-check's objects of its
 * last trial are kept over it (`keepUntilNextTrial`, as other benches keep
 * theirs): with none alive, the GC drops their hidden classes and V8 throws
 * away fast-check's optimized code, so each trial would time it cold.
 * simloop needs no help here: it anchors its own (src/loop/shape-anchor.ts).
 * Five untimed rounds and fifteen timed ones: a trial is 10-40 ms, and with
 * seven the median moved by half between two runs of the bench.
 */
import fc from 'fast-check';
import { explore } from '../src/explore/explore.js';
import { compare, keepUntilNextTrial, now, printRow, type Benchmark, type Row } from './harness.js';
import { fcProperty, fixedCounter, simScenario } from './explore-support.js';

const NAME = 'explore-runs';
const RUNS = 500;
const LONG_RUNS = 20_000;

async function ours(runs: number): Promise<number> {
  const t0 = now();
  const report = await explore(simScenario(fixedCounter), { runs, seed: 1 });
  const elapsed = now() - t0;
  if (report.runs !== runs) throw new Error(`explore-runs: explore made ${report.runs} runs, expected ${runs}`);
  return elapsed;
}

async function peer(runs: number): Promise<number> {
  const t0 = now();
  await fc.assert(fcProperty(fixedCounter), { numRuns: runs, seed: 1 });
  const elapsed = now() - t0;
  await keepPeerObjects();
  return elapsed;
}

/** Untimed: one more fast-check run whose property, scheduler (with a task still scheduled) and report outlive the trial. */
async function keepPeerObjects(): Promise<void> {
  const kept: unknown[] = [];
  const property = fc.asyncProperty(fc.scheduler(), async (s) => {
    kept.push(s, s.schedule(Promise.resolve()));
  });
  kept.push(property, await fc.check(property, { numRuns: 1, seed: 1 }));
  keepUntilNextTrial('peer', kept);
}

/** A runs/s row from the two trials' times over `runs` runs; `goal` null for an information row. */
function rateRow(kase: string, runs: number, peerMs: number, ourMs: number, goal: number | null): Row {
  const peerRate = (runs * 1000) / peerMs;
  const ourRate = (runs * 1000) / ourMs;
  const ratio = ourRate / peerRate;
  return {
    bench: NAME,
    case: kase,
    unit: 'runs/s',
    peerName: 'fc.scheduler',
    peer: peerRate,
    ours: ourRate,
    ratio,
    ratioLabel: 'x faster',
    goal: goal === null ? '' : `>= ${goal}x faster`,
    pass: goal === null ? null : ratio >= goal,
  };
}

/** Runs per second on a bug-free race, simloop against fc.scheduler. */
export const exploreRuns: Benchmark = {
  name: NAME,
  title: `runs/s exploring a bug-free two-task race, ${RUNS} runs, fresh world per run vs fc.scheduler (and one ${LONG_RUNS}-run exploration)`,
  async run(): Promise<Row[]> {
    const [p, o] = await compare([() => peer(RUNS), () => ours(RUNS)], { warmup: 5, repeats: 15 });
    const row = rateRow(`bug-free 2-task race, ${RUNS} runs ('random')`, RUNS, p!, o!, 1);
    printRow(row);
    const [lp, lo] = await compare([() => peer(LONG_RUNS), () => ours(LONG_RUNS)], { warmup: 0, repeats: 3 });
    const long = rateRow(`one exploration of ${LONG_RUNS} runs ('random')`, LONG_RUNS, lp!, lo!, null);
    printRow(long);
    return [row, long];
  },
};
