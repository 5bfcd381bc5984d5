import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { EventLoop, sleep } from '../../../src/index.js';
import { NodeSelector } from '../../../src/backends/node/node-selector.js';
import type { SocketAddress } from '../../../src/loop/raw-stream.js';
import { Echo, Recorder, withLoop } from './support.js';

/** A UDP port on 127.0.0.1 that nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('createDatagramEndpoint on Node', () => {
  it('echoes between two unconnected endpoints, with the sender address in datagramReceived', async () => {
    await withLoop(async (loop) => {
      const [server] = await loop.createDatagramEndpoint(() => new Echo(), { localAddr: ['127.0.0.1', 0] });
      const serverAddr = server.getExtraInfo<SocketAddress>('sockname')!;
      const client = new Recorder(loop);
      const [transport] = await loop.createDatagramEndpoint(() => client, { localAddr: { address: '127.0.0.1', port: 0 } });
      transport.sendto('ping', serverAddr);
      const [data, from] = await client.received.get();
      expect(data).toBe('ping');
      expect(from).toEqual(serverAddr);
      expect(transport.getExtraInfo('peername')).toBeNull();
      transport.close();
      server.close();
      expect(await client.lost).toBeNull();
    });
  });

  it('echoes on a connected endpoint: sendto without addr goes to remoteAddr', async () => {
    await withLoop(async (loop) => {
      const [server] = await loop.createDatagramEndpoint(() => new Echo(), { localAddr: ['127.0.0.1', 0] });
      const serverAddr = server.getExtraInfo<SocketAddress>('sockname')!;
      const client = new Recorder(loop);
      const [transport] = await loop.createDatagramEndpoint(() => client, { remoteAddr: [serverAddr.address, serverAddr.port] });
      expect(transport.getExtraInfo('peername')).toEqual(serverAddr);
      expect(transport.getExtraInfo<SocketAddress>('sockname')!.family).toBe('IPv4');
      transport.sendto(new Uint8Array([104, 105]));
      transport.sendto('again', [serverAddr.address, serverAddr.port]);
      expect(await client.received.get()).toEqual(['hi', serverAddr]);
      expect(await client.received.get()).toEqual(['again', serverAddr]);
      transport.close();
      server.close();
      await client.lost;
    });
  });

  it('sends and receives an empty datagram', async () => {
    await withLoop(async (loop) => {
      const receiver = new Recorder(loop);
      const [rx] = await loop.createDatagramEndpoint(() => receiver, { localAddr: ['127.0.0.1', 0] });
      const [tx] = await loop.createDatagramEndpoint(() => ({}), { remoteAddr: rx.getExtraInfo<SocketAddress>('sockname')! });
      tx.sendto(new Uint8Array(0));
      expect((await receiver.received.get())[0]).toBe('');
      tx.close();
      rx.close();
      await receiver.lost;
    });
  });

  it('rejects sendto to another address on a connected endpoint with RangeError', async () => {
    await withLoop(async (loop) => {
      const port = await freePort();
      const [transport] = await loop.createDatagramEndpoint(() => new Recorder(loop), { remoteAddr: ['127.0.0.1', port] });
      expect(() => transport.sendto('x', ['127.0.0.1', port === 1 ? 2 : port - 1])).toThrow(RangeError);
      transport.abort();
    });
  });

  it('requires addr for sendto on an unconnected endpoint (TypeError)', async () => {
    await withLoop(async (loop) => {
      const [transport] = await loop.createDatagramEndpoint(() => new Recorder(loop), { localAddr: ['127.0.0.1', 0] });
      expect(() => transport.sendto('x')).toThrow(TypeError);
      expect(() => transport.sendto(42 as never, ['127.0.0.1', 9])).toThrow(TypeError);
      transport.abort();
    });
  });

  it('reports ECONNREFUSED through errorReceived on a connected endpoint, and stays open', async () => {
    await withLoop(async (loop) => {
      const port = await freePort();
      const client = new Recorder(loop);
      const [transport] = await loop.createDatagramEndpoint(() => client, { remoteAddr: ['127.0.0.1', port] });
      // The ICMP reply comes back to a later receive: send until it does (bounded).
      for (let i = 0; i < 100 && client.errors.empty(); i++) {
        transport.sendto('anyone?');
        await sleep(10);
      }
      const err = (await client.errors.get()) as NodeJS.ErrnoException;
      expect(err.code).toBe('ECONNREFUSED');
      expect(transport.isClosing()).toBe(false);
      expect(client.lostWith).toBeUndefined();
      transport.close();
      await client.lost;
    });
  });

  it('calls connectionMade before the endpoint resolves and connectionLost(null) once after close', async () => {
    await withLoop(async (loop) => {
      const proto = new Recorder(loop);
      const [transport, protocol] = await loop.createDatagramEndpoint(() => proto, { localAddr: ['127.0.0.1', 0] });
      expect(protocol).toBe(proto);
      expect(proto.calls).toEqual(['connectionMade']);
      expect(proto.transport).toBe(transport);
      transport.close();
      transport.close();
      expect(transport.isClosing()).toBe(true);
      transport.sendto('dropped', ['127.0.0.1', 9]);
      expect(await proto.lost).toBeNull();
      await sleep(5);
      expect(proto.calls).toEqual(['connectionMade', 'connectionLost']);
    });
  });

  it('abort() ends the endpoint with connectionLost(null)', async () => {
    await withLoop(async (loop) => {
      const proto = new Recorder(loop);
      const [transport] = await loop.createDatagramEndpoint(() => proto, { localAddr: ['127.0.0.1', 0] });
      transport.sendto('x', ['127.0.0.1', 9]);
      transport.abort();
      expect(await proto.lost).toBeNull();
      expect(transport.getWriteBufferSize()).toBe(0);
    });
  });

  it('disposes with await using: connectionLost has run when the block ends', async () => {
    await withLoop(async (loop) => {
      const proto = new Recorder(loop);
      {
        const [transport] = await loop.createDatagramEndpoint(() => proto, { localAddr: ['127.0.0.1', 0] });
        await using _t = transport;
      }
      expect(proto.calls).toEqual(['connectionMade', 'connectionLost']);
    });
  });

  it('refuses broadcast without allowBroadcast (errorReceived EACCES) and sends it with allowBroadcast', async () => {
    await withLoop(async (loop) => {
      const receiver = new Recorder(loop);
      // Linux delivers loopback broadcasts to a socket bound to the broadcast address.
      const [rx] = await loop.createDatagramEndpoint(() => receiver, { localAddr: ['127.255.255.255', 0] });
      const port = rx.getExtraInfo<SocketAddress>('sockname')!.port;

      const plain = new Recorder(loop);
      const [noBroadcast] = await loop.createDatagramEndpoint(() => plain, { localAddr: ['127.0.0.1', 0] });
      noBroadcast.sendto('no', ['127.255.255.255', port]);
      expect(((await plain.errors.get()) as NodeJS.ErrnoException).code).toBe('EACCES');

      const [broadcaster] = await loop.createDatagramEndpoint(() => new Recorder(loop), { localAddr: ['127.0.0.1', 0], allowBroadcast: true });
      broadcaster.sendto('all', ['127.255.255.255', port]);
      const [data, from] = await receiver.received.get();
      expect(data).toBe('all');
      expect(from).toEqual(broadcaster.getExtraInfo('sockname'));
      for (const t of [rx, noBroadcast, broadcaster]) t.close();
      await receiver.lost;
      await plain.lost;
    });
  });

  it('works over IPv6 on ::1', async () => {
    await withLoop(async (loop) => {
      const [server] = await loop.createDatagramEndpoint(() => new Echo(), { localAddr: ['::1', 0] });
      const serverAddr = server.getExtraInfo<SocketAddress>('sockname')!;
      expect(serverAddr.family).toBe('IPv6');
      const client = new Recorder(loop);
      const [transport] = await loop.createDatagramEndpoint(() => client, { remoteAddr: serverAddr });
      transport.sendto('six');
      const [data, from] = await client.received.get();
      expect(data).toBe('six');
      expect(from).toEqual({ address: '::1', port: serverAddr.port, family: 'IPv6' });
      transport.close();
      server.close();
      await client.lost;
    });
  });

  it('binds the family wildcard when only family is given', async () => {
    await withLoop(async (loop) => {
      const [transport] = await loop.createDatagramEndpoint(() => new Recorder(loop), { family: 'IPv4' });
      const name = transport.getExtraInfo<SocketAddress>('sockname')!;
      expect(name.address).toBe('0.0.0.0');
      expect(name.port).toBeGreaterThan(0);
      transport.abort();
    });
  });

  it('delivers many datagrams in order on loopback', async () => {
    await withLoop(async (loop) => {
      const receiver = new Recorder(loop);
      const [rx] = await loop.createDatagramEndpoint(() => receiver, { localAddr: ['127.0.0.1', 0] });
      const [tx] = await loop.createDatagramEndpoint(() => new Recorder(loop), { remoteAddr: rx.getExtraInfo<SocketAddress>('sockname')! });
      const total = 2000;
      const seen: number[] = [];
      // A window of 50 in flight keeps the receiver's socket buffer from overflowing.
      for (let i = 0; i < total; i++) {
        tx.sendto(String(i));
        if (i % 50 === 49) while (seen.length <= i) seen.push(Number((await receiver.received.get())[0]));
      }
      expect(seen).toEqual(Array.from({ length: total }, (_, i) => i));
      tx.close();
      rx.close();
      await receiver.lost;
    });
  });

  it('reports exceptions thrown by datagramReceived to the exception handler and keeps delivering', async () => {
    await withLoop(async (loop) => {
      const reported: unknown[] = [];
      loop.setExceptionHandler((_l, ctx) => reported.push(ctx.exception));
      const boom = new Error('boom');
      const got: string[] = [];
      let done!: () => void;
      const second = new Promise<void>((r) => (done = r));
      const [rx] = await loop.createDatagramEndpoint(
        () => ({
          datagramReceived(data: Uint8Array) {
            got.push(Buffer.from(data).toString());
            if (got.length === 1) throw boom;
            done();
          },
        }),
        { localAddr: ['127.0.0.1', 0] },
      );
      const [tx] = await loop.createDatagramEndpoint(() => ({}), { remoteAddr: rx.getExtraInfo<SocketAddress>('sockname')! });
      tx.sendto('a');
      tx.sendto('b');
      await second;
      expect(got).toEqual(['a', 'b']);
      expect(reported).toEqual([boom]);
      tx.close();
      rx.close();
    });
  });

  it('rejects with EADDRINUSE when the port is taken', async () => {
    await withLoop(async (loop) => {
      const [first] = await loop.createDatagramEndpoint(() => ({}), { localAddr: ['127.0.0.1', 0] });
      const port = first.getExtraInfo<SocketAddress>('sockname')!.port;
      await expect(loop.createDatagramEndpoint(() => ({}), { localAddr: ['127.0.0.1', port] })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      first.close();
    });
  });

  it("resolves 'localhost' to the loopback address", async () => {
    await withLoop(async (loop) => {
      const [transport] = await loop.createDatagramEndpoint(() => ({}), { localAddr: ['localhost', 0] });
      expect(transport.getExtraInfo<SocketAddress>('sockname')!.address).toBe('127.0.0.1');
      transport.close();
    });
  });

  it("gives the node:dgram socket as getExtraInfo('socket') and the default for unknown names", async () => {
    await withLoop(async (loop) => {
      const [transport] = await loop.createDatagramEndpoint(() => ({}), { localAddr: ['127.0.0.1', 0] });
      expect(transport.getExtraInfo('socket')).toBeInstanceOf(dgram.Socket);
      expect(transport.getExtraInfo('nothing', 'dflt')).toBe('dflt');
      transport.close();
    });
  });

  it('checks its arguments at the call', async () => {
    await withLoop(async (loop) => {
      expect(() => loop.createDatagramEndpoint(() => ({}), {})).toThrow(RangeError);
      expect(() => loop.createDatagramEndpoint(() => ({}), { localAddr: ['127.0.0.1', 70000] })).toThrow(RangeError);
      expect(() => loop.createDatagramEndpoint(() => ({}), { localAddr: '127.0.0.1' as never })).toThrow(TypeError);
      expect(() => loop.createDatagramEndpoint(() => ({}), { family: 5 as never })).toThrow(RangeError);
      expect(() => loop.createDatagramEndpoint(() => ({}), { family: 'IPv4', reuseAddress: true })).toThrow(RangeError);
      expect(() => loop.createDatagramEndpoint(null as never, { family: 'IPv4' })).toThrow(TypeError);
    });
  });

  it('rejects reusePort with RangeError below Node 22.12', async () => {
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
    const supported = major > 22 || (major === 22 && minor >= 12);
    await withLoop(async (loop) => {
      const attempt = loop.createDatagramEndpoint(() => ({}), { localAddr: ['127.0.0.1', 0], reusePort: true });
      if (supported) (await attempt)[0].close();
      else await expect(attempt).rejects.toBeInstanceOf(RangeError);
    });
  });

  it('throws a TypeError naming the missing datagram driver', () => {
    const loop = new EventLoop({ selector: new NodeSelector() });
    expect(() => loop.createDatagramEndpoint(() => ({}), { family: 'IPv4' })).toThrow(/datagram driver/);
    loop.close();
  });
});
