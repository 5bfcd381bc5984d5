import { describeValue } from '../sync/describe-value.js';

/** The default high-water mark of every transport's write buffer (asyncio's 64 KiB). */
export const DEFAULT_HIGH_WATER = 64 * 1024;

/**
 * asyncio's `_set_write_buffer_limits`: `high` defaults to 64 KiB (4 x `low`
 * when only `low` is given), `low` to a quarter of `high`. `TypeError` for a
 * non-number, `RangeError` unless high >= low >= 0. Shared by every
 * transport with a write buffer, so they all take the same marks.
 */
export function checkLimits(high: number | undefined | null, low: number | undefined | null): [high: number, low: number] {
  for (const [name, v] of [['high', high], ['low', low]] as const) {
    if (v !== undefined && v !== null && (typeof v !== 'number' || Number.isNaN(v))) {
      throw new TypeError(`setWriteBufferLimits: ${name} must be a number of bytes, got ${describeValue(v)}`);
    }
  }
  const h = high ?? (low != null ? 4 * low : DEFAULT_HIGH_WATER);
  const l = low ?? Math.floor(h / 4);
  if (!(h >= l && l >= 0)) throw new RangeError(`setWriteBufferLimits: high (${h}) must be >= low (${l}) must be >= 0`);
  return [h, l];
}
