import { describe, expect, test } from 'vitest';
import { DatagramProtocolBase, type DatagramTransport, type EventLoop, type Future, type SocketAddress } from '../../src/index.js';
import type { World } from './backends.js';
import { backends } from './backends.js';
import { within } from './support.js';

/** A datagram protocol that keeps what it received and lets a test wait for the n-th datagram. */
class Inbox extends DatagramProtocolBase {
  transport: DatagramTransport | null = null;
  readonly got: { text: string; from: SocketAddress }[] = [];
  readonly errors: Error[] = [];
  readonly lost: Future<Error | null>;
  private readonly _waits: { n: number; fut: Future<void> }[] = [];

  constructor(private readonly loop: EventLoop) {
    super();
    this.lost = loop.createFuture<Error | null>();
  }
  override connectionMade(t: DatagramTransport): void {
    this.transport = t;
  }
  override datagramReceived(data: Uint8Array, from: SocketAddress): void {
    this.got.push({ text: Buffer.from(data).toString(), from });
    for (const w of this._waits) if (this.got.length >= w.n && !w.fut.done()) w.fut.setResult(undefined);
  }
  override errorReceived(e: Error): void {
    this.errors.push(e);
  }
  override connectionLost(e: Error | null): void {
    this.lost.setResult(e);
  }
  /** Resolves once `n` datagrams in all have arrived. */
  count(n: number): Future<void> {
    const fut = this.loop.createFuture<void>();
    if (this.got.length >= n) fut.setResult(undefined);
    else this._waits.push({ n, fut });
    return fut;
  }
  texts(): string[] {
    return this.got.map((g) => g.text);
  }
}

async function endpoint(world: World, opts: Parameters<EventLoop['createDatagramEndpoint']>[1]): Promise<Inbox> {
  const [, inbox] = await world.loop.createDatagramEndpoint(() => new Inbox(world.loop), opts);
  return inbox;
}

describe.each(backends)('UDP on the $name backend', (backend) => {
  test('sendto delivers each datagram whole, with its sender as `from`; an answer sent to `from` comes back', async () => {
    const got = await backend.run(async (world) => {
      const server = await endpoint(world, { localAddr: [world.host, 0] });
      const serverAddr = server.transport!.getExtraInfo('sockname') as SocketAddress;
      const client = await endpoint(world, { localAddr: [world.host, 0] });
      const clientAddr = client.transport!.getExtraInfo('sockname') as SocketAddress;
      for (const text of ['one', 'two', 'three']) client.transport!.sendto(text, [serverAddr.address, serverAddr.port]);
      await within(server.count(3));
      const from = server.got[0]!.from;
      server.transport!.sendto(`got ${server.got.length}`, [from.address, from.port]);
      await within(client.count(1));
      client.transport!.close();
      server.transport!.close();
      const lost = [await within(client.lost), await within(server.lost)];
      return {
        texts: server.texts(),
        fromIsClient: server.got.every((g) => g.from.address === clientAddr.address && g.from.port === clientAddr.port),
        answer: client.got[0],
        serverAddr,
        lost,
        errors: [...client.errors, ...server.errors],
      };
    });
    expect(got.texts).toEqual(['one', 'two', 'three']);
    expect(got.fromIsClient).toBe(true);
    expect(got.answer).toEqual({ text: 'got 3', from: got.serverAddr });
    expect(got.lost).toEqual([null, null]);
    expect(got.errors).toEqual([]);
  });

  test('a connected endpoint (remoteAddr) sends with sendto(data), knows its peer, and refuses another destination with RangeError', async () => {
    const got = await backend.run(async (world) => {
      const server = await endpoint(world, { localAddr: [world.host, 0] });
      const serverAddr = server.transport!.getExtraInfo('sockname') as SocketAddress;
      const client = await endpoint(world, { remoteAddr: [world.host, serverAddr.port] });
      const peername = client.transport!.getExtraInfo('peername');
      const sockname = client.transport!.getExtraInfo('sockname') as SocketAddress;
      client.transport!.sendto('hello');
      client.transport!.sendto(' again', [serverAddr.address, serverAddr.port]);
      let refused: unknown = null;
      try {
        client.transport!.sendto('elsewhere', [world.host, serverAddr.port === 9 ? 10 : 9]);
      } catch (e) {
        refused = e;
      }
      await within(server.count(2));
      const from = server.got[0]!.from;
      server.transport!.sendto('welcome', [from.address, from.port]);
      await within(client.count(1));
      client.transport!.close();
      server.transport!.close();
      await within(client.lost);
      await within(server.lost);
      return {
        peername,
        serverAddr,
        texts: server.texts(),
        fromIsClient: from.port === sockname.port && from.address === sockname.address,
        back: client.texts(),
        refused: refused instanceof RangeError,
      };
    });
    expect(got.peername).toEqual(got.serverAddr);
    expect(got.texts).toEqual(['hello', ' again']);
    expect(got.fromIsClient).toBe(true);
    expect(got.back).toEqual(['welcome']);
    expect(got.refused).toBe(true);
  });
});
