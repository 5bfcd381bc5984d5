/**
 * What the explore benchmarks share: races written once and run by both
 * peers, so that simloop's explorer and fast-check's `fc.scheduler` test the
 * same logic, and the medians and censored figures they report.
 *
 * A race gets two primitives: `pause()`, one scheduling point (in simloop
 * `await sleep(0)`, a bare yield to the loop; under `fc.scheduler` a scheduled
 * promise, `s.schedule(Promise.resolve())`), and `spawn(body)`, a concurrent
 * task (simloop `createTask`; for fast-check the body is simply called, as
 * its examples do).
 */
import fc from 'fast-check';
import { createTask, sleep } from '../src/index.js';
import type { Scenario } from '../src/explore/run-once.js';

/** One race, for either peer: starts its tasks and returns them with the check to run once they are done. */
export type Race = (
  pause: () => PromiseLike<unknown>,
  spawn: (body: () => Promise<void>) => PromiseLike<void>,
) => { tasks: PromiseLike<void>[]; check: () => void };

/** The race as a simloop scenario: each pause is `await sleep(0)`, each task a `createTask`. */
export function simScenario(race: Race): Scenario {
  return async () => {
    const { tasks, check } = race(
      () => sleep(0),
      (body) => createTask(body),
    );
    for (const t of tasks) await t;
    check();
  };
}

/**
 * The race as a fast-check property over `fc.scheduler()`: each pause is a
 * scheduled promise, and `waitAll()` releases them one at a time in the
 * scheduler's order (including those scheduled by released ones).
 */
export function fcProperty(race: Race): fc.IAsyncPropertyWithHooks<[fc.Scheduler]> {
  return fc.asyncProperty(fc.scheduler(), async (s) => {
    const { tasks, check } = race(
      () => s.schedule(Promise.resolve()),
      (body) => body(),
    );
    await s.waitAll();
    await Promise.all(tasks);
    check();
  });
}

/**
 * Bug-free: two tasks, each pausing then incrementing a shared counter
 * (read and write in one step) three times; the counter must end at 6.
 */
export const fixedCounter: Race = (pause, spawn) => {
  let x = 0;
  const body = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) {
      await pause();
      const r = x;
      x = r + 1;
    }
  };
  const tasks = [spawn(body), spawn(body)];
  return {
    tasks,
    check: () => {
      if (x !== 6) throw new Error(`fixed counter: ended at ${x}, expected 6`);
    },
  };
};

/**
 * The brief's rare race, a lost update: A pauses 8 extra times, then reads,
 * pauses, and writes back; B reads, pauses, writes back. It fails only when
 * the two read-write windows overlap: B's task, though ready, waits while A
 * takes nine steps (or B's first step waits until A has read).
 */
export const rareLostUpdate: Race = (pause, spawn) => {
  let x = 0;
  const a = spawn(async () => {
    for (let i = 0; i < 8; i++) await pause();
    const r = x;
    await pause();
    x = r + 1;
  });
  const b = spawn(async () => {
    const r = x;
    await pause();
    x = r + 1;
  });
  return {
    tasks: [a, b],
    check: () => {
      if (x !== 2) throw new Error(`lost update: x is ${x}, expected 2`);
    },
  };
};

/**
 * A and B each pause and count nine times; after each count B checks
 * `stillFast(a, b)` and leaves its (broken) fast path as soon as it fails.
 * The race fails when B stays on the fast path all the way.
 */
function fastPathRace(stillFast: (a: number, b: number) => boolean, what: string): Race {
  return (pause, spawn) => {
    let a = 0;
    let b = 0;
    let fastPath = false;
    const ta = spawn(async () => {
      for (let i = 0; i < 9; i++) {
        await pause();
        a++;
      }
    });
    const tb = spawn(async () => {
      for (let i = 0; i < 9; i++) {
        await pause();
        b++;
        if (!stillFast(a, b)) return;
      }
      fastPath = true;
    });
    return {
      tasks: [ta, tb],
      check: () => {
        if (fastPath) throw new Error(`B ran ${what} at every step and took the broken fast path`);
      },
    };
  };
}

/**
 * A rare race: B's fast path holds while B is ahead of A (`b > a`), so it
 * fails when B stays ahead at all nine of its counts.
 */
export const aheadRace: Race = fastPathRace((a, b) => b > a, 'ahead of A');

/**
 * The same with a stricter trigger: B exactly one step ahead (`b === a + 1`)
 * at each count, which needs strict alternation of the two tasks.
 */
export const oneAheadRace: Race = fastPathRace((a, b) => b === a + 1, 'exactly one step ahead of A');

/**
 * `race` among `count` bystander tasks that pause `pauses` times each: a
 * random failing schedule then makes many non-FIFO picks that have nothing to
 * do with the bug, which shrinking should remove.
 */
export function withBystanders(race: Race, count: number, pauses: number): Race {
  return (pause, spawn) => {
    const inner = race(pause, spawn);
    const tasks = [...inner.tasks];
    for (let k = 0; k < count; k++) {
      tasks.push(
        spawn(async () => {
          for (let i = 0; i < pauses; i++) await pause();
        }),
      );
    }
    return { tasks, check: inner.check };
  };
}
