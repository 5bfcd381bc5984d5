import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import '../../../src/index.js';
import { sleep } from '../../../src/index.js';
import { simulate } from '../../../src/backends/sim/sim-world.js';
import { connectedPair, Events, PAIR_WINDOW } from './support.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** `n` bytes of a fixed pattern (not all alike, so a reordering would show). */
function pattern(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >> 8)) & 0xff;
  return out;
}

const sha = (chunks: Uint8Array[]): string => {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
};

describe('startSimTls: the plaintext stream', () => {
  it('cannot half-close: canWriteEof is false and writeEof sends nothing', async () => {
    await simulate(async (world) => {
      const { client, server } = await connectedPair(world, { latency: 1 });
      const se = new Events(world.loop, 'server');
      client.start(new Events(world.loop, 'client'));
      server.start(se);
      expect(client.canWriteEof).toBe(false);
      client.writeEof();
      client.write(bytes('still open'));
      await se.bytes(10);
      expect(se.log.some((l) => l.endsWith('end'))).toBe(false);
      client.abort();
      server.abort();
    });
  });

  it('close sends close_notify: the peer sees end, then both see close once the peer closed too', async () => {
    await simulate(async (world) => {
      const loop = world.loop;
      const { client, server, raw } = await connectedPair(world, { latency: 4 });
      const ce = new Events(loop, 'client');
      const se = new Events(loop, 'server');
      client.start(ce);
      server.start(se);
      client.write(bytes('last words'));
      client.close();
      await se.ended;
      expect(se.text).toBe('last words');
      server.close();
      expect(await se.closed).toBeNull();
      expect(await ce.closed).toBeNull();
      expect(se.log.map((l) => l.replace(/^\d+ /, ''))).toEqual(['server data 10', 'server end', 'server close']);
      // The closing side reads no more: no end, only its close once the connection is down.
      expect(ce.log.filter((l) => !l.endsWith('drain'))).toEqual([`${loop.time() - 4} client close`]);
      expect(raw[0].writeBufferSize + raw[1].writeBufferSize).toBe(0);
    });
  });

  it('drops writes after close', async () => {
    await simulate(async (world) => {
      const { client, server, counts } = await connectedPair(world, { latency: 1 });
      const se = new Events(world.loop, 'server');
      client.start(new Events(world.loop, 'client'));
      server.start(se);
      client.write(bytes('a'));
      client.close();
      client.write(bytes('b'));
      await se.ended;
      expect(se.text).toBe('a');
      expect(counts.client.sent).toBe(1);
      server.close();
      await se.closed;
    });
  });

  it('abort resets the connection: the peer sees close with ECONNRESET, the aborting side close(null)', async () => {
    await simulate(async (world) => {
      const { client, server } = await connectedPair(world, { latency: 2 });
      const ce = new Events(world.loop, 'client');
      const se = new Events(world.loop, 'server');
      client.start(ce);
      server.start(se);
      client.write(bytes('x'.repeat(100)));
      client.abort();
      expect(await ce.closed).toBeNull();
      const err = await se.closed;
      expect((err as { code?: string }).code).toBe('ECONNRESET');
      expect(se.log.some((l) => l.endsWith('end'))).toBe(false);
    });
  });

  it('closes with the TLS error when a corrupt record arrives, and closes the connection under it', async () => {
    await simulate(async (world) => {
      const { client, server, raw } = await connectedPair(world, { latency: 1 });
      const ce = new Events(world.loop, 'client');
      const se = new Events(world.loop, 'server');
      client.start(ce);
      server.start(se);
      // An application-data record header followed by bytes no key produced.
      raw[0].write(Uint8Array.from([0x17, 0x03, 0x03, 0x00, 0x20, ...new Uint8Array(32).fill(7)]));
      const err = await se.closed;
      expect(err).toMatchObject({ code: 'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC' });
      expect(se.received).toBe(0);
      // The server's TLS told the client (an alert) and closed the connection.
      expect(await ce.closed).toMatchObject({ code: 'ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC' });
    });
  });

  it('counts plaintext not yet taken by TLS and the network in writeBufferSize, and reports drain when it empties', async () => {
    await simulate(async (world) => {
      const { client, server } = await connectedPair(world, { latency: 1 });
      const ce = new Events(world.loop, 'client');
      const se = new Events(world.loop, 'server');
      client.start(ce);
      server.start(se);
      client.write(pattern(1000));
      expect(client.writeBufferSize).toBe(1000);
      await se.bytes(1000);
      expect(client.writeBufferSize).toBe(0);
      expect(ce.log.filter((l) => l.endsWith('drain'))).toHaveLength(1);
      client.abort();
      server.abort();
    });
  });

  it('carries 1 MB intact in both directions and reports plaintext byte counts', async () => {
    await simulate(async (world) => {
      const { client, server, counts } = await connectedPair(world, { latency: 3 });
      const ce = new Events(world.loop, 'client');
      const se = new Events(world.loop, 'server');
      client.start(ce);
      server.start(se);
      const data = pattern(1 << 20);
      for (let i = 0; i < data.length; i += 50_000) client.write(data.subarray(i, i + 50_000));
      server.write(data);
      await se.bytes(data.length);
      await ce.bytes(data.length);
      expect(sha(se.chunks)).toBe(sha([data]));
      expect(sha(ce.chunks)).toBe(sha([data]));
      expect(counts.client).toMatchObject({ sent: data.length, received: data.length });
      expect(counts.server).toMatchObject({ sent: data.length, received: data.length });
      client.abort();
      server.abort();
    });
  });

  it('holds virtual time while TLS encrypts and decrypts: over a zero-latency link 1 MB arrives before a 1 ms timer', async () => {
    await simulate(async (world) => {
      const loop = world.loop;
      const { client, server } = await connectedPair(world, { latency: 0 });
      const se = new Events(loop, 'server');
      client.start(new Events(loop, 'client'));
      server.start(se);
      let timerFiredAt = -1;
      loop.callLater(1, () => {
        timerFiredAt = loop.time();
      });
      const data = pattern(1 << 20);
      for (let i = 0; i < data.length; i += 100_000) client.write(data.subarray(i, i + 100_000));
      await se.bytes(data.length);
      expect(loop.time()).toBe(0);
      expect(timerFiredAt).toBe(-1);
      client.abort();
      server.abort();
    });
  });

  it('pauseReading stops reading the connection underneath: the writer buffers, and everything arrives after resumeReading', async () => {
    await simulate(async (world) => {
      const { client, server, raw } = await connectedPair(world, { latency: 2 });
      const ce = new Events(world.loop, 'client');
      const se = new Events(world.loop, 'server');
      client.start(ce);
      server.start(se);
      server.pauseReading();
      const data = pattern(1 << 20);
      for (let i = 0; i < data.length; i += 16_384) client.write(data.subarray(i, i + 16_384));
      await sleep(1000);
      expect(se.received).toBe(0);
      // Backpressure reached the connection: its reader paused, its writer holds bytes beyond the window.
      expect(raw[1].pauseCount).toBeGreaterThan(0);
      expect(raw[1].bytesRead).toBeLessThan(256 * 1024);
      expect(raw[0].writeBufferSize).toBeGreaterThan(0);
      expect(client.writeBufferSize).toBeGreaterThan(data.length - 256 * 1024 - PAIR_WINDOW);
      expect(ce.log.some((l) => l.endsWith('drain'))).toBe(false);
      server.resumeReading();
      await se.bytes(data.length);
      expect(sha(se.chunks)).toBe(sha([data]));
      await sleep(10);
      expect(client.writeBufferSize).toBe(0);
      expect(ce.log.some((l) => l.endsWith('drain'))).toBe(true);
      client.abort();
      server.abort();
    });
  });

  it('holds data that arrives before start, and reports none while paused from before start', async () => {
    await simulate(async (world) => {
      const { client, server } = await connectedPair(world, { latency: 1 });
      client.start(new Events(world.loop, 'client'));
      client.write(bytes('early'));
      await sleep(50);
      const se = new Events(world.loop, 'server');
      server.pauseReading();
      server.start(se);
      await sleep(50);
      expect(se.received).toBe(0);
      server.resumeReading();
      await se.bytes(5);
      expect(se.text).toBe('early');
      client.abort();
      server.abort();
    });
  });

  it('reports end and close at start when the connection closed before', async () => {
    await simulate(async (world) => {
      const { client, server } = await connectedPair(world, { latency: 1 });
      client.start(new Events(world.loop, 'client'));
      client.close();
      await sleep(50);
      const se = new Events(world.loop, 'server');
      server.start(se);
      await se.ended;
      server.close();
      expect(await se.closed).toBeNull();
    });
  });

  it('throws when started twice', async () => {
    await simulate(async (world) => {
      const { client, server } = await connectedPair(world);
      client.start(new Events(world.loop, 'client'));
      expect(() => client.start(new Events(world.loop, 'again'))).toThrow(/called twice/);
      client.abort();
      server.abort();
    });
  });

  it("answers the TLS extra info itself and forwards the rest ('peername', 'sockname') to the connection", async () => {
    await simulate(async (world) => {
      const tls = await import('node:tls');
      const { client, server } = await connectedPair(world);
      expect(client.getExtraInfo('cipher')).toMatchObject({ version: 'TLSv1.3' });
      expect(client.getExtraInfo('sslcontext')).toBeInstanceOf((tls as unknown as { SecureContext: new () => object }).SecureContext);
      expect(client.getExtraInfo('ssl_object')).toBeInstanceOf(tls.TLSSocket);
      expect(client.getExtraInfo('compression')).toBeNull();
      expect(client.getExtraInfo('peername')).toEqual({ address: '10.0.0.2', port: 443, family: 'IPv4' });
      expect(server.getExtraInfo('peername')).toEqual({ address: '10.0.0.1', port: 50000, family: 'IPv4' });
      expect(client.getExtraInfo('sockname')).toEqual({ address: '10.0.0.1', port: 50000, family: 'IPv4' });
      expect(client.getExtraInfo('nothing')).toBeUndefined();
      client.abort();
      server.abort();
    });
  });
});
