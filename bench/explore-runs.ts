/**
 * Exploring throughput: runs per second on a bug-free two-task race
 * (`fixedCounter`: two tasks pause and increment three times each), simloop's
 * `explore` with a fresh world per run ('random' strategy, default world
 * options) against fast-check's `fc.assert` over `fc.asyncProperty(fc.scheduler(), ...)`
 * with a fresh scheduler per run, the same race logic on both sides.
 */
import fc from 'fast-check';
import { explore } from '../src/explore/explore.js';
import { compare, now, printRow, type Benchmark, type Row } from './harness.js';
import { fcProperty, fixedCounter, simScenario } from './explore-support.js';

const NAME = 'explore-runs';
const RUNS = 500;

async function ours(): Promise<number> {
  const t0 = now();
  const report = await explore(simScenario(fixedCounter), { runs: RUNS, seed: 1 });
  const elapsed = now() - t0;
  if (report.runs !== RUNS) throw new Error(`explore-runs: explore made ${report.runs} runs, expected ${RUNS}`);
  return elapsed;
}

async function peer(): Promise<number> {
  const t0 = now();
  await fc.assert(fcProperty(fixedCounter), { numRuns: RUNS, seed: 1 });
  return now() - t0;
}

/** Runs per second on a bug-free race, simloop against fc.scheduler. */
export const exploreRuns: Benchmark = {
  name: NAME,
  title: `runs/s exploring a bug-free two-task race, ${RUNS} runs, fresh world per run vs fc.scheduler`,
  async run(): Promise<Row[]> {
    const [p, o] = await compare([peer, ours], { warmup: 1, repeats: 7 });
    const peerRate = (RUNS * 1000) / p!;
    const ourRate = (RUNS * 1000) / o!;
    const ratio = ourRate / peerRate;
    const row: Row = {
      bench: NAME,
      case: `bug-free 2-task race, ${RUNS} runs ('random')`,
      unit: 'runs/s',
      peerName: 'fc.scheduler',
      peer: peerRate,
      ours: ourRate,
      ratio,
      ratioLabel: 'x faster',
      goal: '>= 1x faster',
      pass: ratio >= 1,
    };
    printRow(row);
    return [row];
  },
};
