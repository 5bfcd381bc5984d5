import fc from 'fast-check';
import { DRAW_RANGE, trimDecisions, type Decisions } from '../schedule/decisions.js';

/**
 * The fast-check arbitrary of decision lists with the given draw streams:
 * arrays of integers that shrink toward shorter lists and toward 0, that is,
 * toward the FIFO order and a network without jitter or faults.
 */
export function decisionsArbitrary(streams: readonly string[]): fc.Arbitrary<Decisions> {
  const draws: Record<string, fc.Arbitrary<number[]>> = {};
  for (const k of streams) draws[k] = fc.array(fc.nat({ max: DRAW_RANGE - 1 }));
  return fc.record({ picks: fc.array(fc.nat()), draws: fc.record(draws) }) as unknown as fc.Arbitrary<Decisions>;
}

/**
 * Shrink a failing decision list with fast-check's shrinker: take the first
 * smaller candidate that still fails, and shrink from it again, until none
 * does or `budget` candidate runs are spent. Returns the smallest failing list
 * found and the number of runs it took.
 */
export async function shrinkDecisions(
  failing: Decisions,
  stillFails: (candidate: Decisions) => Promise<boolean>,
  budget: number,
): Promise<{ decisions: Decisions; runs: number }> {
  const streams = Object.keys(failing.draws);
  const arb = decisionsArbitrary(streams);
  // The arbitrary's shape (every stream present) is kept while shrinking; runs get the trimmed form.
  const full = (d: Decisions): Decisions => {
    const draws: Record<string, readonly number[]> = {};
    for (const k of streams) draws[k] = [...(d.draws[k] ?? [])];
    return { picks: [...d.picks], draws };
  };
  let current = full(trimDecisions(failing));
  let runs = 0;
  for (;;) {
    let improved = false;
    for (const candidate of arb.shrink(current as never, undefined)) {
      if (runs >= budget) return { decisions: trimDecisions(current), runs };
      runs++;
      const value = candidate.value as Decisions;
      if (await stillFails(trimDecisions(value))) {
        current = full(value);
        improved = true;
        break;
      }
    }
    if (!improved) return { decisions: trimDecisions(current), runs };
  }
}
