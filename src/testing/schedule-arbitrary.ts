import fc from 'fast-check';
import { decisionsArbitrary } from '../explore/shrink.js';
import { trimDecisions, type Decisions } from '../schedule/decisions.js';
import { normalizeSeed } from '../schedule/prng.js';
import { Schedule } from '../schedule/schedule.js';

/** The world's draw streams a generated schedule decides: link jitter and the UDP faults. */
export const SCHEDULE_DRAW_STREAMS: readonly string[] = Object.freeze(['jitter', 'loss', 'duplicate', 'reorder']);

/** Options of `scheduleArbitrary`. */
export interface ScheduleArbitraryOptions {
  /** Every generated schedule has this seed (default: an integer, generated, shrinking toward 0). */
  seed?: number | string;
  /** At most this many picks (which ready origin runs next); later steps take the FIFO order. Default: no cap. */
  maxPicks?: number;
  /** At most this many draws per stream (jitter, loss, duplicate, reorder); later draws take their target. Default: no cap. */
  maxDraws?: number;
}

function checkCap(value: unknown, name: string): number {
  if (value === undefined) return Infinity;
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`scheduleArbitrary: ${name} must be a number, got ${value === null ? 'null' : typeof value}`);
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`scheduleArbitrary: ${name} must be an integer >= 0, got ${value}`);
  return value;
}

/**
 * A fast-check Arbitrary of `Schedule`s, for `fc.asyncProperty`: pass the
 * value as a world's `strategy` (`simulate(scenario, { strategy: s })`). One
 * value always gives the same run. Values shrink as the explorer's shrinker
 * does: toward fewer decisions, each toward its target (the oldest ready
 * origin, no jitter, no fault), so a counterexample shrinks toward the FIFO
 * order, and the seed toward 0. How many decisions are generated follows
 * fast-check's size (`fc.configureGlobal({ baseSize })`); `maxPicks` and
 * `maxDraws` cap them, as fast-check's `maxLength` does.
 */
export function scheduleArbitrary(opts: ScheduleArbitraryOptions = {}): fc.Arbitrary<Schedule> {
  if (opts === null || typeof opts !== 'object') throw new TypeError('scheduleArbitrary: opts must be an object');
  const maxPicks = checkCap(opts.maxPicks, 'maxPicks');
  const maxDraws = checkCap(opts.maxDraws, 'maxDraws');
  const seed = opts.seed === undefined ? fc.nat() : fc.constant(normalizeSeed(opts.seed, 'scheduleArbitrary'));
  const decisions = decisionsArbitrary(SCHEDULE_DRAW_STREAMS);
  return fc.tuple(seed, decisions).map(([s, d]) => new Schedule(s, cap(d, maxPicks, maxDraws)));
}

/** The first `maxPicks` picks and `maxDraws` draws of each stream, trailing targets dropped (they are implied). */
function cap(d: Decisions, maxPicks: number, maxDraws: number): Decisions {
  const draws: Record<string, readonly number[]> = {};
  for (const k of Object.keys(d.draws)) draws[k] = d.draws[k]!.slice(0, maxDraws);
  return trimDecisions({ picks: d.picks.slice(0, maxPicks), draws });
}
