import { describe, expect, it } from 'vitest';
import '../../../src/index.js';
import { startSimTls } from '../../../src/backends/sim/sim-tls.js';
import { simulate } from '../../../src/backends/sim/sim-world.js';
import type { RawStream, RawStreamEvents } from '../../../src/loop/raw-stream.js';
import type { StreamDriver } from '../../../src/loop/stream-driver.js';
import { upgradeTls } from '../../../src/io/tls-upgrade.js';
import { sleep } from '../../../src/index.js';
import { certs, clientTls, codeOf, connectedPair, Events, handshake, onLoop, rawPair, serverTls } from './support.js';

const clientCertTls = { ca: certs.ca, key: certs.clientKey, cert: certs.clientCert };
const requireClientCert = { ...serverTls, requestCert: true, ca: certs.ca };

/** Events that ignore everything (a peer that never speaks TLS). */
const deaf: RawStreamEvents = { data() {}, end() {}, drain() {}, close() {} };

describe('startSimTls: the handshake', () => {
  it('connects a client and a server and carries bytes both ways', async () => {
    await simulate(async (world) => {
      const { client, server } = await connectedPair(world, { latency: 5 });
      const ce = new Events(world.loop, 'client');
      const se = new Events(world.loop, 'server');
      client.start(ce);
      server.start(se);
      client.write(new TextEncoder().encode('hello'));
      await se.bytes(5);
      server.write(new TextEncoder().encode(se.text.toUpperCase()));
      await ce.bytes(5);
      expect(ce.text).toBe('HELLO');
      client.abort();
      server.abort();
    });
  });

  it('works with the fake globals on (node:tls keeps its real timers)', async () => {
    await simulate(
      async (world) => {
        const { client, server } = await connectedPair(world, { latency: 5 });
        const se = new Events(world.loop, 'server');
        client.start(new Events(world.loop, 'client'));
        server.start(se);
        client.write(new TextEncoder().encode('faked'));
        await se.bytes(5);
        expect(world.loop.time()).toBe(20);
        client.abort();
        server.abort();
      },
      { fakeGlobals: true },
    );
  });

  it('completes at the virtual instants its messages arrive (TLS 1.3: client after one round trip, server after one and a half)', async () => {
    await simulate(async (world) => {
      const loop = world.loop;
      const [rc, rs] = rawPair(loop, 10);
      const times: string[] = [];
      const c = onLoop(loop, startSimTls(world._ctx, rc, { serverSide: false, ssl: clientTls, serverHostname: 'localhost' }));
      const s = onLoop(loop, startSimTls(world._ctx, rs, { serverSide: true, ssl: serverTls }));
      c.addDoneCallback(() => times.push(`client ${loop.time()}`));
      s.addDoneCallback(() => times.push(`server ${loop.time()}`));
      const client = await c;
      const server = await s;
      expect(times).toEqual(['client 20', 'server 30']);
      client.abort();
      server.abort();
    });
  });

  it('holds virtual time while node:tls works: over a zero-latency link the handshake ends before a 1 ms timer', async () => {
    await simulate(async (world) => {
      const loop = world.loop;
      let timerFiredAt = -1;
      loop.callLater(1, () => {
        timerFiredAt = loop.time();
      });
      const { client, server } = await connectedPair(world, { latency: 0 });
      expect(loop.time()).toBe(0);
      expect(timerFiredAt).toBe(-1);
      client.abort();
      server.abort();
    });
  });

  it('rejects a wrong serverHostname with ERR_TLS_CERT_ALTNAME_INVALID, and the server sees the connection close', async () => {
    await simulate(async (world) => {
      const [c, s, raw] = await handshake(world, { latency: 2, client: { serverHostname: 'example.com' } });
      expect(codeOf(c)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
      expect(codeOf(s)).toBe('ECONNRESET');
      expect(raw[0].writeBufferSize).toBe(0);
    });
  });

  it('checks an IP address serverHostname against the certificate, without SNI', async () => {
    await simulate(async (world) => {
      const [ok] = await handshake(world, { client: { serverHostname: '127.0.0.1' } });
      expect(ok.status).toBe('fulfilled');
      if (ok.status === 'fulfilled') ok.value.abort();
      const [wrong] = await handshake(world, { client: { serverHostname: '10.1.1.1' } });
      expect(codeOf(wrong)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    });
  });

  it("checks no name with serverHostname '' (the chain still is)", async () => {
    await simulate(async (world) => {
      const [c, s] = await handshake(world, { client: { serverHostname: '', ssl: { ca: certs.ca, host: 'example.com', servername: 'example.com' } } });
      expect(c.status).toBe('fulfilled');
      expect(s.status).toBe('fulfilled');
      if (c.status === 'fulfilled') c.value.abort();
      if (s.status === 'fulfilled') s.value.abort();
    });
  });

  it('takes the name from ssl.servername when serverHostname is null', async () => {
    await simulate(async (world) => {
      const [c] = await handshake(world, { client: { serverHostname: null, ssl: { ca: certs.ca, servername: 'example.com' } } });
      expect(codeOf(c)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    });
  });

  it('rejects a self-signed server certificate with DEPTH_ZERO_SELF_SIGNED_CERT', async () => {
    await simulate(async (world) => {
      const [c, s] = await handshake(world, { server: { ssl: { key: certs.untrustedKey, cert: certs.untrustedCert } } });
      expect(codeOf(c)).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(s.status).toBe('rejected');
    });
  });

  it('rejects a certificate from a CA the client does not trust with UNABLE_TO_VERIFY_LEAF_SIGNATURE', async () => {
    await simulate(async (world) => {
      const [c] = await handshake(world, { client: { ssl: { ca: certs.untrustedCert } } });
      expect(codeOf(c)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    });
  });

  it('accepts an untrusted certificate with rejectUnauthorized: false', async () => {
    await simulate(async (world) => {
      const [c, s] = await handshake(world, {
        client: { ssl: { rejectUnauthorized: false } },
        server: { ssl: { key: certs.untrustedKey, cert: certs.untrustedCert } },
      });
      expect(c.status).toBe('fulfilled');
      if (c.status === 'fulfilled') c.value.abort();
      if (s.status === 'fulfilled') s.value.abort();
    });
  });

  it('gives each side the peer certificate when the server requests one', async () => {
    await simulate(async (world) => {
      const { client, server } = await connectedPair(world, { client: { ssl: clientCertTls }, server: { ssl: requireClientCert } });
      expect((client.getExtraInfo('peercert') as { subject: { CN: string } }).subject.CN).toBe('localhost');
      expect((server.getExtraInfo('peercert') as { subject: { CN: string } }).subject.CN).toBe('simloop-test-client');
      expect((server.getExtraInfo('ssl_object') as { authorized: boolean }).authorized).toBe(true);
      client.abort();
      server.abort();
    });
  });

  it('fails the server side when a requested client certificate is missing', async () => {
    await simulate(async (world) => {
      const [c, s] = await handshake(world, { server: { ssl: requireClientCert } });
      expect(codeOf(s)).toBe('ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
      if (c.status === 'fulfilled') c.value.abort();
    });
  });

  it('gives peercert null on a server that did not ask for a certificate', async () => {
    await simulate(async (world) => {
      const { client, server } = await connectedPair(world);
      expect(server.getExtraInfo('peercert')).toBeNull();
      client.abort();
      server.abort();
    });
  });

  it('rejects ssl: true on a server side with a TypeError and closes the connection', async () => {
    await simulate(async (world) => {
      const [c, s] = await handshake(world, { server: { ssl: true } });
      expect(s.status === 'rejected' && s.reason).toBeInstanceOf(TypeError);
      expect(codeOf(c)).toBe('ECONNRESET');
    });
  });

  it('accepts a SecureContext as ssl on both sides', async () => {
    const tls = await import('node:tls');
    await simulate(async (world) => {
      const { client, server } = await connectedPair(world, {
        client: { ssl: tls.createSecureContext(clientTls) },
        server: { ssl: tls.createSecureContext(serverTls) },
      });
      expect(client.getExtraInfo('cipher')).toMatchObject({ version: 'TLSv1.3' });
      client.abort();
      server.abort();
    });
  });

  it('feeds options.pending to TLS first: bytes the transport read before the upgrade', async () => {
    await simulate(async (world) => {
      const loop = world.loop;
      const [rc, rs] = rawPair(loop, 1);
      // The server's transport read the ClientHello before the upgrade began.
      const early: Uint8Array[] = [];
      let forward: RawStreamEvents | null = null;
      rs.start({
        data: (chunk) => (forward === null ? early.push(chunk) : forward.data(chunk)),
        end: () => forward?.end(),
        drain: () => forward?.drain(),
        close: (e) => forward?.close(e),
      });
      const handedOver: RawStream = Object.assign(Object.create(rs) as RawStream, {
        start: (events: RawStreamEvents) => {
          forward = events;
        },
      });
      const c = onLoop(loop, startSimTls(world._ctx, rc, { serverSide: false, ssl: clientTls, serverHostname: 'localhost' }));
      while (early.length === 0) await sleep(1);
      const s = onLoop(loop, startSimTls(world._ctx, handedOver, { serverSide: true, ssl: serverTls, pending: early }));
      const client = await c;
      const server = await s;
      client.abort();
      server.abort();
    });
  });

  it('fails with ECONNRESET when the peer resets the connection mid-handshake', async () => {
    await simulate(async (world) => {
      const loop = world.loop;
      const [rc, rs] = rawPair(loop, 3);
      rs.start(deaf);
      const c = onLoop(loop, startSimTls(world._ctx, rc, { serverSide: false, ssl: clientTls, serverHostname: 'localhost' }));
      loop.callLater(10, () => rs.abort());
      const err = await c.then(
        () => null,
        (e: unknown) => e,
      );
      expect((err as { code?: string }).code).toBe('ECONNRESET');
      expect(loop.time()).toBe(13);
    });
  });

  it('rejects with EPIPE when the connection is already closed', async () => {
    await simulate(async (world) => {
      const [rc] = rawPair(world.loop, 0);
      rc.abort();
      const err = await startSimTls(world._ctx, rc, { serverSide: false, ssl: clientTls, serverHostname: 'localhost' }).catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe('EPIPE');
    });
  });

  it('gives up when options.signal aborts, in virtual time: rejects with its reason and closes the connection', async () => {
    await simulate(async (world) => {
      const loop = world.loop;
      const [rc, rs] = rawPair(loop, 3);
      const peer = new Events(loop, 'peer');
      rs.start(peer);
      const controller = new AbortController();
      const reason = new Error('handshake took too long');
      loop.callLater(30_000, () => controller.abort(reason));
      const c = onLoop(loop, startSimTls(world._ctx, rc, { serverSide: false, ssl: clientTls, serverHostname: 'localhost', signal: controller.signal }));
      const err = await c.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBe(reason);
      expect(loop.time()).toBe(30_000);
      await peer.ended;
      expect(loop.time()).toBe(30_003);
      rs.close();
    });
  });

  it('rejects at once with an already aborted signal', async () => {
    await simulate(async (world) => {
      const [rc, rs] = rawPair(world.loop, 0);
      rs.start(deaf);
      const reason = new Error('gone');
      const err = await startSimTls(world._ctx, rc, { serverSide: false, ssl: clientTls, serverHostname: 'localhost', signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
      expect(err).toBe(reason);
      rs.close();
    });
  });

  it("times out through the io layer's upgradeTls with ECONNABORTED after sslHandshakeTimeout of virtual time", async () => {
    await simulate(async (world) => {
      const loop = world.loop;
      const [rc, rs] = rawPair(loop, 3);
      rs.start(deaf);
      const driver = { startTls: (s: RawStream, o: Parameters<StreamDriver['startTls']>[1]) => startSimTls(world._ctx, s, o) } as StreamDriver;
      const err = await upgradeTls(loop, driver, rc, { serverSide: false, ssl: clientTls, serverHostname: 'localhost', timeoutMs: 60_000 }).catch((e: unknown) => e);
      expect((err as { code?: string }).code).toBe('ECONNABORTED');
      expect(loop.time()).toBe(60_000);
      rs.close();
    });
  });
});
