/**
 * Churn: 1e4 long timers pending while 1e5 short timers fire one after
 * another, each scheduling the next (seeded delays of 1..10 ms), in a
 * simulation with autojump; against fake-timers running the same chain with
 * the same pending timers through one `tick(sum of the short delays)`.
 * Reported per fired timer.
 */
import FakeTimers from '@sinonjs/fake-timers';
import { simulate } from '../src/index.js';
import { compare, keepUntilNextTrial, now, printRow, seededDelays, speedRow, usPer, type Benchmark, type Row } from './harness.js';

const NAME = 'churn';
const PENDING = 1e4;
const FIRED = 1e5;
const LONG = seededDelays(PENDING, 1e9, 2e9, 0xc0);
const SHORT = seededDelays(FIRED, 1, 10, 0xc1);
const SPAN = SHORT.reduce((a, b) => a + b, 0);

const noop = (): void => {};

async function ours(): Promise<number> {
  let elapsed = 0;
  await simulate(async (world) => {
    const loop = world.loop;
    for (let i = 0; i < PENDING; i++) loop.callLater(LONG[i]!, noop);
    const done = loop.createFuture<null>();
    let i = 0;
    const next = (): void => {
      if (i === FIRED) done.setResult(null);
      else loop.callLater(SHORT[i++]!, next);
    };
    const t0 = now();
    next();
    await done;
    elapsed = now() - t0;
    if (loop.time() !== SPAN) throw new Error(`churn: expected to end at ${SPAN} ms, got ${loop.time()}`);
    const h1 = loop.callLater(1, noop);
    const h2 = loop.callSoon(noop);
    h1.cancel();
    h2.cancel();
    keepUntilNextTrial('ours', world, done, h1, h2);
  });
  return elapsed;
}

function peer(): number {
  const clock = FakeTimers.createClock(0, 1e9);
  for (let i = 0; i < PENDING; i++) clock.setTimeout(noop, LONG[i]!);
  let i = 0;
  let finished = false;
  const next = (): void => {
    if (i === FIRED) finished = true;
    else clock.setTimeout(next, SHORT[i++]!);
  };
  const t0 = now();
  next();
  clock.tick(SPAN);
  const elapsed = now() - t0;
  if (!finished || clock.now !== SPAN) throw new Error(`churn: fake-timers ended at ${clock.now}, expected ${SPAN}`);
  keepUntilNextTrial('peer', clock);
  return elapsed;
}

export const churn: Benchmark = {
  name: NAME,
  title: `${FIRED} chained short timers with ${PENDING} long timers pending vs fake-timers tick() (us per fired timer)`,
  async run(): Promise<Row[]> {
    const [p, o] = await compare([peer, ours], { warmup: 1, repeats: 5 });
    const row = speedRow(NAME, `${FIRED} fired, ${PENDING} pending`, 'us/timer', 'fake-timers', usPer(p!, FIRED), usPer(o!, FIRED), { min: 2 });
    printRow(row);
    return [row];
  },
};
