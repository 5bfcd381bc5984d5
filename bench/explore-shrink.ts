/**
 * How much shrinking simplifies a failing schedule (informational): the
 * number of non-FIFO decisions (`decisionWeight`) of the first failing
 * 'random' schedule against that of the shrunk one `explore` reports (the
 * decisions its replay token carries), median over seeds 1..5, with the
 * candidate runs and time the shrinker spent (default budget).
 *
 * It takes `explore`'s own steps (exploreSettings, runIndex, reportFailure),
 * so the failing run's decisions are at hand and the shrink is timed alone.
 */
import { decisionWeight } from '../src/schedule/decisions.js';
import { decodeToken } from '../src/schedule/replay-token.js';
import { DEFAULT_SHRINK_RUNS, exploreSettings, failingRun, reportFailure, runIndex } from '../src/explore/explore.js';
import type { Scenario } from '../src/explore/run-once.js';
import { fmt, median, now, printRow, type Benchmark, type Row } from './harness.js';
import { aheadRace, simScenario, withBystanders } from './explore-support.js';

const NAME = 'explore-shrink';
const SEEDS = [1, 2, 3, 4, 5];
const CAP = 20000;

interface Shrunk {
  original: number;
  shrunk: number;
  shrinkRuns: number;
  ms: number;
}

async function shrinkOne(scenario: Scenario, seed: number): Promise<Shrunk> {
  const settings = await exploreSettings(scenario, { runs: CAP, seed, strategy: 'random' });
  for (let i = 0; i < CAP; i++) {
    const outcome = await runIndex(scenario, settings, i);
    if (!outcome.failed) continue;
    const t0 = now();
    const failure = await reportFailure(scenario, failingRun(settings, i, outcome), DEFAULT_SHRINK_RUNS);
    const ms = now() - t0;
    const m = /shrunk in (\d+) runs/.exec(failure.message);
    if (m === null) throw new Error(`${NAME}: the failure does not say how many runs shrinking took:\n${failure.message}`);
    return { original: decisionWeight(outcome.decisions), shrunk: decisionWeight(decodeToken(failure.replay).decisions), shrinkRuns: Number(m[1]), ms };
  }
  throw new Error(`${NAME}: seed ${seed} found no failure in ${CAP} runs`);
}

const CASES: { label: string; scenario: Scenario }[] = [
  { label: 'B ahead of A at 9 steps', scenario: simScenario(aheadRace) },
  { label: 'the same among 6 bystanders', scenario: simScenario(withBystanders(aheadRace, 6, 12)) },
];

/** Non-FIFO decisions before and after shrinking (informational). */
export const exploreShrink: Benchmark = {
  name: NAME,
  title: `non-FIFO decisions of the first failing 'random' schedule vs the shrunk one, median over seeds ${SEEDS[0]}..${SEEDS.at(-1)} (informational)`,
  async run(): Promise<Row[]> {
    const rows: Row[] = [];
    for (const c of CASES) {
      const xs: Shrunk[] = [];
      for (const seed of SEEDS) xs.push(await shrinkOne(c.scenario, seed));
      console.log(`  ${c.label}: per seed (original -> shrunk, shrink runs): ${xs.map((x) => `${x.original}->${x.shrunk} (${x.shrinkRuns})`).join(', ')}`);
      const original = median(xs.map((x) => x.original));
      const shrunk = median(xs.map((x) => x.shrunk));
      const caseRows: Row[] = [
        { bench: NAME, case: `${c.label}: non-FIFO decisions`, unit: 'decisions', peerName: 'original', peer: original, ours: shrunk, ratio: shrunk === 0 ? null : original / shrunk, ratioLabel: 'x smaller', goal: '', pass: null },
        { bench: NAME, case: `${c.label}: shrinking cost (${fmt(median(xs.map((x) => x.ms)))} ms)`, unit: 'runs', peerName: '', peer: null, ours: median(xs.map((x) => x.shrinkRuns)), ratio: null, ratioLabel: '', goal: '', pass: null },
      ];
      for (const r of caseRows) printRow(r);
      rows.push(...caseRows);
    }
    return rows;
  },
};
