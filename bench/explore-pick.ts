/**
 * The cost of one scheduling pick with 1e3 and with 1e5 ready callbacks
 * (the goal: flat, at most 2x from 1e3 to 1e5), measured two ways:
 *
 * - a loop step in a world with the 'random' strategy: N chains of
 *   `callSoon`, each callback scheduling the next, so N callbacks from N
 *   distinct origins are ready in every iteration and each step is one pick
 *   among them. The unit a user pays: pick, callback, `callSoon`, trace.
 *   Information, not the goal: with N handles alive for N steps each, a step
 *   also pays the young-generation GC promoting them, and runs a handle at a
 *   random place in memory; the same step under `'fifo'` (no pick at all) is
 *   timed beside it to show that part.
 * - `OriginScheduler` alone (the strategy's data structure, with the seeded
 *   chooser and its decision log): N handles of distinct origins pushed, a
 *   batch started, N picks taken, after one untimed round that grows its
 *   tables and a GC that moves the N handles made for the trial (and those
 *   tables) out of the young generation, so the timed picks do not pay for
 *   promoting the benchmark's own setup; per pick. The honest unit for the
 *   pick itself.
 *
 * The peer: `fc.scheduler` with N chains of scheduled promises pending, timed
 * over `waitOne()` calls (one pick and the release of the picked promise).
 * Each side keeps a few objects of its last trial until its next one
 * (`keepUntilNextTrial`): otherwise the harness's forced GC before each trial
 * drops their hidden classes, and a trial (most of all a 1e3 one, whose
 * untimed warm-up is short) would time V8 re-optimizing cold code.
 */
import fc from 'fast-check';
import { simulate } from '../src/index.js';
import { Handle, type HandleOwner } from '../src/loop/handle.js';
import { RandomChooser } from '../src/schedule/chooser.js';
import { DecisionLog } from '../src/schedule/decisions.js';
import { OriginScheduler } from '../src/schedule/origin-scheduler.js';
import { compare, gc, keepUntilNextTrial, now, printRow, speedRow, usPer, type Benchmark, type Row } from './harness.js';

const NAME = 'explore-pick';
const SIZES = [1e3, 1e5] as const;
/** Timed steps per world trial, and picks per OriginScheduler trial. */
const STEPS = 2e5;
/** Timed `waitOne()` calls per fc trial (each costs O(N) there, so fewer). */
const PEER_PICKS = 1e4;
const PEER_WARM = 2e3;

async function oursWorld(n: number, strategy: 'random' | 'fifo'): Promise<number> {
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
      keepUntilNextTrial('world', world, step);
    },
    { seed: 1, strategy },
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
  gc();
  const t0 = now();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < n; i++) scheduler.push(handles[i]!);
    const batch = scheduler.startBatch();
    for (let i = 0; i < batch; i++) scheduler.next();
  }
  const elapsed = now() - t0;
  if (scheduler.size !== 0) throw new Error(`${NAME}: OriginScheduler kept ${scheduler.size} handles`);
  // One handle is enough to keep Handle's hidden class; all N would stay in the heap through the other trials.
  keepUntilNextTrial('scheduler', scheduler, handles[0]);
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
  // A small scheduler of the same kind, not this one: its N endless chains would stay in the heap through the other trials.
  const [small] = fc.sample(fc.scheduler(), { numRuns: 1, seed: 1 });
  void small!.schedule(Promise.resolve());
  keepUntilNextTrial('peer', small);
  return elapsed;
}

function growthRow(kase: string, peerGrowth: number | null, ourGrowth: number, goal: boolean): Row {
  return {
    bench: NAME,
    case: kase,
    unit: 'x',
    peerName: 'fc.scheduler',
    peer: peerGrowth,
    ours: ourGrowth,
    ratio: peerGrowth === null ? null : peerGrowth / ourGrowth,
    ratioLabel: 'x flatter',
    goal: goal ? '<= 2x growth' : '',
    pass: goal ? ourGrowth <= 2 : null,
  };
}

/** One scheduling pick with 1e3 and 1e5 ready callbacks, simloop against fc.scheduler. */
export const explorePick: Benchmark = {
  name: NAME,
  title: `one scheduling pick with ${SIZES.join(' vs ')} ready callbacks ('random'): OriginScheduler alone (the goal) and a world's loop step ('random', and 'fifo' for reference), vs fc.scheduler waitOne()`,
  async run(): Promise<Row[]> {
    const trials = SIZES.flatMap((n) => [() => peer(n), () => oursWorld(n, 'random'), () => oursWorld(n, 'fifo'), () => oursScheduler(n)]);
    const t = await compare(trials, { warmup: 1, repeats: 5 });
    const rows: Row[] = [];
    const peerUs: number[] = [];
    const worldUs: number[] = [];
    const fifoUs: number[] = [];
    const pickUs: number[] = [];
    SIZES.forEach((n, i) => {
      peerUs.push(usPer(t[4 * i]!, PEER_PICKS));
      worldUs.push(usPer(t[4 * i + 1]!, STEPS));
      fifoUs.push(usPer(t[4 * i + 2]!, STEPS));
      pickUs.push(usPer(t[4 * i + 3]!, STEPS));
      const label = n.toExponential(0).replace('+', '');
      rows.push(speedRow(NAME, `${label} ready: world loop step ('random')`, 'us/pick', 'fc.scheduler', peerUs[i]!, worldUs[i]!, null));
      rows.push(speedRow(NAME, `${label} ready: world loop step ('fifo', no pick)`, 'us/step', 'fc.scheduler', peerUs[i]!, fifoUs[i]!, null));
      rows.push(speedRow(NAME, `${label} ready: OriginScheduler pick`, 'us/pick', 'fc.scheduler', peerUs[i]!, pickUs[i]!, null));
    });
    const g = (xs: number[]): number => xs[1]! / xs[0]!;
    rows.push(growthRow("growth 1e3 -> 1e5: world loop step ('random')", g(peerUs), g(worldUs), false));
    rows.push(growthRow("growth 1e3 -> 1e5: world loop step ('fifo', no pick)", g(peerUs), g(fifoUs), false));
    rows.push(growthRow('growth 1e3 -> 1e5: OriginScheduler pick', g(peerUs), g(pickUs), true));
    for (const r of rows) printRow(r);
    return rows;
  },
};
