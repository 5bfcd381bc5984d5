/**
 * Time stepping: 1e4 steps of 1 ms, each followed by the loop running what
 * the step made due (a 1 ms heartbeat), while 1e5 long timers are pending;
 * against fake-timers `tick(1)` with the same heartbeat and pending timers.
 *
 * How simloop runs what `advance` made due (the graded shape, "advance from
 * a callback"): the world's clock has `autoJump = false`; the heartbeat is a
 * loop timer that schedules the next heartbeat 1 ms ahead and then calls
 * `clock.advance(1)`. The loop's next iteration sees the new heartbeat due
 * and runs it: one advance, one iteration, one loop callback per step, and
 * the loop never goes idle. Two other shapes are reported for information:
 * a task doing `const f = sleep(1); clock.advance(1); await f` (autoJump off:
 * the timer callback plus the task's wakeup, two loop callbacks per step) and
 * a task doing `await sleep(1)` with autoJump on (time jumps instead of
 * being advanced).
 *
 * fake-timers scans every pending timer when the next one is out of the tick's
 * range (`firstTimerInRange`), so its tick costs O(pending): about 1 ms at
 * 1e5 pending. Its per-step cost does not depend on the step count, so it is
 * timed over 200 ticks (1e4 would take ~15 s per repeat); simloop over 1e4.
 */
import FakeTimers from '@sinonjs/fake-timers';
import { simulate, sleep } from '../src/index.js';
import { compare, gcAndSettle, now, printRow, seededDelays, speedRow, usPer, type Benchmark, type Row } from './harness.js';

const NAME = 'time-stepping';
const STEPS = 1e4;
const PEER_TICKS = 200;
const PENDING = 1e5;
/** Long timers: due between 1e9 and 2e9 ms, never reached by the steps. */
const LONG = seededDelays(PENDING, 1e9, 2e9, 0x10);

const noop = (): void => {};

/**
 * A full GC between a trial's setup and its timed steps, in every trial on
 * both sides: the setup's 1e5 pending timers (and their handles) are made
 * young, and without it the first young-generation GCs of the timed steps
 * copy and promote them all, a cost of the setup (explore-pick does the
 * same). It took simloop's step with 1e5 pending from ~5.2 to ~0.64 us. The
 * trials with none pending get it too, so that the two sides of the own-cost
 * ratio are timed alike (with it only where timers were pending, the short
 * none-pending trial swung 0.22-1.8 us per step). It waits for the GC's
 * helper threads too (gcAndSettle): their sweeping after a GC of 1e5
 * timers, charged to the steps timed at once, once read 3.56x own cost
 * where the other runs read 1.5-2x.
 */
function settleSetup(): void {
  gcAndSettle();
}

/** The graded shape: the heartbeat advances the clock, the loop's next iteration runs the heartbeat it made due. */
async function oursFromCallback(pending: number): Promise<number> {
  let elapsed = 0;
  await simulate(async (world) => {
    const { loop, clock } = world;
    clock.autoJump = false;
    for (let i = 0; i < pending; i++) loop.callLater(LONG[i]!, noop);
    const done = loop.createFuture<null>();
    let beats = 0;
    const heartbeat = (): void => {
      if (++beats === STEPS) {
        done.setResult(null);
        return;
      }
      loop.callLater(1, heartbeat);
      clock.advance(1);
    };
    settleSetup();
    const t0 = now();
    loop.callLater(1, heartbeat);
    clock.advance(1);
    await done;
    elapsed = now() - t0;
    if (loop.time() !== STEPS) throw new Error(`time-stepping: expected ${STEPS} ms of virtual time, got ${loop.time()}`);
  });
  return elapsed;
}

/** A test-style driver: the main task advances, then awaits the 1 ms sleep that the advance made due. */
async function oursTaskAdvance(pending: number): Promise<number> {
  let elapsed = 0;
  await simulate(async (world) => {
    const { loop, clock } = world;
    clock.autoJump = false;
    for (let i = 0; i < pending; i++) loop.callLater(LONG[i]!, noop);
    settleSetup();
    const t0 = now();
    for (let i = 0; i < STEPS; i++) {
      const beat = sleep(1);
      clock.advance(1);
      await beat;
    }
    elapsed = now() - t0;
  });
  return elapsed;
}

