import { describe, expect, it } from 'vitest';
import { ChunkQueue } from '../../../src/backends/sim/network/chunk-queue.js';

const bytes = (n: number, fill = 0): Uint8Array => new Uint8Array(n).fill(fill);

describe('ChunkQueue with charged chunks', () => {
  it('counts a charged chunk for its charge, and a plain one for its length', () => {
    const q = new ChunkQueue();
    q.push(bytes(10));
    q.pushCharged(bytes(100), 7);
    q.pushCharged(bytes(50), 0);
    expect(q.charged).toBe(true);
    expect(q.bytes).toBe(17);
    expect(q.size).toBe(3);
  });

  it('takeSegment joins whole chunks up to the limit and reports their charge', () => {
    const q = new ChunkQueue();
    q.pushCharged(bytes(30, 1), 20);
    q.pushCharged(bytes(30, 2), 20);
    q.pushCharged(bytes(30, 3), 20);
    const seg = q.takeSegment(45, false)!;
    expect([...seg]).toEqual([...bytes(30, 1), ...bytes(30, 2)]);
    expect(q.segmentCharge).toBe(40);
    expect(q.bytes).toBe(20);
  });

  it('never splits a charged chunk: one over the limit waits, or goes alone when forced', () => {
    const q = new ChunkQueue();
    q.pushCharged(bytes(30), 100);
    expect(q.takeSegment(50, false)).toBeNull();
    expect(q.takeSegment(50, true)!.length).toBe(30);
    expect(q.segmentCharge).toBe(100);
    expect(q.size).toBe(0);
  });

  it('lets chunks of charge 0 through even when the limit is used up', () => {
    const q = new ChunkQueue();
    q.pushCharged(bytes(5, 1), 0);
    q.pushCharged(bytes(5, 2), 10);
    const seg = q.takeSegment(0, false)!;
    expect([...seg]).toEqual([...bytes(5, 1)]);
    expect(q.segmentCharge).toBe(0);
    expect(q.bytes).toBe(10);
  });

  it('splits a plain chunk queued before the charged ones to fill the limit', () => {
    const q = new ChunkQueue();
    q.push(bytes(10, 1));
    q.pushCharged(bytes(40), 40);
    expect(q.takeSegment(6, false)!.length).toBe(6);
    expect(q.segmentCharge).toBe(6);
    expect(q.takeSegment(100, false)!.length).toBe(4 + 40);
    expect(q.segmentCharge).toBe(44);
  });

  it('moveChunkTo moves a charged chunk whole with its charge, and splits a plain one at max', () => {
    const from = new ChunkQueue();
    const to = new ChunkQueue();
    from.push(bytes(10));
    from.pushCharged(bytes(30), 3);
    from.moveChunkTo(to, 4);
    from.moveChunkTo(to, 100);
    from.moveChunkTo(to, 1);
    expect(to.bytes).toBe(4 + 6 + 3);
    expect(from.size).toBe(0);
    expect(from.bytes).toBe(0);
    expect(to.shift()!.length).toBe(4);
    expect(to.shift()!.length).toBe(6);
    expect(to.shift()!.length).toBe(30);
    expect(to.bytes).toBe(0);
  });
});
