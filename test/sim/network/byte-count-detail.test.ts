import { describe, expect, it } from 'vitest';
import { ByteCountDetail } from '../../../src/backends/sim/network/byte-count-detail.js';

describe('ByteCountDetail', () => {
  it('gives the text formatting afresh would, for counts repeated, alternating or new', () => {
    const d = new ByteCountDetail('conn#1 127.0.0.1:1 -> 127.0.0.1:2');
    for (const n of [64, 64, 1, 64, 1, 7, 64, 65536, 7, 0]) expect(d.of(n)).toBe(`conn#1 127.0.0.1:1 -> 127.0.0.1:2 ${n}B`);
  });

  it('hands back the same string while a count repeats (no string per event)', () => {
    const d = new ByteCountDetail('t');
    expect(d.of(64)).toBe(d.of(64));
  });
});
