/**
 * Task switches with guarantee 4 (every microtask a loop callback queued has
 * run before the next callback): the goal is at most one raw `setImmediate`
 * hop per switch, measured as a raw chain of 1e5 immediates in the same run.
 *
 * - ping-pong: two tasks hand 1e5 items back and forth through two `Queue`s
 *   (`await q.put(x)`, `await q.get()`): every hand-off wakes the other task,
 *   one switch each.
 * - sleep(0): one task doing `await sleep(0)` 1e5 times (a bare yield).
 * Both in a simulation (default world: FIFO, strict, trace on).
 */
import { createTask, Queue, simulate, sleep } from '../src/index.js';
import { compare, now, printRow, type Benchmark, type Row } from './harness.js';

const NAME = 'task-switches';
const N = 1e5;

/** The reference: a chain of immediates, each queued by the previous one. */
export function rawImmediateChain(n: number): Promise<number> {
  return new Promise((resolve) => {
    let left = n;
    const t0 = now();
    const hop = (): void => {
      if (--left === 0) resolve(now() - t0);
      else setImmediate(hop);
    };
    setImmediate(hop);
  });
}

async function pingPong(): Promise<number> {
  let elapsed = 0;
  await simulate(async () => {
    const toB = new Queue<number>();
    const toA = new Queue<number>();
    const rounds = N / 2;
    const t0 = now();
    const a = createTask(async () => {
      for (let i = 0; i < rounds; i++) {
        await toB.put(i);
        await toA.get();
      }
    });
    const b = createTask(async () => {
      for (let i = 0; i < rounds; i++) {
        const x = await toB.get();
        await toA.put(x);
      }
    });
    await a;
    await b;
    elapsed = now() - t0;
  });
  return elapsed;
}

async function sleepZero(): Promise<number> {
  let elapsed = 0;
  await simulate(async () => {
    const t0 = now();
    for (let i = 0; i < N; i++) await sleep(0);
    elapsed = now() - t0;
  });
  return elapsed;
}

export const taskSwitches: Benchmark = {
  name: NAME,
  title: `task switches in simulation (Queue ping-pong, sleep(0)) vs a raw setImmediate chain, ${N} each (us per switch)`,
  async run(): Promise<Row[]> {
    const [raw, pp, sz] = await compare([() => rawImmediateChain(N), pingPong, sleepZero], { warmup: 1, repeats: 5 });
    const hop = (raw! * 1000) / N;
    const rows: Row[] = [];
    for (const [kase, ms] of [
      [`Queue ping-pong, ${N} hand-offs`, pp!],
      [`await sleep(0) x ${N}`, sz!],
    ] as const) {
      const ours = (ms * 1000) / N;
      const ratio = hop / ours;
      const row: Row = {
        bench: NAME,
        case: kase,
        unit: 'us/switch',
        peerName: 'setImmediate hop',
        peer: hop,
        ours,
        ratio,
        ratioLabel: 'x hop/switch',
        goal: '<= 1 hop per switch',
        pass: ratio >= 1,
      };
      printRow(row);
      rows.push(row);
    }
    return rows;
  },
};
