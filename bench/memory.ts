/**
 * Memory under schedule/cancel churn (guarantee 3): 1e6 timers, each
 * scheduled with a seeded delay and cancelled at once, in a for loop inside a
 * running loop's task. Sampled: the timer heap's size (`loop._timers.size`,
 * cancelled entries included) after every schedule, `heapUsed` every 1e4. Reported:
 * the largest timer heap, the peak `heapUsed` above the start (garbage not
 * yet collected included), and what is still retained after a full GC at the
 * end (while the loop, or the world, is still alive). Twice: on the Node
 * backend (`new EventLoop()`) and in a simulated world; fake-timers
 * `setTimeout`/`clearTimeout` alongside.
 */
import FakeTimers from '@sinonjs/fake-timers';
import { EventLoop, simulate, type SimWorld } from '../src/index.js';
import { gc, hasGc, heapMB, now, printRow, seededDelays, usPer, type Benchmark, type Row } from './harness.js';

const NAME = 'memory';
const N = 1e6;
const SAMPLE_EVERY = 1e4;
const DELAYS = seededDelays(N, 1, 1e6, 0x3e3);
/** Bounded: the timer heap holds at most this many entries (compaction keeps it near 100 here). */
const MAX_HEAP_ENTRIES = 1000;
/** Bounded: what 1e6 cancelled timers may leave behind after a full GC. */
const MAX_RETAINED_MB = 2;

interface Churn {
  maxEntries: number;
  peakMB: number;
  retainedMB: number;
  usPerTimer: number;
}

const noop = (): void => {};

/** Schedule and cancel N timers with `schedule`, sampling `size()`. */
function churn(schedule: (delay: number) => { cancel(): void }, size: () => number): Churn {
  gc();
  const base = heapMB();
  let peak = base;
  let maxEntries = 0;
  const t0 = now();
  for (let i = 0; i < N; i++) {
    const h0 = schedule(DELAYS[i]!);
    // Sampled between schedule and cancel (the heap's fullest point), every time: it is a field read.
    const s = size();
    if (s > maxEntries) maxEntries = s;
    h0.cancel();
    if ((i + 1) % SAMPLE_EVERY === 0) {
      const h = heapMB();
      if (h > peak) peak = h;
    }
  }
  const elapsed = now() - t0;
  gc();
  return { maxEntries, peakMB: peak - base, retainedMB: heapMB() - base, usPerTimer: usPer(elapsed, N) };
}

async function oursNode(): Promise<Churn> {
  const loop = new EventLoop();
  const result = await loop.runUntilComplete(async () =>
    churn((d) => loop.callLater(d, noop), () => loop._timers.size),
  );
  loop.close();
  return result;
}

async function oursSim(): Promise<Churn> {
  return simulate(async (world: SimWorld) => {
    const loop = world.loop;
    return churn((d) => loop.callLater(d, noop), () => loop._timers.size);
  });
}

function peer(): Churn {
  const clock = FakeTimers.createClock(0, 1e9);
  const internals = clock as unknown as { timerHeap?: { timers: unknown[] } };
  return churn(
    (d) => {
      const id = clock.setTimeout(noop, d);
      return { cancel: () => clock.clearTimeout(id) };
    },
    () => internals.timerHeap?.timers.length ?? 0,
  );
}

export const memory: Benchmark = {
  name: NAME,
  title: `${N} timers scheduled and cancelled in a loop: timer heap size, peak and retained heap`,
  async run(): Promise<Row[]> {
    if (!hasGc()) console.log('  (no gc available: heap figures include uncollected garbage)');
    // One warm-up round each, then the measured one (memory figures do not need a median).
    peer();
    await oursNode();
    const p = peer();
    const node = await oursNode();
    const sim = await oursSim();
    const rows: Row[] = [];
    const emit = (r: Row): void => {
      printRow(r);
      rows.push(r);
    };
    for (const [where, o] of [
      ['Node loop', node],
      ['simulation', sim],
    ] as const) {
      emit({
        bench: NAME,
        case: `${where}: timer heap, max entries`,
        unit: 'entries',
        peerName: 'fake-timers',
        peer: p.maxEntries,
        ours: o.maxEntries,
        ratio: null,
        ratioLabel: '',
        goal: `<= ${MAX_HEAP_ENTRIES}`,
        pass: o.maxEntries <= MAX_HEAP_ENTRIES,
      });
      emit({
        bench: NAME,
        case: `${where}: peak heapUsed above start`,
        unit: 'MB',
        peerName: 'fake-timers',
        peer: p.peakMB,
        ours: o.peakMB,
        ratio: null,
        ratioLabel: '',
        goal: '',
        pass: null,
      });
      emit({
        bench: NAME,
        case: `${where}: retained after GC`,
        unit: 'MB',
        peerName: 'fake-timers',
        peer: p.retainedMB,
        ours: o.retainedMB,
        ratio: null,
        ratioLabel: '',
        goal: `< ${MAX_RETAINED_MB} MB`,
        pass: o.retainedMB < MAX_RETAINED_MB,
      });
      emit({
        bench: NAME,
        case: `${where}: schedule + cancel`,
        unit: 'us/timer',
        peerName: 'fake-timers',
        peer: p.usPerTimer,
        ours: o.usPerTimer,
        ratio: p.usPerTimer / o.usPerTimer,
        ratioLabel: 'x faster',
        goal: '',
        pass: null,
      });
    }
    return rows;
  },
};
