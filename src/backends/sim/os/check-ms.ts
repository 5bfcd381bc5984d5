import { describeValue } from '../../../sync/describe-value.js';

/**
 * `ms` if it is a finite number of milliseconds >= 0 (a latency, a
 * duration); else a TypeError (not a number, NaN) or a RangeError (negative,
 * infinite) whose message starts with `what`.
 */
export function checkMs(ms: unknown, what: string): number {
  if (typeof ms !== 'number' || Number.isNaN(ms)) throw new TypeError(`${what} must be a number of ms, got ${describeValue(ms)}`);
  if (ms < 0 || !Number.isFinite(ms)) throw new RangeError(`${what} must be a finite number of ms >= 0, got ${ms}`);
  return ms;
}
