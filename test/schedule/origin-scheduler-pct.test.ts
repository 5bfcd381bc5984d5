import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TaskRef } from '../../src/loop/context.js';
import { Handle, HandleKind, type HandleOwner } from '../../src/loop/handle.js';
import { RandomChooser } from '../../src/schedule/chooser.js';
import { DecisionLog } from '../../src/schedule/decisions.js';
import { OriginScheduler } from '../../src/schedule/origin-scheduler.js';
import { PctPlanner } from '../../src/schedule/pct.js';
import { Prng } from '../../src/schedule/prng.js';
import { drive, ReferenceScheduler } from './reference-scheduler.js';

const owner: HandleOwner = { _timerHandleCancelled: () => {} };
const noop = (): void => {};

/** Handle number `n` of `origin`; origins 0..3 run steps of tasks 0..3 (PCT gives them those tasks' priorities), the others are plain callbacks. */
function make(origin: number, n: number): Handle {
  const label = `${origin}:${n}`;
  const h =
    origin < 4
      ? new Handle(noop, [label], owner, { _originId: origin } as unknown as TaskRef, true, HandleKind.Step)
      : new Handle(noop, [label], owner, null);
  h._origin = origin;
  h._seq = n;
  return h;
}

const labelOf = (h: Handle): string => h._args[0] as string;

const origin = fc.nat({ max: 9 });
const program = fc.record({
  batches: fc.array(
    fc.record({ before: fc.array(origin, { maxLength: 30 }), during: fc.array(fc.array(origin, { maxLength: 3 }), { maxLength: 8 }) }),
    { minLength: 1, maxLength: 8 },
  ),
  seed: fc.nat(),
  depth: fc.integer({ min: 1, max: 5 }),
  expectedSteps: fc.integer({ min: 1, max: 60 }),
  // Small limits reach the starvation rule in programs this size.
  limit: fc.constantFrom(4, 16, 1024),
});

describe('OriginScheduler under PCT', () => {
  it('runs the ready head of highest priority (the oldest when it waited past the starvation limit) and records its index in the origins array, as the encoding says', () => {
    fc.assert(
      fc.property(program, ({ batches, seed, depth, expectedSteps, limit }) => {
        const planner = (): PctPlanner => new PctPlanner(new Prng(`pct-${seed}`), depth, expectedSteps);
        const log = new DecisionLog();
        const ours = new OriginScheduler(new RandomChooser(`s${seed}`, log), planner(), limit);
        const reference = new ReferenceScheduler([], planner(), limit);
        expect(drive(ours, { batches }, make, labelOf)).toEqual(drive(reference, { batches }, make, labelOf));
        expect(log.snapshot().picks).toEqual(reference.picks);
      }),
      { numRuns: 300 },
    );
  });
});