/** autoJump on: no advance at all, the idle loop jumps to the 1 ms sleep. */
async function oursAutoJump(pending: number): Promise<number> {
  let elapsed = 0;
  await simulate(async (world) => {
    const loop = world.loop;
    for (let i = 0; i < pending; i++) loop.callLater(LONG[i]!, noop);
    settleSetup();
    const t0 = now();
    for (let i = 0; i < STEPS; i++) await sleep(1);
    elapsed = now() - t0;
  });
  return elapsed;
}

/** fake-timers: a 1 ms heartbeat chain and `pending` long timers, stepped by tick(1). */
function peer(pending: number, ticks: number): number {
  const clock = FakeTimers.createClock(0, 1e9);
  for (let i = 0; i < pending; i++) clock.setTimeout(noop, LONG[i]!);
  let beats = 0;
  const heartbeat = (): void => {
    beats++;
    clock.setTimeout(heartbeat, 1);
  };
  clock.setTimeout(heartbeat, 1);
  settleSetup();
  const t0 = now();
  for (let i = 0; i < ticks; i++) clock.tick(1);
  const elapsed = now() - t0;
  if (beats !== ticks) throw new Error(`fake-timers ran ${beats} heartbeats for ${ticks} ticks`);
  return elapsed;
}

export const timeStepping: Benchmark = {
  name: NAME,
  title: `advance(1) x ${STEPS} with a 1 ms heartbeat and ${PENDING} long timers pending vs fake-timers tick(1) (us per step)`,
  async run(): Promise<Row[]> {
    const rows: Row[] = [];
    const emit = (r: Row): void => {
      printRow(r);
      rows.push(r);
    };
    const [peerPending, cbPending, cbNone, taskPending, jumpPending] = await compare(
      [
        () => peer(PENDING, PEER_TICKS),
        () => oursFromCallback(PENDING),
        () => oursFromCallback(0),
        () => oursTaskAdvance(PENDING),
        () => oursAutoJump(PENDING),
      ],
      // A 1e4-step run is short: the task shapes need a few runs before the JIT has them (19 -> 7 us/step).
      { warmup: 3, repeats: 5 },
    );
    const [peerNone, taskNone, jumpNone] = await compare(
      [() => peer(0, STEPS), () => oursTaskAdvance(0), () => oursAutoJump(0)],
      { warmup: 3, repeats: 5 },
    );
    const pp = usPer(peerPending!, PEER_TICKS);
    const pn = usPer(peerNone!, STEPS);
    const perStep = (ms: number): number => usPer(ms, STEPS);
    emit(speedRow(NAME, `advance from callback, ${PENDING} pending`, 'us/step', 'fake-timers', pp, perStep(cbPending!), { min: 100 }));
    const own = perStep(cbPending!) / perStep(cbNone!);
    emit({
      bench: NAME,
      case: 'advance from callback: 1e5 pending vs none',
      unit: 'us/step',
      peerName: 'ours, none pending',
      peer: perStep(cbNone!),
      ours: perStep(cbPending!),
      ratio: own,
      ratioLabel: 'x own cost',
      goal: '<= 3x own cost',
      pass: own <= 3,
    });
    emit(speedRow(NAME, 'advance from callback, none pending', 'us/step', 'fake-timers', pn, perStep(cbNone!), null));
    emit(speedRow(NAME, `task: advance + await sleep(1), ${PENDING} pending`, 'us/step', 'fake-timers', pp, perStep(taskPending!), null));
    emit(speedRow(NAME, 'task: advance + await sleep(1), none pending', 'us/step', 'fake-timers', pn, perStep(taskNone!), null));
    emit(speedRow(NAME, `task: autoJump await sleep(1), ${PENDING} pending`, 'us/step', 'fake-timers', pp, perStep(jumpPending!), null));
    emit(speedRow(NAME, 'task: autoJump await sleep(1), none pending', 'us/step', 'fake-timers', pn, perStep(jumpNone!), null));
    return rows;
  },
};
