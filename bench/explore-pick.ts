/**
 * The cost of one scheduling pick with 1e3 and with 1e5 ready callbacks
 * (the goal: flat, at most 2x from 1e3 to 1e5), measured two ways:
 *
 * - a loop step in a world with the 'random' strategy: N chains of
 *   `callSoon`, each callback scheduling the next, so N callbacks from N
 *   distinct origins are ready in every iteration and each step is one pick
 *   among them. The unit a user pays: pick, callback, `callSoon`, trace.
 * - `OriginScheduler` alone (the strategy's data structure, with the seeded
 *   chooser and its decision log): N handles of distinct origins pushed, a
 *   batch started, N picks taken, after one untimed round that grows its
 *   tables; per pick. The honest unit for the pick itself.
 *
 * The peer: `fc.scheduler` with N chains of scheduled promises pending, timed
 * over `waitOne()` calls (one pick and the release of the picked promise).
 */
import fc from 'fast-check';
import { simulate } from '../src/index.js';
import { Handle, type HandleOwner } from '../src/loop/handle.js';
import { RandomChooser } from '../src/schedule/chooser.js';
import { DecisionLog } from '../src/schedule/decisions.js';
import { OriginScheduler } from '../src/schedule/origin-scheduler.js';
import { compare, now, printRow, speedRow, usPer, type Benchmark, type Row } from './harness.js';

const NAME = 'explore-pick';
const SIZES = [1e3, 1e5] as const;
/** Timed steps per world trial, and picks per OriginScheduler trial. */
const STEPS = 2e5;
/** Timed `waitOne()` calls per fc trial (each costs O(N) there, so fewer). */
const PEER_PICKS = 1e4;
const PEER_WARM = 2e3;

async function oursWorld(n: number): Promise<number> {
  let elapsed = 0;
  await simulate(
    async (world) => {
      const loop = world.loop;
      // The first two rounds set the chains up (the first round's callbacks all come from the main task: one origin).
      const warm = 2 * n;
      const end = warm + STEPS;
      let count = 0;
      let t0 = 0;
      const done = loop.createFuture<null>();
      const step = (): void => {
        count++;
        if (count === warm) t0 = now();
        if (count < end) loop.callSoon(step);
        else if (count === end) {
          elapsed = now() - t0;
          done.setResult(null);
        }
      };
      for (let i = 0; i < n; i++) loop.callSoon(step);
      await done;
    },
    { seed: 1, strategy: 'random' },
  );
  return elapsed;
}

const owner: HandleOwner = { _timerHandleCancelled: () => {} };
const noop = (): void => {};

function oursScheduler(n: number): number {
  const scheduler = new OriginScheduler(new RandomChooser('explore-pick', new DecisionLog()));
  const handles: Handle[] = [];
  for (let i = 0; i < n; i++) {
    const h = new Handle(noop, [], owner, null);
    h._seq = i;
    h._origin = i + 1;
    handles.push(h);
  }
  const rounds = STEPS / n;
  // One untimed round first: the scheduler's tables grow to N once, and what is timed is the steady pick.
  for (let i = 0; i < n; i++) scheduler.push(handles[i]!);
  for (let i = scheduler.startBatch(); i > 0; i--) scheduler.next();
  const t0 = now();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < n; i++) scheduler.push(handles[i]!);
    const batch = scheduler.startBatch();
    for (let i = 0; i < batch; i++) scheduler.next();
  }
  const elapsed = now() - t0;
  if (scheduler.size !== 0) throw new Error(`${NAME}: OriginScheduler kept ${scheduler.size} handles`);
  return elapsed;
}

async function peer(n: number): Promise<number> {
  const [s] = fc.sample(fc.scheduler(), { numRuns: 1, seed: 1 });
  const sched = s!;
  const chain = async (): Promise<void> => {
    // Never stopped: the scheduler and its pending promises are simply dropped after the trial.
    for (;;) await sched.schedule(Promise.resolve());
  };
  for (let i = 0; i < n; i++) void chain();
  for (let i = 0; i < PEER_WARM; i++) await sched.waitOne();
  const t0 = now();
  for (let i = 0; i < PEER_PICKS; i++) await sched.waitOne();
  const elapsed = now() - t0;
  if (sched.count() < n - 1) throw new Error(`${NAME}: fc.scheduler had ${sched.count()} pending, expected about ${n}`);
  return elapsed;
}

function growthRow(kase: string, peerGrowth: number | null, ourGrowth: number): Row {
  return {
    bench: NAME,
    case: kase,
    unit: 'x',
    peerName: 'fc.scheduler',
    peer: peerGrowth,
    ours: ourGrowth,
    ratio: peerGrowth === null ? null : peerGrowth / ourGrowth,
    ratioLabel: 'x flatter',
    goal: '<= 2x growth',
    pass: ourGrowth <= 2,
  };
}

/** One scheduling pick with 1e3 and 1e5 ready callbacks, simloop against fc.scheduler. */
export const explorePick: Benchmark = {
  name: NAME,
  title: `one scheduling pick with ${SIZES.join(' vs ')} ready callbacks ('random'): a world's loop step and OriginScheduler alone, vs fc.scheduler waitOne()`,
  async run(): Promise<Row[]> {
    const trials = SIZES.flatMap((n) => [() => peer(n), () => oursWorld(n), () => oursScheduler(n)]);
    const t = await compare(trials, { warmup: 1, repeats: 5 });
    const rows: Row[] = [];
    const peerUs: number[] = [];
    const worldUs: number[] = [];
    const pickUs: number[] = [];
    SIZES.forEach((n, i) => {
      peerUs.push(usPer(t[3 * i]!, PEER_PICKS));
      worldUs.push(usPer(t[3 * i + 1]!, STEPS));
      pickUs.push(usPer(t[3 * i + 2]!, STEPS));
      const label = n.toExponential(0).replace('+', '');
      rows.push(speedRow(NAME, `${label} ready: world loop step`, 'us/pick', 'fc.scheduler', peerUs[i]!, worldUs[i]!, null));
      rows.push(speedRow(NAME, `${label} ready: OriginScheduler pick`, 'us/pick', 'fc.scheduler', peerUs[i]!, pickUs[i]!, null));
    });
    const g = (xs: number[]): number => xs[1]! / xs[0]!;
    rows.push(growthRow('growth 1e3 -> 1e5: world loop step', g(peerUs), g(worldUs)));
    rows.push(growthRow('growth 1e3 -> 1e5: OriginScheduler pick', g(peerUs), g(pickUs)));
    for (const r of rows) printRow(r);
    return rows;
  },
};
