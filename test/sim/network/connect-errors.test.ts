import { describe, expect, test } from 'vitest';
import { openConnection, simulate, sleep, TimeoutError, waitFor } from '../../../src/index.js';
import { codeOf, Echo, Recorder } from './support.js';

describe('connect failures in virtual time', () => {
  test('a port nothing listens on: ECONNREFUSED after the round trip', async () => {
    const got = await simulate(async (world) => {
      world.network.link('127.0.0.1', '10.0.0.5', { latency: 10 });
      world.network.listen('10.0.0.5', 80, async () => {});
      const err = await world.loop.createConnection(() => new Recorder(world.loop), '10.0.0.5', 81).catch((e: unknown) => e);
      return { code: codeOf(err), at: world.loop.time(), message: (err as Error).message };
    });
    expect(got).toEqual({ code: 'ECONNREFUSED', at: 20, message: 'connect ECONNREFUSED 10.0.0.5:81' });
  });

  test('an address that is no host: no answer, then ETIMEDOUT after 75 s of virtual time', async () => {
    const got = await simulate(async (world) => {
      const err = await world.loop.createConnection(() => new Recorder(world.loop), '10.9.9.9', 80).catch((e: unknown) => e);
      return { code: codeOf(err), at: world.loop.time() };
    });
    expect(got).toEqual({ code: 'ETIMEDOUT', at: 75_000 });
  });

  test("the caller's own shorter timeout wins (waitFor): TimeoutError then, and the attempt is given up", async () => {
    const got = await simulate(async (world) => {
      const err = await waitFor(openConnection('10.9.9.9', 80), 2000).catch((e: unknown) => e);
      const at = world.loop.time();
      return { timeout: err instanceof TimeoutError, at, aborted: world.trace().some((e) => e.kind === 'connect' && e.detail?.endsWith('aborted')) };
    });
    expect(got).toEqual({ timeout: true, at: 2000, aborted: true });
  });

  test('across a partition a connect times out; healed in time, it connects', async () => {
    const got = await simulate(async (world) => {
      const net = world.network;
      net.listen('10.0.0.7', 443, async (_r, w) => {
        w.write('hi');
        await w.drain();
      });
      net.partition('127.0.0.1', '10.0.0.7');
      const err = await openConnection('10.0.0.7', 443).catch((e: unknown) => codeOf(e));
      const failedAt = world.loop.time();
      const connecting = openConnection('10.0.0.7', 443);
      await sleep(5000);
      net.heal('127.0.0.1', '10.0.0.7');
      const [r, w] = await connecting;
      const hi = Buffer.from(await r.readexactly(2)).toString();
      w.close();
      return { err, failedAt, hi, connectedAt: world.loop.time() };
    });
    expect(got.err).toBe('ETIMEDOUT');
    expect(got.failedAt).toBe(75_000);
    expect(got.hi).toBe('hi');
    expect(got.connectedAt).toBe(80_000);
  });

  test('unix sockets: ENOENT for a path nobody listens on, EADDRINUSE for a path taken', async () => {
    const got = await simulate(async (world) => {
      const loop = world.loop;
      const missing = await loop.createUnixConnection(() => new Recorder(loop), '/run/none.sock').catch((e: unknown) => codeOf(e));
      const server = await loop.createUnixServer(() => new Echo(), '/run/app.sock');
      const taken = await loop.createUnixServer(() => new Echo(), '/run/app.sock').catch((e: unknown) => codeOf(e));
      server.close();
      await server.waitClosed();
      const after = await loop.createUnixConnection(() => new Recorder(loop), '/run/app.sock').catch((e: unknown) => codeOf(e));
      return { missing, taken, after };
    });
    expect(got).toEqual({ missing: 'ENOENT', taken: 'EADDRINUSE', after: 'ENOENT' });
  });

  test('a connect from a local port a listener holds rejects with EADDRINUSE', async () => {
    const code = await simulate(async (world) => {
      const loop = world.loop;
      const server = await loop.createServer(() => new Echo(), '127.0.0.1', 3000);
      const err = await loop.createConnection(() => new Recorder(loop), '127.0.0.1', 3000, { localAddr: ['127.0.0.1', 3000] }).catch((e: unknown) => codeOf(e));
      server.close();
      return err;
    });
    expect(code).toBe('EADDRINUSE');
  });
});
