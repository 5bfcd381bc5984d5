import { describe, expect, test } from 'vitest';
import { DatagramProtocolBase, simulate, sleep, type DatagramTransport, type EventLoop, type SimWorld, type SocketAddress } from '../../../src/index.js';
import { codeOf } from './support.js';

/** A datagram protocol that records what it gets and the errors it is told. */
class Inbox extends DatagramProtocolBase {
  transport: DatagramTransport | null = null;
  readonly got: { text: string; from: SocketAddress; at: number }[] = [];
  readonly errors: string[] = [];
  paused = 0;
  resumed = 0;
  constructor(private readonly loop: EventLoop) {
    super();
  }
  override connectionMade(t: DatagramTransport): void {
    this.transport = t;
  }
  override datagramReceived(data: Uint8Array, from: SocketAddress): void {
    this.got.push({ text: Buffer.from(data).toString(), from, at: this.loop.time() });
  }
  override errorReceived(e: Error): void {
    this.errors.push(codeOf(e));
  }
  override pauseWriting(): void {
    this.paused++;
  }
  override resumeWriting(): void {
    this.resumed++;
  }
  texts(): string[] {
    return this.got.map((g) => g.text);
  }
}

async function endpoint(world: SimWorld, opts: Parameters<EventLoop['createDatagramEndpoint']>[1]): Promise<Inbox> {
  const [, p] = await world.loop.createDatagramEndpoint(() => new Inbox(world.loop), opts);
  return p;
}

function sendAll(from: Inbox, texts: string[], to?: [string, number]): void {
  for (const t of texts) from.transport!.sendto(t, to);
}

