/**
 * The simulated network's TCP guarantee: one connection never reorders,
 * loses or duplicates bytes unless it is reset, whatever the link's latency,
 * jitter, bandwidth and buffer sizes, the writer's chunking, the reader's
 * pauses, partitions that come and heal while bytes are in flight, and the
 * scheduling strategy.
 * fast-check prints the seed and path of a failing case (replay with
 * FC_SEED / FC_PATH, see support/params.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Protocol, simulate, sleep, type Transport } from '../src/index.js';
import { params } from './support/params.js';

interface Case {
  seed: number;
  strategy: 'fifo' | 'random' | 'pct';
  latency: number;
  jitter: number;
  bandwidth: number;
  sendBuffer: number;
  recvBuffer: number;
  /** Sizes of the writes, in order. */
  chunks: number[];
  /** ms to sleep after each write (0: none), cycled. */
  gaps: number[];
  /** The reader pauses at these ms and resumes `pauseFor` later. */
  pauses: number[];
  pauseFor: number;
  /** A partition starts at this ms (null: none) and heals `partitionFor` later. */
  partitionAt: number | null;
  partitionFor: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  seed: fc.integer(),
  strategy: fc.constantFrom('fifo' as const, 'random' as const, 'pct' as const),
  latency: fc.integer({ min: 0, max: 50 }),
  jitter: fc.integer({ min: 0, max: 50 }),
  bandwidth: fc.oneof(fc.constant(Infinity), fc.integer({ min: 2_000, max: 5_000_000 })),
  sendBuffer: fc.integer({ min: 2_048, max: 300_000 }),
  recvBuffer: fc.integer({ min: 2_048, max: 300_000 }),
  chunks: fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 30 }),
  gaps: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 5 }),
  pauses: fc.array(fc.integer({ min: 0, max: 2_000 }), { maxLength: 3 }),
  pauseFor: fc.integer({ min: 1, max: 500 }),
  partitionAt: fc.option(fc.integer({ min: 0, max: 1_000 }), { nil: null }),
  partitionFor: fc.integer({ min: 1, max: 3_000 }),
});

/** Byte i of the stream: a pattern in which a moved, lost or repeated run shows. */
const byteAt = (i: number): number => (i * 7 + (i >> 8)) & 0xff;

class Sink extends Protocol {
  transport: Transport | null = null;
  readonly chunks: Uint8Array[] = [];
  lostWith: Error | null | undefined = undefined;
  override connectionMade(t: Transport): void {
    this.transport = t;
  }
  override dataReceived(d: Uint8Array): void {
    this.chunks.push(Uint8Array.from(d));
  }
  override eofReceived(): boolean {
    return false;
  }
  override connectionLost(e: Error | null): void {
    this.lostWith = e;
  }
}

async function runCase(c: Case): Promise<{ sent: Buffer; got: Buffer; lost: Error | null | undefined }> {
  return simulate(
    async (world) => {
      const loop = world.loop;
      const net = world.network;
      net.link('127.0.0.1', '10.0.0.1', { latency: c.latency, jitter: c.jitter, bandwidth: c.bandwidth, sendBuffer: c.sendBuffer, recvBuffer: c.recvBuffer });
      const sinks: Sink[] = [];
      const server = await loop.createServer(
        () => {
          const s = new Sink();
          sinks.push(s);
          return s;
        },
        '10.0.0.1',
        9000,
      );
      const [t] = await loop.createConnection(() => new Protocol(), '10.0.0.1', 9000);
      const start = loop.time();
      for (const at of c.pauses) {
        loop.callAt(start + at, () => sinks[0]?.transport?.pauseReading());
        loop.callAt(start + at + c.pauseFor, () => sinks[0]?.transport?.resumeReading());
      }
      if (c.partitionAt !== null) {
        loop.callAt(start + c.partitionAt, () => net.partition('127.0.0.1', '10.0.0.1'));
        loop.callAt(start + c.partitionAt + c.partitionFor, () => net.heal());
      }
      const total = c.chunks.reduce((a, b) => a + b, 0);
      const sent = Buffer.alloc(total);
      for (let i = 0; i < total; i++) sent[i] = byteAt(i);
      let off = 0;
      for (let k = 0; k < c.chunks.length; k++) {
        const n = c.chunks[k]!;
        t.write(sent.subarray(off, off + n));
        off += n;
        const gap = c.gaps[k % c.gaps.length]!;
        if (gap > 0) await sleep(gap);
      }
      t.close();
      // Everything must arrive, EOF included, once pauses and partitions are over.
      while (sinks[0]?.lostWith === undefined) await sleep(100);
      server.close();
      await server.waitClosed();
      return { sent, got: Buffer.concat(sinks[0]!.chunks), lost: sinks[0]!.lostWith };
    },
    { seed: c.seed, strategy: c.strategy },
  );
}

describe('simulated TCP keeps a connection\'s bytes', () => {
  it('one TCP connection never reorders, loses or repeats bytes without a reset, whatever latency, jitter, bandwidth, buffers, chunking, reader pauses, partitions and scheduling strategy', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const { sent, got, lost } = await runCase(c);
        expect(lost).toBeNull();
        expect(got.length).toBe(sent.length);
        expect(got.equals(sent)).toBe(true);
      }),
      params(120),
    );
  });
});
