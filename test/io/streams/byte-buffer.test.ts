import { describe, expect, it } from 'vitest';
import { ByteBuffer } from '../../../src/io/streams/byte-buffer.js';

describe('ByteBuffer', () => {
  it('gives back exactly the bytes appended, in order, through many appends and takes', () => {
    const b = new ByteBuffer();
    const reference: number[] = [];
    let next = 0;
    // A deterministic mix of sizes that forces growth, compaction and emptying.
    for (let round = 0; round < 2000; round++) {
      const n = (round * 7919) % 3001;
      const chunk = new Uint8Array(n);
      for (let i = 0; i < n; i++) chunk[i] = (next++ * 31) & 0xff;
      b.append(chunk);
      reference.push(...chunk);
      const take = (round * 104729) % 3500;
      const got = b.take(take);
      const want = reference.splice(0, take);
      expect(got.length).toBe(want.length);
      expect(Buffer.compare(got, Buffer.from(want))).toBe(0);
      expect(b.length).toBe(reference.length);
    }
  });

  it('finds a needle from an offset, relative to the unread front', () => {
    const b = new ByteBuffer();
    b.append(Buffer.from('xxabcabc'));
    b.skip(2);
    expect(b.indexOf(Buffer.from('abc'), 0)).toBe(0);
    expect(b.indexOf(Buffer.from('abc'), 1)).toBe(3);
    expect(b.indexOf(Buffer.from('zz'), 0)).toBe(-1);
    expect(b.startsWithAt(Buffer.from('ca'), 2)).toBe(true);
    expect(b.startsWithAt(Buffer.from('bcd'), 4)).toBe(false);
  });

  it('returns copies that later appends do not change', () => {
    const b = new ByteBuffer();
    b.append(Buffer.from('abcd'));
    const first = b.take(2);
    b.append(Buffer.from('efgh'.repeat(2000)));
    expect(first.toString()).toBe('ab');
  });
});
