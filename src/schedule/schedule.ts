import { checkDecisions, decisionWeight, NO_DECISIONS, type Decisions } from './decisions.js';
import { normalizeSeed } from './prng.js';

/**
 * A schedule: a seed and the decisions of a run (which ready origin ran at
 * each step, each network draw). An immutable value: passed as a world's
 * `strategy`, it always gives the same run. Where its lists run out, every
 * later choice takes its target (the FIFO order, no jitter, no fault), and a
 * pick larger than the number of ready origins wraps around, so any value is
 * a valid schedule (what `scheduleArbitrary()` relies on).
 */
export class Schedule {
  readonly seed: string;
  readonly decisions: Decisions;

  constructor(seed: number | string = 0, decisions: Decisions = NO_DECISIONS) {
    this.seed = normalizeSeed(seed, 'Schedule');
    this.decisions = checkDecisions(decisions, 'Schedule');
    Object.freeze(this);
  }

  /** Decisions that differ from their target. */
  get weight(): number {
    return decisionWeight(this.decisions);
  }

  /** Readable: `Schedule(seed 7: picks [0, 2, 1], jitter [512])`. */
  toString(): string {
    const parts = [`picks [${this.decisions.picks.join(', ')}]`];
    for (const k of Object.keys(this.decisions.draws)) parts.push(`${k} [${this.decisions.draws[k]!.join(', ')}]`);
    return `Schedule(seed ${this.seed}: ${parts.join(', ')})`;
  }
}

/** True for a Schedule from either build. */
export function isSchedule(x: unknown): x is Schedule {
  return x instanceof Schedule || (x !== null && typeof x === 'object' && (x as { constructor?: { name?: string } }).constructor?.name === 'Schedule' && 'decisions' in x && 'seed' in x);
}
