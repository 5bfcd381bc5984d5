import { describe, expect, it } from 'vitest';
import { ByteBuffer } from '../../../src/io/streams/byte-buffer.js';
import { simulate, StreamReader, StreamReaderProtocol, SubprocessStreamProtocol } from '../../../src/index.js';

/** Bytes in memory of their own (small Buffer.from results share Node's pool, which would hide a copy). */
const bytes = (s: string): Buffer => {
  const u = new TextEncoder().encode(s);
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
};

describe('ByteBuffer.adopt', () => {
  it('keeps a chunk adopted into an empty buffer and takes views of it, not copies', () => {
    const b = new ByteBuffer();
    const chunk = bytes('abcdef');
    b.adopt(chunk);
    const first = b.take(2);
    expect(first.buffer).toBe(chunk.buffer);
    expect(first.toString()).toBe('ab');
    expect(b.take(10).toString()).toBe('cdef');
    expect(b.length).toBe(0);
  });

  it('copies a chunk adopted behind buffered bytes, and later appends never write into an adopted chunk', () => {
    const b = new ByteBuffer();
    const chunk = bytes('abcd');
    b.adopt(chunk);
    b.adopt(bytes('efgh'));
    b.append(bytes('ijkl'.repeat(3000)));
    expect(chunk.toString()).toBe('abcd');
    expect(b.take(8).toString()).toBe('abcdefgh');
    expect(b.length).toBe(12000);
  });

  it('gives back exactly the bytes adopted and appended, in order, through any mix of the two', () => {
    const b = new ByteBuffer();
    const reference: number[] = [];
    let next = 0;
    for (let round = 0; round < 2000; round++) {
      const n = (round * 7919) % 3001;
      const chunk = Buffer.alloc(n);
      for (let i = 0; i < n; i++) chunk[i] = (next++ * 31) & 0xff;
      if (round % 3 === 0) b.append(chunk);
      else b.adopt(chunk);
      reference.push(...chunk);
      const got = b.take((round * 104729) % 3500);
      const want = reference.splice(0, got.length);
      expect(Buffer.compare(got, Buffer.from(want))).toBe(0);
      expect(b.length).toBe(reference.length);
    }
  });
});

describe('StreamReader fed by its protocol', () => {
  it('hands out the bytes a transport delivered without copying them when the reader keeps up', async () => {
    await simulate(async () => {
      const reader = new StreamReader();
      const protocol = new StreamReaderProtocol(reader);
      const chunk = bytes('hello');
      protocol.dataReceived(chunk);
      const got = await reader.read(100);
      expect(got.buffer).toBe(chunk.buffer);
      expect(got.toString()).toBe('hello');
    });
  });

  it("hands out a subprocess pipe's chunk without copying it (Process stdout and stderr)", async () => {
    await simulate(async (world) => {
      const protocol = new SubprocessStreamProtocol(1024, world.loop);
      protocol.stdout = new StreamReader();
      protocol.stderr = new StreamReader();
      const out = bytes('out');
      const err = bytes('err');
      protocol.pipeDataReceived(1, out);
      protocol.pipeDataReceived(2, err);
      const gotOut = await protocol.stdout.read(100);
      const gotErr = await protocol.stderr.read(100);
      expect(gotOut.buffer).toBe(out.buffer);
      expect(gotErr.buffer).toBe(err.buffer);
      expect([gotOut.toString(), gotErr.toString()]).toEqual(['out', 'err']);
    });
  });

  it('copies what feedData is given, so the caller may reuse its buffer', async () => {
    await simulate(async () => {
      const reader = new StreamReader();
      const mine = bytes('hello');
      reader.feedData(mine);
      mine.fill(0);
      expect((await reader.read(100)).toString()).toBe('hello');
    });
  });
});