describe('UDP in the simulated network', () => {
  test('datagrams arrive with their sender as `from`, after the link latency', async () => {
    const got = await simulate(async (world) => {
      world.network.link('127.0.0.1', '10.0.0.8', { latency: 7 });
      const server = await endpoint(world, { localAddr: ['10.0.0.8', 53] });
      const client = await endpoint(world, { remoteAddr: ['10.0.0.8', 53] });
      client.transport!.sendto('query');
      await sleep(20);
      const [g] = server.got;
      server.transport!.sendto(`answer to ${g!.text}`, [g!.from.address, g!.from.port]);
      await sleep(20);
      const clientName = client.transport!.getExtraInfo('sockname');
      client.transport!.close();
      server.transport!.close();
      return { g, back: client.got[0], clientName };
    });
    expect(got.g!.text).toBe('query');
    expect(got.g!.at).toBe(7);
    expect(got.g!.from).toEqual(got.clientName);
    expect((got.clientName as SocketAddress).address).toBe('127.0.0.1');
    expect(got.back).toEqual({ text: 'answer to query', from: { address: '10.0.0.8', port: 53, family: 'IPv4' }, at: 27 });
  });

  test('loss 1 loses every datagram (traced as lost); loss 0 loses none', async () => {
    const got = await simulate(async (world) => {
      const server = await endpoint(world, { localAddr: ['127.0.0.1', 9999] });
      const lossy = await endpoint(world, { localAddr: ['10.0.1.1', 0] });
      const clean = await endpoint(world, { localAddr: ['10.0.1.2', 0] });
      world.network.link('10.0.1.1', '127.0.0.1', { loss: 1 });
      world.network.link('10.0.1.2', '127.0.0.1', { loss: 0 });
      sendAll(lossy, ['a', 'b', 'c'], ['127.0.0.1', 9999]);
      sendAll(clean, ['x', 'y', 'z'], ['127.0.0.1', 9999]);
      await sleep(1);
      for (const e of [server, lossy, clean]) e.transport!.close();
      return { texts: server.texts(), lost: world.trace().filter((e) => e.kind === 'send' && e.detail!.endsWith(' lost')).length };
    });
    expect(got).toEqual({ texts: ['x', 'y', 'z'], lost: 3 });
  });

  test('duplicate 1 delivers each datagram twice (traced as dup)', async () => {
    const got = await simulate(async (world) => {
      world.network.setDefaults({ duplicate: 1 });
      const server = await endpoint(world, { localAddr: ['127.0.0.1', 9999] });
      const client = await endpoint(world, { remoteAddr: ['127.0.0.1', 9999] });
      sendAll(client, ['a', 'b']);
      await sleep(1);
      client.transport!.close();
      server.transport!.close();
      return { texts: server.texts(), dups: world.trace().filter((e) => e.kind === 'send' && e.detail!.endsWith(' dup')).length };
    });
    expect(got).toEqual({ texts: ['a', 'a', 'b', 'b'], dups: 2 });
  });

  test('reorder 1 holds each datagram back until the next one on its path has overtaken it', async () => {
    const got = await simulate(async (world) => {
      world.network.setDefaults({ reorder: 1, latency: 2 });
      const server = await endpoint(world, { localAddr: ['127.0.0.1', 9999] });
      const client = await endpoint(world, { remoteAddr: ['127.0.0.1', 9999] });
      sendAll(client, ['1', '2', '3', '4', '5']);
      await sleep(100);
      client.transport!.close();
      server.transport!.close();
      return { texts: server.texts(), held: world.trace().filter((e) => e.kind === 'send' && e.detail!.endsWith(' held')).length };
    });
    // The last one has nothing to overtake it: it comes at most 10 ms late.
    expect(got).toEqual({ texts: ['2', '1', '4', '3', '5'], held: 3 });
  });

  test('reorder 0 and no faults: datagrams on one path arrive in the order sent', async () => {
    const texts = await simulate(async (world) => {
      world.network.setDefaults({ reorder: 0, latency: 3 });
      const server = await endpoint(world, { localAddr: ['127.0.0.1', 9999] });
      const client = await endpoint(world, { remoteAddr: ['127.0.0.1', 9999] });
      const sent = Array.from({ length: 20 }, (_, i) => String(i));
      sendAll(client, sent);
      await sleep(10);
      client.transport!.close();
      server.transport!.close();
      return server.texts();
    });
    expect(texts).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  test('a partition loses the datagrams that would cross it', async () => {
    const texts = await simulate(async (world) => {
      const server = await endpoint(world, { localAddr: ['10.0.2.1', 7] });
      const client = await endpoint(world, { remoteAddr: ['10.0.2.1', 7] });
      client.transport!.sendto('before');
      await sleep(1);
      world.network.partition('127.0.0.1', '10.0.2.1');
      client.transport!.sendto('during');
      await sleep(1);
      world.network.heal();
      client.transport!.sendto('after');
      await sleep(1);
      client.transport!.close();
      server.transport!.close();
      return server.texts();
    });
    expect(texts).toEqual(['before', 'after']);
  });

  test('to a port nobody bound: a connected socket is told ECONNREFUSED (ICMP port unreachable), an unconnected one hears nothing', async () => {
    const got = await simulate(async (world) => {
      const connected = await endpoint(world, { remoteAddr: ['127.0.0.1', 4444] });
      const unconnected = await endpoint(world, { family: 'IPv4' });
      connected.transport!.sendto('hello?');
      unconnected.transport!.sendto('hello?', ['127.0.0.1', 4444]);
      await sleep(1);
      connected.transport!.close();
      unconnected.transport!.close();
      return { connected: connected.errors, unconnected: unconnected.errors };
    });
    expect(got).toEqual({ connected: ['ECONNREFUSED'], unconnected: [] });
  });

  test('a broadcast to 255.255.255.255 reaches every socket bound on its port; without allowBroadcast it fails with EACCES', async () => {
    const got = await simulate(async (world) => {
      const a = await endpoint(world, { localAddr: ['0.0.0.0', 6666] });
      const b = await endpoint(world, { localAddr: ['10.0.3.1', 6666] });
      const other = await endpoint(world, { localAddr: ['10.0.3.2', 6667] });
      const sender = await endpoint(world, { family: 'IPv4', allowBroadcast: true });
      const refused = await endpoint(world, { family: 'IPv4' });
      sender.transport!.sendto('all', ['255.255.255.255', 6666]);
      refused.transport!.sendto('all', ['255.255.255.255', 6666]);
      await sleep(1);
      for (const e of [a, b, other, sender, refused]) e.transport!.close();
      return { a: a.texts(), b: b.texts(), other: other.texts(), errors: refused.errors };
    });
    expect(got).toEqual({ a: ['all'], b: ['all'], other: [], errors: ['EACCES'] });
  });

  test('a broadcast to 127.255.255.255 reaches the sockets of the loopback network on its port, from the sender\'s address', async () => {
    const got = await simulate(async (world) => {
      const rx = await endpoint(world, { localAddr: ['127.255.255.255', 7777] });
      const wild = await endpoint(world, { localAddr: ['0.0.0.0', 7778] });
      const elsewhere = await endpoint(world, { localAddr: ['10.0.5.1', 7777] });
      const sender = await endpoint(world, { localAddr: ['127.0.0.1', 0], allowBroadcast: true });
      sender.transport!.sendto('lo', ['127.255.255.255', 7777]);
      sender.transport!.sendto('lo', ['127.255.255.255', 7778]);
      await sleep(1);
      for (const e of [rx, wild, elsewhere, sender]) e.transport!.close();
      return { rx: rx.got, wild: wild.texts(), elsewhere: elsewhere.texts(), from: sender.transport!.getExtraInfo('sockname') };
    });
    expect(got.rx.map((g) => g.text)).toEqual(['lo']);
    expect(got.rx[0]!.from).toEqual(got.from);
    expect(got.wild).toEqual(['lo']);
    expect(got.elsewhere).toEqual([]);
  });

  test('binding a taken address and port rejects with EADDRINUSE', async () => {
    const code = await simulate(async (world) => {
      const a = await endpoint(world, { localAddr: ['127.0.0.1', 5000] });
      const err = await world.loop.createDatagramEndpoint(() => new Inbox(world.loop), { localAddr: ['127.0.0.1', 5000] }).catch((e: unknown) => codeOf(e));
      a.transport!.close();
      return err;
    });
    expect(code).toBe('EADDRINUSE');
  });

  test('over a slow link the write buffer grows: the protocol pauses above the high mark and resumes once it drained', async () => {
    const got = await simulate(async (world) => {
      world.network.link('127.0.0.1', '10.0.4.1', { bandwidth: 100_000 });
      const server = await endpoint(world, { localAddr: ['10.0.4.1', 9] });
      const client = await endpoint(world, { remoteAddr: ['10.0.4.1', 9] });
      const payload = new Uint8Array(1000);
      for (let i = 0; i < 400; i++) client.transport!.sendto(payload);
      const paused = client.paused;
      const buffered = client.transport!.getWriteBufferSize();
      await sleep(5000);
      const out = { paused, buffered, resumed: client.resumed, received: server.got.length, after: client.transport!.getWriteBufferSize() };
      client.transport!.close();
      server.transport!.close();
      return out;
    });
    expect(got.paused).toBe(1);
    expect(got.buffered).toBeGreaterThan(64 * 1024);
    expect(got.resumed).toBe(1);
    expect(got.received).toBe(400);
    expect(got.after).toBe(0);
  });

  test('close waits for the queued datagrams; connectionLost(null) follows', async () => {
    const got = await simulate(async (world) => {
      world.network.link('127.0.0.1', '10.0.4.2', { bandwidth: 1000 });
      const server = await endpoint(world, { localAddr: ['10.0.4.2', 9] });
      const [t] = await world.loop.createDatagramEndpoint(() => new Inbox(world.loop), { remoteAddr: ['10.0.4.2', 9] });
      t.sendto(new Uint8Array(500));
      t.sendto(new Uint8Array(500));
      await t[Symbol.asyncDispose]();
      const closedAt = world.loop.time();
      // The second one went on the wire at 500 ms and is on it until 1000 ms.
      await sleep(500);
      server.transport!.close();
      return { closedAt, received: server.got.length };
    });
    expect(got.closedAt).toBeGreaterThanOrEqual(500);
    expect(got.received).toBe(2);
  });
});
