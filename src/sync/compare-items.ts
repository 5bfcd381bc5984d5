import { describeValue } from './describe-value.js';

/**
 * Orders two PriorityQueue items the way Python orders them: numbers (and
 * bigints) numerically, strings by code point, arrays element by element
 * like tuples (the first unequal pair decides; a prefix sorts first).
 * Returns a negative number, 0 or a positive number. Throws `TypeError`
 * for a pair Python could not order either (a number and a string, two
 * distinct objects, NaN), so `[priority, payload]` items work as long as
 * no two priorities tie, exactly as `(priority, payload)` tuples do.
 */
export function compareItems(a: unknown, b: unknown): number {
  // Identity first, as Python's tuple comparison does: an item compared
  // with itself is equal even when it could not be ordered.
  if (a === b) return 0;
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'number' && kb === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) throw incomparable(a, b, 'NaN has no order');
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  if (ka === 'string' && kb === 'string') return compareCodePoints(a as string, b as string);
  if (ka === 'array' && kb === 'array') {
    const xs = a as readonly unknown[];
    const ys = b as readonly unknown[];
    const n = Math.min(xs.length, ys.length);
    for (let i = 0; i < n; i++) {
      const c = compareItems(xs[i], ys[i]);
      if (c !== 0) return c;
    }
    return xs.length - ys.length;
  }
  throw incomparable(a, b, 'items must be numbers, strings, or arrays of them');
}

type Kind = 'number' | 'string' | 'array' | 'other';

function kindOf(v: unknown): Kind {
  const t = typeof v;
  if (t === 'number' || t === 'bigint') return 'number';
  if (t === 'string') return 'string';
  return Array.isArray(v) ? 'array' : 'other';
}

function incomparable(a: unknown, b: unknown, why: string): TypeError {
  return new TypeError(`PriorityQueue: cannot compare ${describeValue(a)} with ${describeValue(b)}: ${why}`);
}

/**
 * Compares by Unicode code point (Python's str order), not by UTF-16 code
 * unit (JavaScript's `<`): the two differ when a character above U+FFFF
 * (a surrogate pair) meets one in U+E000..U+FFFF.
 */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    // A surrogate starts a code point above U+FFFF, so it outranks any
    // non-surrogate unit whatever their numeric values.
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
