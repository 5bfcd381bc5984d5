/**
 * A `callSoon` chain of 1e6 on the Node backend (`new EventLoop()`): each
 * callback schedules the next, the last stops the loop; against a raw chain
 * of 1e6 `setImmediate`s (each queued by the previous one). Goal: at least as
 * fast as the raw chain.
 */
import { EventLoop } from '../src/index.js';
import { compare, now, printRow, speedRow, usPer, type Benchmark, type Row } from './harness.js';
import { rawImmediateChain } from './task-switches.js';

const NAME = 'call-soon';
const N = 1e6;

async function ours(): Promise<number> {
  const loop = new EventLoop();
  let n = 0;
  const next = (): void => {
    if (++n === N) loop.stop();
    else loop.callSoon(next);
  };
  const t0 = now();
  loop.callSoon(next);
  await loop.runForever();
  const elapsed = now() - t0;
  loop.close();
  if (n !== N) throw new Error(`call-soon: ran ${n} of ${N}`);
  return elapsed;
}

export const callSoon: Benchmark = {
  name: NAME,
  title: `callSoon chain of ${N} on the Node backend vs a raw setImmediate chain (us per callback)`,
  async run(): Promise<Row[]> {
    const [raw, o] = await compare([() => rawImmediateChain(N), ours], { warmup: 0, repeats: 3 });
    const row = speedRow(NAME, `chain of ${N}`, 'us/callback', 'setImmediate', usPer(raw!, N), usPer(o!, N), { min: 1 });
    printRow(row);
    return [row];
  },
};
