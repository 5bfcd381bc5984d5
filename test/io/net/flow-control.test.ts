import { describe, expect, test } from 'vitest';
import { Protocol, type Transport } from '../../../src/index.js';
import { Accepted, clientTls, localServer, pause, Recorder, serverTls, within, withLoop } from './support.js';

describe('write flow control', () => {
  test('setWriteBufferLimits: 64 KiB and a quarter of high by default, as asyncio', async () => {
    await withLoop(async (loop) => {
      const [server, port] = await localServer(loop, () => new Protocol());
      const [t] = await loop.createConnection(() => new Protocol(), '127.0.0.1', port);
      expect(t.getWriteBufferLimits()).toEqual([16384, 65536]);
      t.setWriteBufferLimits(1000);
      expect(t.getWriteBufferLimits()).toEqual([250, 1000]);
      t.setWriteBufferLimits(undefined, 10);
      expect(t.getWriteBufferLimits()).toEqual([10, 40]);
      t.setWriteBufferLimits(100, 100);
      expect(t.getWriteBufferLimits()).toEqual([100, 100]);
      t.setWriteBufferLimits(0);
      expect(t.getWriteBufferLimits()).toEqual([0, 0]);
      t.setWriteBufferLimits();
      expect(t.getWriteBufferLimits()).toEqual([16384, 65536]);
      expect(() => t.setWriteBufferLimits(10, 20)).toThrow(RangeError);
      expect(() => t.setWriteBufferLimits(undefined, -1)).toThrow(RangeError);
      expect(() => t.setWriteBufferLimits(Number.NaN)).toThrow(TypeError);
      expect(() => t.setWriteBufferLimits('1' as never)).toThrow(TypeError);
      expect(t.getWriteBufferSize()).toBe(0);
      t.close();
      await server[Symbol.asyncDispose]();
    });
  });

  test.each([
    ['TCP', false],
    ['TLS', true],
  ])('%s: a peer that never reads pauses the writer above the high mark; it resumes at or below the low mark once the peer reads', async (_name, secure) => {
    const log = await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory, secure ? { ssl: serverTls } : {});
      const log: { event: string; size: number; high: number; low: number }[] = [];
      const resumed = loop.createFuture<void>();
      let transport!: Transport;
      let written = 0;
      let paused = false;
      class Writer extends Protocol {
        override pauseWriting(): void {
          paused = true;
          const [low, high] = transport.getWriteBufferLimits();
          log.push({ event: 'pause', size: transport.getWriteBufferSize(), high, low });
        }
        override resumeWriting(): void {
          paused = false;
          const [low, high] = transport.getWriteBufferLimits();
          log.push({ event: 'resume', size: transport.getWriteBufferSize(), high, low });
          resumed.setResult(undefined);
        }
      }
      [transport] = await loop.createConnection(() => new Writer(), '127.0.0.1', port, secure ? { ssl: clientTls } : {});
      const reader = await within(accepted.nth(0));
      const readerT = await within(reader.made);
      readerT.pauseReading();
      const chunk = new Uint8Array(64 * 1024);
      const LIMIT = 256 * 1024 * 1024;
      // Write while not paused, yielding now and then so the loop runs.
      while (!paused && written < LIMIT) {
        transport.write(chunk);
        written += chunk.length;
        if (!paused && written % (1024 * 1024) === 0) await pause(loop, 0);
      }
      expect(paused).toBe(true);
      expect(written).toBeLessThan(LIMIT);
      // Writes while paused are still accepted (the protocol was only told to stop).
      transport.write('tail');
      written += 4;
      readerT.resumeReading();
      await within(resumed, 20_000);
      await within(reader.bytes(written), 20_000);
      transport.close();
      await within(reader.lost, 20_000);
      await server[Symbol.asyncDispose]();
      return log;
    });
    expect(log.map((l) => l.event)).toEqual(['pause', 'resume']);
    expect(log[0]!.size).toBeGreaterThan(log[0]!.high);
    expect(log[1]!.size).toBeLessThanOrEqual(log[1]!.low);
  });

  test('pauseWriting comes within the write that crossed the mark; lowering the mark pauses at once', async () => {
    await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const writer = new Recorder(loop);
      const [t] = await loop.createConnection(() => writer, '127.0.0.1', port);
      const reader = await within(accepted.nth(0));
      const readerT = await within(reader.made);
      readerT.pauseReading();
      // Fill the kernel's buffers until something stays in ours.
      const chunk = new Uint8Array(256 * 1024);
      let sent = 0;
      t.setWriteBufferLimits(1 << 30);
      while (t.getWriteBufferSize() === 0 && sent < 512 * 1024 * 1024) {
        t.write(chunk);
        sent += chunk.length;
        if (t.getWriteBufferSize() === 0) await pause(loop, 1);
      }
      expect(t.getWriteBufferSize()).toBeGreaterThan(0);
      expect(writer.events).not.toContain('pause');
      t.setWriteBufferLimits(1);
      expect(writer.events.filter((e) => e === 'pause')).toHaveLength(1);
      t.write('more');
      expect(writer.events.filter((e) => e === 'pause')).toHaveLength(1);
      t.abort();
      expect(await within(writer.lost)).toBeNull();
      // A paused reader notices the end only once it reads again (as with
      // asyncio): a reset, or an EOF where the OS sends no reset (gVisor).
      readerT.resumeReading();
      const lost = await within(reader.lost);
      if (lost !== null) expect(lost).toMatchObject({ code: 'ECONNRESET' });
      await server[Symbol.asyncDispose]();
    });
  });

  test('a client that never reads pauses the server writing to it; the server resumes once the client reads', async () => {
    const events = await withLoop(async (loop) => {
      const written = { n: 0 };
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const client = new Recorder(loop);
      const [ct] = await loop.createConnection(() => client, '127.0.0.1', port);
      ct.pauseReading();
      const writer = await within(accepted.nth(0));
      const st = await within(writer.made);
      const chunk = new Uint8Array(128 * 1024);
      for (let i = 0; i < 4096 && !writer.events.includes('pause'); i++) {
        st.write(chunk);
        written.n += chunk.length;
        if (i % 8 === 7) await pause(loop, 0);
      }
      expect(writer.events).toContain('pause');
      expect(written.n).toBeLessThan(4096 * chunk.length);
      ct.resumeReading();
      await within(client.bytes(written.n), 20_000);
      expect(writer.events).toContain('resume');
      ct.close();
      await within(writer.lost);
      await server[Symbol.asyncDispose]();
      return writer.events.filter((e) => e === 'pause' || e === 'resume');
    });
    expect(events).toEqual(['pause', 'resume']);
  });
});
