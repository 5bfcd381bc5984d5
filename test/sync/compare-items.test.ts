import { describe, expect, it } from 'vitest';
import { compareItems } from '../../src/sync/compare-items.js';

const sign = (n: number): number => Math.sign(n);

describe('compareItems', () => {
  it('orders numbers numerically, bigints included, with -0 equal to 0', () => {
    expect(sign(compareItems(1, 2))).toBe(-1);
    expect(sign(compareItems(10, 9))).toBe(1);
    expect(compareItems(0, -0)).toBe(0);
    expect(sign(compareItems(1n, 1.5))).toBe(-1);
    expect(compareItems(2n, 2)).toBe(0);
    expect(sign(compareItems(-Infinity, -1e308))).toBe(-1);
  });

  it('orders strings by code point, as Python does, not by UTF-16 unit', () => {
    expect(sign(compareItems('a', 'b'))).toBe(-1);
    expect(sign(compareItems('ab', 'a'))).toBe(1);
    expect(compareItems('', '')).toBe(0);
    // U+1F600 (a surrogate pair in UTF-16) is above U+FFFD; JavaScript's `<` says otherwise.
    expect('\u{1F600}' < '\uFFFD').toBe(true);
    expect(sign(compareItems('\u{1F600}', '\uFFFD'))).toBe(1);
    expect(sign(compareItems('\uFFFD', '\u{1F600}'))).toBe(-1);
    expect(sign(compareItems('\u{1F600}', '\u{1F601}'))).toBe(-1);
  });

  it('orders arrays like tuples: the first unequal element decides, and a prefix comes first', () => {
    expect(sign(compareItems([1, 'b'], [1, 'c']))).toBe(-1);
    expect(sign(compareItems([2], [1, 'z']))).toBe(1);
    expect(sign(compareItems([1], [1, 0]))).toBe(-1);
    expect(compareItems([1, [2, 'x']], [1, [2, 'x']])).toBe(0);
    expect(sign(compareItems([1, [2, 'x']], [1, [2, 'y']]))).toBe(-1);
  });

  it('compares only up to the first unequal element, so later elements need not be comparable', () => {
    const a = { id: 'a' };
    const b = { id: 'b' };
    expect(sign(compareItems([1, a], [2, b]))).toBe(-1);
    // The same object is equal to itself, as in Python's tuple comparison.
    expect(sign(compareItems([1, a, 1], [1, a, 2]))).toBe(-1);
  });

  it('throws TypeError for pairs that have no order', () => {
    expect(() => compareItems(1, 'a')).toThrow(TypeError);
    expect(() => compareItems(1, 'a')).toThrow('PriorityQueue: cannot compare 1 with "a"');
    expect(() => compareItems([1], 1)).toThrow(TypeError);
    expect(() => compareItems({}, {})).toThrow(TypeError);
    expect(() => compareItems([1, {}], [1, {}])).toThrow(TypeError);
    expect(() => compareItems(true, false)).toThrow(TypeError);
    expect(() => compareItems(null, 1)).toThrow(TypeError);
    expect(() => compareItems(Number.NaN, 1)).toThrow(/NaN has no order/);
  });
});
