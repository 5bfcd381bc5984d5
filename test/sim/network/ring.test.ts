import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkQueue } from '../../../src/backends/sim/network/chunk-queue.js';
import { Ring } from '../../../src/backends/sim/network/ring.js';

type Op = { op: 'push'; v: number } | { op: 'shift' } | { op: 'set'; i: number; v: number } | { op: 'clear' };

const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('push' as const), v: fc.integer() }),
    fc.record({ op: fc.constant('shift' as const) }),
    fc.record({ op: fc.constant('set' as const), i: fc.nat(40), v: fc.integer() }),
    fc.record({ op: fc.constant('clear' as const) }),
  ),
  { maxLength: 300 },
);

describe('Ring', () => {
  it('behaves as an array used as a FIFO, across growth, wrap-around and clear', () => {
    fc.assert(
      fc.property(ops, (list: Op[]) => {
        const ring = new Ring<number>();
        const model: number[] = [];
        for (const o of list) {
          if (o.op === 'push') {
            ring.push(o.v);
            model.push(o.v);
          } else if (o.op === 'shift') {
            expect(ring.shift()).toBe(model.shift());
          } else if (o.op === 'set') {
            if (o.i < model.length) {
              ring.setAt(o.i, o.v);
              model[o.i] = o.v;
            }
          } else {
            ring.clear();
            model.length = 0;
          }
          expect(ring.size).toBe(model.length);
          for (let i = 0; i <= model.length; i++) expect(ring.at(i)).toBe(model[i]);
        }
      }),
    );
  });
});

describe('ChunkQueue', () => {
  const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

  it('take(n) joins chunks into up to n bytes, in order', () => {
    const q = new ChunkQueue();
    q.push(bytes(1, 2));
    q.push(bytes(3, 4, 5));
    expect([...q.take(4)]).toEqual([1, 2, 3, 4]);
    expect(q.bytes).toBe(1);
    expect([...q.take(10)]).toEqual([5]);
    expect(q.take(1).length).toBe(0);
  });

  it('takeChunk(max) hands back the first chunk itself, or its first max bytes, without copying', () => {
    const q = new ChunkQueue();
    const a = bytes(1, 2, 3);
    q.push(a);
    q.push(bytes(4));
    const first = q.takeChunk(2)!;
    expect([...first]).toEqual([1, 2]);
    expect(first.buffer).toBe(a.buffer);
    const rest = q.takeChunk(100)!;
    expect([...rest]).toEqual([3]);
    expect(rest.buffer).toBe(a.buffer);
    expect([...q.takeChunk(100)!]).toEqual([4]);
    expect(q.takeChunk(1)).toBeUndefined();
    expect(q.bytes).toBe(0);
  });
});
