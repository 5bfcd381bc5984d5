import { describe, expect, it } from 'vitest';
import { FifoScheduler, Handle } from '../../src/index.js';

const owner = { _timerHandleCancelled() {} };
const handle = (n: number): Handle => {
  const h = new Handle(() => n, [], owner, null);
  h._seq = n;
  return h;
};

describe('FifoScheduler', () => {
  it('does not track origins', () => {
    expect(new FifoScheduler().tracksOrigins).toBe(false);
  });

  it('gives handles back in the order they were pushed', () => {
    const s = new FifoScheduler();
    const hs = Array.from({ length: 10 }, (_, i) => handle(i));
    for (const h of hs) s.push(h);
    expect(s.size).toBe(10);
    const batch = s.startBatch();
    expect(batch).toBe(10);
    expect(Array.from({ length: batch }, () => s.next())).toEqual(hs);
    expect(s.size).toBe(0);
  });

  it('freezes a batch: handles pushed during it come after it', () => {
    const s = new FifoScheduler();
    s.push(handle(1));
    s.push(handle(2));
    const batch = s.startBatch();
    const first = s.next();
    s.push(handle(3));
    expect(batch).toBe(2);
    expect(first._seq).toBe(1);
    expect(s.next()._seq).toBe(2);
    expect(s.startBatch()).toBe(1);
    expect(s.next()._seq).toBe(3);
  });

  it('keeps FIFO order while it grows and wraps around its ring buffer', () => {
    const s = new FifoScheduler();
    const out: number[] = [];
    let n = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 37; i++) s.push(handle(n++));
      for (let i = 0; i < 23; i++) out.push(s.next()._seq);
    }
    while (s.size > 0) out.push(s.next()._seq);
    expect(out).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('clear() drops everything', () => {
    const s = new FifoScheduler();
    for (let i = 0; i < 100; i++) s.push(handle(i));
    s.clear();
    expect(s.size).toBe(0);
    expect(s.startBatch()).toBe(0);
    s.push(handle(7));
    expect(s.next()._seq).toBe(7);
  });
});
