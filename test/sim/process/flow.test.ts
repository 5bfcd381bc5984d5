import { describe, expect, it } from 'vitest';
import { PIPE, createSubprocessExec, simulate, sleep } from '../../../src/index.js';
import { cat, pattern } from './support.js';

const MB = 1024 * 1024;
const CHUNK = 16 * 1024;
const HIGH_WATER = 64 * 1024;

describe('SimProcesses: large transfers through the pipes, with backpressure', () => {
  it('delivers 1 MB of stdout intact to a slow reader, the handler waiting in drain() meanwhile', async () => {
    await simulate(async (world) => {
      const data = pattern(MB);
      let maxBuffered = 0;
      let waits = 0;
      let wroteAllAt = -1;
      world.processes.define('big', async ({ stdout }) => {
        for (let off = 0; off < data.length; off += CHUNK) {
          stdout.write(data.subarray(off, off + CHUNK));
          maxBuffered = Math.max(maxBuffered, stdout.transport.getWriteBufferSize());
          const t = world.loop.time();
          await stdout.drain();
          if (world.loop.time() > t) waits++;
        }
        wroteAllAt = world.loop.time();
      });
      const proc = await createSubprocessExec('big', [], { stdout: PIPE });
      const chunks: Uint8Array[] = [];
      let reads = 0;
      for (;;) {
        const c = await proc.stdout!.read(64 * 1024);
        if (c.length === 0) break;
        chunks.push(c);
        reads++;
        await sleep(10);
      }
      expect(Buffer.concat(chunks).equals(data)).toBe(true);
      expect(await proc.wait()).toBe(0);
      // The writer never ran more than one write past the high-water mark, and had to wait for the reader.
      expect(maxBuffered).toBeGreaterThan(HIGH_WATER);
      expect(maxBuffered).toBeLessThanOrEqual(HIGH_WATER + CHUNK);
      expect(waits).toBeGreaterThan(0);
      // The writer gets ahead of the reader by at most what the buffers hold: its own (80 KiB), the
      // pipe (64 KiB) and the reader's (pauses past 128 KiB, plus the pipe-full that crossed it): 6 reads.
      expect(wroteAllAt).toBeGreaterThanOrEqual((reads - 6) * 10);
    });
  });

  it('holds the parent back in stdin.drain() while the child reads slowly, and the child gets 1 MB intact', async () => {
    await simulate(async (world) => {
      const data = pattern(MB);
      const received: Uint8Array[] = [];
      world.processes.define('slowcat', async ({ stdin }) => {
        for (;;) {
          const c = await stdin.read(64 * 1024);
          if (c.length === 0) return;
          received.push(c);
          await sleep(10);
        }
      });
      const proc = await createSubprocessExec('slowcat', [], { stdin: PIPE });
      let maxBuffered = 0;
      for (let off = 0; off < data.length; off += CHUNK) {
        proc.stdin!.write(data.subarray(off, off + CHUNK));
        maxBuffered = Math.max(maxBuffered, proc.stdin!.transport.getWriteBufferSize());
        await proc.stdin!.drain();
      }
      const wroteAllAt = world.loop.time();
      proc.stdin!.close();
      expect(await proc.wait()).toBe(0);
      expect(Buffer.concat(received).equals(data)).toBe(true);
      expect(maxBuffered).toBeGreaterThan(HIGH_WATER);
      expect(maxBuffered).toBeLessThanOrEqual(HIGH_WATER + CHUNK);
      // As above: the buffers on the way hold at most 6 of the reader's reads.
      expect(wroteAllAt).toBeGreaterThanOrEqual((received.length - 6) * 10);
    });
  });

  it('round-trips 1 MB through cat with communicate()', async () => {
    await simulate(async (world) => {
      world.processes.define('cat', cat);
      const data = pattern(MB);
      const proc = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
      const [out] = await proc.communicate(data);
      expect(Buffer.from(out!).equals(data)).toBe(true);
    });
  });
});
