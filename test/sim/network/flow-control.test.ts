import { describe, expect, test } from 'vitest';
import { openConnection, simulate, sleep } from '../../../src/index.js';
import { Accepted, connectedPair, Recorder, sockPair } from './support.js';

const KiB = 1024;

const CHUNK = 16 * KiB;

/** A protocol that writes 16 KiB chunks until paused, and counts what it wrote. */
class Writer extends Recorder {
  written = 0;
  /** Bytes written when pauseWriting came (the write that crossed the mark included). */
  pausedAt = -1;
  resumedAt = -1;
  fill(): void {
    const chunk = new Uint8Array(CHUNK);
    while (this.pausedAt < 0) {
      if (this.written > 64 * 1024 * KiB) throw new Error('never paused');
      this.transport!.write(chunk);
      this.written += chunk.length;
    }
  }
  override pauseWriting(): void {
    super.pauseWriting();
    // Called inside the write that crossed the high-water mark.
    if (this.pausedAt < 0) this.pausedAt = this.written + CHUNK;
  }
  override resumeWriting(): void {
    super.resumeWriting();
    if (this.resumedAt < 0) this.resumedAt = this.loop.time();
  }
}

describe('flow control with modelled buffers', () => {
  test('a peer that pauses reading fills its receive buffer, then the send buffer; the writer pauses, and resumes once the peer reads', async () => {
    const got = await simulate(async (world) => {
      const loop = world.loop;
      const { accepted, server, client: writer, t } = await connectedPair(loop, 2000, new Writer(loop));
      const peer = await accepted.transport(0);
      peer.pauseReading();
      writer.fill();
      const pausedAt = writer.pausedAt;
      const buffered = t.getWriteBufferSize();
      await sleep(1000);
      const stillPaused = writer.resumedAt < 0;
      peer.resumeReading();
      await accepted.all[0]!.bytes(writer.written);
      t.close();
      server.close();
      return { pausedAt, buffered, stillPaused, resumed: writer.resumedAt >= 0, received: accepted.all[0]!.received, written: writer.written };
    });
    // 256 KiB receive buffer + 256 KiB send buffer + the 64 KiB high-water mark, give or take a chunk.
    expect(got.pausedAt).toBeGreaterThan(512 * KiB);
    expect(got.pausedAt).toBeLessThanOrEqual(512 * KiB + 64 * KiB + 32 * KiB);
    expect(got.buffered).toBeGreaterThan(64 * KiB);
    expect(got.stillPaused).toBe(true);
    expect(got.resumed).toBe(true);
    expect(got.received).toBe(got.written);
  });

  test('the stopReading fault does the same to the connections whose end is on that host and port; resumeReading lets them drain', async () => {
    const got = await simulate(async (world) => {
      const loop = world.loop;
      world.network.link('127.0.0.1', '127.0.0.1', { sendBuffer: 32 * KiB, recvBuffer: 32 * KiB });
      const accepted = new Accepted(loop);
      const server = await loop.createServer(accepted.factory, '127.0.0.1', 2001);
      world.network.stopReading('127.0.0.1', 2001);
      const writer = new Writer(loop);
      const [t] = await loop.createConnection(() => writer, '127.0.0.1', 2001);
      writer.fill();
      const pausedAt = writer.pausedAt;
      await sleep(50);
      const receivedWhileStopped = (await accepted.nth(0)).received;
      world.network.resumeReading('127.0.0.1', 2001);
      await accepted.all[0]!.bytes(writer.written);
      t.close();
      server.close();
      return { pausedAt, receivedWhileStopped, resumed: writer.resumedAt >= 0, faults: world.trace().filter((e) => e.kind === 'fault').map((e) => e.detail) };
    });
    expect(got.pausedAt).toBeGreaterThan(64 * KiB);
    expect(got.pausedAt).toBeLessThanOrEqual(32 * KiB + 32 * KiB + 64 * KiB + 32 * KiB);
    expect(got.receivedWhileStopped).toBe(0);
    expect(got.resumed).toBe(true);
    expect(got.faults).toEqual(['stopReading 127.0.0.1:2001', 'resumeReading 127.0.0.1:2001']);
  });

  test('a peer host that stops reading (stopReading(host)) pauses the code\'s writer; resumeReading(host) lets it go on', async () => {
    const got = await simulate(async (world) => {
      let received = 0;
      world.network.listen('10.0.0.9', 80, async (r) => {
        for (;;) {
          const d = await r.read(64 * KiB);
          if (d.length === 0) break;
          received += d.length;
        }
      });
      world.network.stopReading('10.0.0.9');
      const writer = new Writer(world.loop);
      const [t] = await world.loop.createConnection(() => writer, '10.0.0.9', 80);
      writer.fill();
      await sleep(100);
      const before = received;
      world.network.resumeReading('10.0.0.9');
      while (received < writer.written) await sleep(10);
      t.close();
      return { pausedAt: writer.pausedAt, before, resumed: writer.resumedAt >= 0, received, written: writer.written };
    });
    expect(got.pausedAt).toBeLessThanOrEqual(512 * KiB + 64 * KiB + 32 * KiB);
    expect(got.before).toBe(0);
    expect(got.resumed).toBe(true);
    expect(got.received).toBe(got.written);
  });

  test('StreamWriter.drain() waits while the peer does not read and returns once it has read', async () => {
    const got = await simulate(async (world) => {
      let peerReading = false;
      world.network.listen('10.0.0.9', 25, async (r) => {
        await sleep(3000);
        peerReading = true;
        while ((await r.read(64 * KiB)).length > 0);
      });
      const [, w] = await openConnection('10.0.0.9', 25);
      w.write(new Uint8Array(1024 * KiB));
      await w.drain();
      const drainedAt = world.loop.time();
      w.close();
      return { drainedAt, peerReading };
    });
    expect(got.peerReading).toBe(true);
    expect(got.drainedAt).toBeGreaterThanOrEqual(3000);
  });

  test('sockSendall resolves only once the network took every byte (a drain after the peer read)', async () => {
    const got = await simulate(async (world) => {
      const loop = world.loop;
      const { client, server: conn, close } = await sockPair(loop);
      const reader = loop.createTask(async () => {
        await sleep(500);
        let n = 0;
        while (n < 2 * 1024 * KiB) n += (await loop.sockRecv(conn, 64 * KiB)).length;
        return n;
      });
      await loop.sockSendall(client, new Uint8Array(2 * 1024 * KiB));
      const sentAt = loop.time();
      const n = await reader;
      close();
      return { sentAt, n };
    });
    expect(got.sentAt).toBeGreaterThanOrEqual(500);
    expect(got.n).toBe(2 * 1024 * KiB);
  });

  test('a protocol that pauses reading gets nothing until it resumes, then everything in order', async () => {
    const got = await simulate(async (world) => {
      const loop = world.loop;
      const { accepted, server, client, t } = await connectedPair(loop, 2002);
      t.pauseReading();
      const peer = await accepted.transport(0);
      peer.write('a');
      peer.write('b');
      await sleep(10);
      const before = client.received;
      t.resumeReading();
      await client.bytes(2);
      t.close();
      server.close();
      return { before, text: client.text };
    });
    expect(got).toEqual({ before: 0, text: 'ab' });
  });
});
