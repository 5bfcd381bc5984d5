import { describe, expect, it } from 'vitest';
import { asBuffer, copyBytes } from '../../../src/io/streams/bytes.js';
import { ByteBuffer } from '../../../src/io/streams/byte-buffer.js';

describe('asBuffer', () => {
  it('returns a Buffer as it is', () => {
    const b = Buffer.from('abc');
    expect(asBuffer(b)).toBe(b);
  });

  it('views a large plain Uint8Array in place: the same memory, no copy', () => {
    const u = new Uint8Array(1000).fill(7);
    const b = asBuffer(u.subarray(10, 500));
    expect(Buffer.isBuffer(b)).toBe(true);
    expect(b.buffer).toBe(u.buffer);
    expect(b.byteOffset).toBe(10);
    expect(b.length).toBe(490);
  });

  it('copies a small plain Uint8Array (V8 keeps it inside the heap, where a view would move it out first) with the same bytes', () => {
    const u = Uint8Array.from([1, 2, 3, 4]);
    const b = asBuffer(u.subarray(1));
    expect(Buffer.isBuffer(b)).toBe(true);
    expect([...b]).toEqual([2, 3, 4]);
  });
});

describe('copyBytes', () => {
  it('returns a Buffer of its own: later writes to the source do not show', () => {
    const u = Uint8Array.from([1, 2, 3]);
    const c = copyBytes(u);
    u[0] = 9;
    expect(Buffer.isBuffer(c)).toBe(true);
    expect([...c]).toEqual([1, 2, 3]);
  });
});

describe('ByteBuffer.adopt of a small plain Uint8Array', () => {
  it('takes back exactly its bytes, as Buffers', () => {
    const b = new ByteBuffer();
    b.adopt(Uint8Array.from([10, 20, 30, 40]));
    const first = b.take(3);
    expect(Buffer.isBuffer(first)).toBe(true);
    expect([...first]).toEqual([10, 20, 30]);
    expect([...b.take(5)]).toEqual([40]);
  });
});
