import { describe, expect, test } from 'vitest';
import { openConnection, Protocol, simulate, sleep, startServer, type Transport } from '../../../src/index.js';
import { Accepted, codeOf, connectedPair, Recorder } from './support.js';

describe('closing, half-closing and resets in the simulated network', () => {
  test('half-close: writeEof reaches the peer as eofReceived, and the peer can still answer', async () => {
    const got = await simulate(async (world) => {
      const loop = world.loop;
      const accepted = new Accepted(loop, (r) => {
        r.keepOpen = true;
      });
      const server = await loop.createServer(accepted.factory, '127.0.0.1', 4000);
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, '127.0.0.1', 4000);
      t.write('request');
      t.writeEof();
      const peer = await accepted.nth(0);
      await peer.eof;
      peer.transport!.write(`got ${peer.text}`);
      peer.transport!.close();
      await client.lost;
      server.close();
      return { answer: client.text, peerEvents: peer.events, clientEvents: client.events };
    });
    expect(got.answer).toBe('got request');
    expect(got.peerEvents).toEqual(['made', 'data', 'eof', 'lost']);
    expect(got.clientEvents).toEqual(['made', 'data', 'eof', 'lost']);
  });

  test('close sends what is queued first: the peer gets every byte, then EOF', async () => {
    const peerText = await simulate(async (world) => {
      const loop = world.loop;
      world.network.setDefaults({ latency: 3, bandwidth: 100_000 });
      const accepted = new Accepted(loop);
      const server = await loop.createServer(accepted.factory, '127.0.0.1', 4001);
      const [t] = await loop.createConnection(() => new Recorder(loop), '127.0.0.1', 4001);
      t.write(Buffer.alloc(50_000, 0x61));
      t.close();
      const peer = await accepted.nth(0);
      await peer.lost;
      server.close();
      return { n: peer.received, events: peer.events.filter((e) => e !== 'data') };
    });
    expect(peerText).toEqual({ n: 50_000, events: ['made', 'eof', 'lost'] });
  });

  test("abort resets the connection: connectionLost(null) here, ECONNRESET in the peer's connectionLost", async () => {
    const got = await simulate(async (world) => {
      const loop = world.loop;
      const { accepted, server, client, t } = await connectedPair(loop, 4002);
      const peer = await accepted.nth(0);
      await peer.made;
      t.write('dropped?');
      t.abort();
      const local = await client.lost;
      const remote = await peer.lost;
      server.close();
      return { local, remote: codeOf(remote), trace: world.trace().some((e) => e.kind === 'reset') };
    });
    expect(got.local).toBeNull();
    expect(got.remote).toBe('ECONNRESET');
    expect(got.trace).toBe(true);
  });

  test('through streams, a reset peer makes read() reject with ECONNRESET', async () => {
    const code = await simulate(async () => {
      const server = await startServer(async (_r, w) => {
        w.transport.abort();
      }, '127.0.0.1', 4003);
      const [r, w] = await openConnection('127.0.0.1', 4003);
      const err = await r.read().then(
        () => null,
        (e: unknown) => e,
      );
      w.close();
      server.close();
      return codeOf(err);
    });
    expect(code).toBe('ECONNRESET');
  });

  test('a write after a reset that nobody read (reading paused) ends the connection with EPIPE', async () => {
    const lost = await simulate(async (world) => {
      const loop = world.loop;
      const { accepted, server, client, t } = await connectedPair(loop, 4004);
      t.pauseReading();
      const peer = await accepted.transport(0);
      peer.abort();
      await sleep(10);
      t.write('anyone?');
      const e = await client.lost;
      server.close();
      return codeOf(e);
    });
    expect(lost).toBe('EPIPE');
  });

  test('writing to a peer that closed its socket gets a reset back (ECONNRESET or EPIPE), as on a real OS', async () => {
    const lost = await simulate(async (world) => {
      const loop = world.loop;
      class Closer extends Protocol {
        override connectionMade(t: Transport): void {
          t.close();
        }
      }
      const server = await loop.createServer(() => new Closer(), '127.0.0.1', 4005);
      const client = new Recorder(loop);
      client.keepOpen = true;
      const [t] = await loop.createConnection(() => client, '127.0.0.1', 4005);
      await client.eof;
      for (let i = 0; i < 10 && !client.lost.done(); i++) {
        t.write('more');
        await sleep(1);
      }
      const e = await client.lost;
      server.close();
      return codeOf(e);
    });
    expect(['ECONNRESET', 'EPIPE']).toContain(lost);
  });

  test('server close: new connections are refused, open ones stay; waitClosed waits until they are gone', async () => {
    const got = await simulate(async (world) => {
      const loop = world.loop;
      const { accepted, server, t } = await connectedPair(loop, 4006);
      await accepted.transport(0);
      server.close();
      const refused = await loop.createConnection(() => new Recorder(loop), '127.0.0.1', 4006).catch((e: unknown) => codeOf(e));
      let closedAt = -1;
      const waiting = server.waitClosed().then(() => {
        closedAt = loop.time();
      });
      await sleep(100);
      const stillOpen = !t.isClosing();
      t.write('still here');
      await accepted.all[0]!.bytes(10);
      t.close();
      await waiting;
      return { refused, stillOpen, closedAt, served: accepted.all[0]!.text };
    });
    expect(got.refused).toBe('ECONNREFUSED');
    expect(got.stillOpen).toBe(true);
    expect(got.served).toBe('still here');
    expect(got.closedAt).toBeGreaterThanOrEqual(100);
  });

  test('closeClients closes every connection of a server; abortClients resets them', async () => {
    const got = await simulate(async (world) => {
      const loop = world.loop;
      const server = await loop.createServer(() => new Recorder(loop), '127.0.0.1', 4007);
      const a = new Recorder(loop);
      const b = new Recorder(loop);
      await loop.createConnection(() => a, '127.0.0.1', 4007);
      await sleep(1);
      server.closeClients();
      const server2 = await loop.createServer(() => new Recorder(loop), '127.0.0.1', 4008);
      await loop.createConnection(() => b, '127.0.0.1', 4008);
      await sleep(1);
      server2.abortClients();
      const [la, lb] = [await a.lost, await b.lost];
      server.close();
      server2.close();
      await server.waitClosed();
      await server2.waitClosed();
      return { a: a.events, lb: codeOf(lb), la };
    });
    expect(got.a).toEqual(['made', 'eof', 'lost']);
    expect(got.la).toBeNull();
    expect(got.lb).toBe('ECONNRESET');
  });
});
