import { describe, expect, test } from 'vitest';
import { openConnection, simulate, startServer, type SocketAddress } from '../../../src/index.js';
import { Accepted, codeOf, connectedPair, Echo, portOf, Recorder, sockPair } from './support.js';

describe('TCP in the simulated network: what the code sees is what the Node backend gives', () => {
  test('protocols: an echo server and a client exchange bytes; connectionMade, dataReceived, connectionLost(null) in order', async () => {
    const { client, serverEvents } = await simulate(async (world) => {
      const loop = world.loop;
      const { accepted, server, client, t } = await connectedPair(loop, 8000);
      const peer = await accepted.transport(0);
      accepted.all[0]!.onData = (d) => peer.write(d);
      t.write('hello ');
      t.write('world');
      await client.bytes(11);
      t.close();
      await client.lost;
      await accepted.all[0]!.lost;
      server.close();
      await server.waitClosed();
      return { client, serverEvents: accepted.all[0]!.events };
    });
    expect(client.text).toBe('hello world');
    expect(client.events[0]).toBe('made');
    expect(client.events.at(-1)).toBe('lost');
    // The server saw the data, then the client's EOF (closing its side), then the end.
    expect(serverEvents[0]).toBe('made');
    expect(serverEvents.slice(-2)).toEqual(['eof', 'lost']);
  });

  test('streams: startServer and openConnection echo lines', async () => {
    const lines = await simulate(async () => {
      const server = await startServer(async (r, w) => {
        for await (const line of r) w.write(line);
        w.close();
      }, '127.0.0.1', 7000);
      const [r, w] = await openConnection('127.0.0.1', 7000);
      const got: string[] = [];
      for (const l of ['one\n', 'two\n', 'three\n']) {
        w.write(l);
        got.push(Buffer.from(await r.readline()).toString());
      }
      w.writeEof();
      expect((await r.read()).length).toBe(0);
      w.close();
      await w.waitClosed();
      server.close();
      await server.waitClosed();
      return got;
    });
    expect(lines).toEqual(['one\n', 'two\n', 'three\n']);
  });

  test('sock* methods: sockAccept, sockConnect, sockSendall and sockRecv move bytes in both directions', async () => {
    const got = await simulate(async (world) => {
      const loop = world.loop;
      const { client, server, peer, close } = await sockPair(loop);
      await loop.sockSendall(client, Buffer.from('ping'));
      const a = await loop.sockRecv(server, 100);
      await loop.sockSendall(server, Buffer.from('pong'));
      const b = await loop.sockRecv(client, 100);
      const result = { a: Buffer.from(a).toString(), b: Buffer.from(b).toString(), peer, clientName: client.getsockname() };
      close();
      return result;
    });
    expect(got.a).toBe('ping');
    expect(got.b).toBe('pong');
    expect(got.peer).toEqual(got.clientName);
  });

  test("peername and sockname are Node's { address, port, family } on both ends, mirrored", async () => {
    const names = await simulate(async (world) => {
      const loop = world.loop;
      const accepted = new Accepted(loop);
      const server = await loop.createServer(accepted.factory, '127.0.0.1', 8123);
      const [t] = await loop.createConnection(() => new Recorder(loop), '127.0.0.1', 8123);
      const s = await accepted.transport(0);
      const out = {
        clientSock: t.getExtraInfo('sockname'),
        clientPeer: t.getExtraInfo('peername'),
        serverSock: s.getExtraInfo('sockname'),
        serverPeer: s.getExtraInfo('peername'),
      };
      t.close();
      server.close();
      await server.waitClosed();
      return out;
    });
    expect(names.clientPeer).toEqual({ address: '127.0.0.1', port: 8123, family: 'IPv4' });
    expect(names.serverSock).toEqual({ address: '127.0.0.1', port: 8123, family: 'IPv4' });
    expect(names.clientSock).toEqual(names.serverPeer);
    expect((names.clientSock as SocketAddress).port).toBeGreaterThanOrEqual(32768);
  });

  test('port 0 picks a free port, the same one in every run', async () => {
    const run = () =>
      simulate(async (world) => {
        const a = await world.loop.createServer(() => new Echo(), '127.0.0.1', 0);
        const b = await world.loop.createServer(() => new Echo(), '127.0.0.1', 0);
        const ports = [portOf(a), portOf(b)];
        a.close();
        b.close();
        return ports;
      });
    const first = await run();
    expect(first[0]).not.toBe(first[1]);
    expect(first[0]).toBeGreaterThanOrEqual(32768);
    expect(await run()).toEqual(first);
  });

  test('listening on a taken address and port rejects with EADDRINUSE; a wildcard takes the port on the code\'s addresses too', async () => {
    const codes = await simulate(async (world) => {
      const loop = world.loop;
      const a = await loop.createServer(() => new Echo(), '127.0.0.1', 9000);
      const same = await loop.createServer(() => new Echo(), '127.0.0.1', 9000).catch((e: unknown) => codeOf(e));
      const wild = await loop.createServer(() => new Echo(), '0.0.0.0', 9000).catch((e: unknown) => codeOf(e));
      a.close();
      await a.waitClosed();
      const again = await loop.createServer(() => new Echo(), '127.0.0.1', 9000);
      again.close();
      return { same, wild };
    });
    expect(codes).toEqual({ same: 'EADDRINUSE', wild: 'EADDRINUSE' });
  });

  test('a server on 0.0.0.0 (and on every interface, host null) accepts connections to 127.0.0.1 and ::1', async () => {
    const got = await simulate(async (world) => {
      const loop = world.loop;
      const wild = await loop.createServer(() => new Echo(), '0.0.0.0', 5000);
      const c1 = new Recorder(loop);
      const [t1] = await loop.createConnection(() => c1, '127.0.0.1', 5000);
      t1.write('v4');
      await c1.bytes(2);
      t1.close();
      wild.close();
      const both = await loop.createServer(() => new Echo(), null, 5001);
      const c2 = new Recorder(loop);
      const [t2] = await loop.createConnection(() => c2, '::1', 5001);
      t2.write('v6');
      await c2.bytes(2);
      const peer = t2.getExtraInfo('peername');
      t2.close();
      both.close();
      return { v4: c1.text, v6: c2.text, sockets: both.sockets().length, peer };
    });
    expect(got.v4).toBe('v4');
    expect(got.v6).toBe('v6');
    expect(got.peer).toEqual({ address: '::1', port: 5001, family: 'IPv6' });
  });

  test('a connection bound with localAddr leaves from that address, which becomes one of the code\'s hosts', async () => {
    const names = await simulate(async (world) => {
      const loop = world.loop;
      const accepted = new Accepted(loop);
      const server = await loop.createServer(accepted.factory, '127.0.0.1', 6000);
      const [t] = await loop.createConnection(() => new Recorder(loop), '127.0.0.1', 6000, { localAddr: ['10.1.1.1', 41000] });
      const s = await accepted.transport(0);
      const out = { sock: t.getExtraInfo('sockname'), peer: s.getExtraInfo('peername') };
      t.close();
      server.close();
      return out;
    });
    expect(names.sock).toEqual({ address: '10.1.1.1', port: 41000, family: 'IPv4' });
    expect(names.peer).toEqual(names.sock);
  });

  test('connectAcceptedSocket takes no object that is not a connection of the network (TypeError)', async () => {
    await simulate(async (world) => {
      expect(() => world.loop.connectAcceptedSocket(() => new Echo(), { fd: 3 })).toThrow(TypeError);
    });
  });

  test('writes are copied: a buffer reused after write does not change what the peer gets', async () => {
    const got = await simulate(async (world) => {
      const loop = world.loop;
      world.network.setDefaults({ latency: 5 });
      const accepted = new Accepted(loop);
      const server = await loop.createServer(accepted.factory, '127.0.0.1', 6001);
      const [t] = await loop.createConnection(() => new Recorder(loop), '127.0.0.1', 6001);
      const buf = Buffer.from('aaaa');
      t.write(buf);
      buf.fill(0x62);
      t.write(buf);
      const r = await accepted.nth(0);
      await r.bytes(8);
      t.close();
      server.close();
      return r.text;
    });
    expect(got).toBe('aaaabbbb');
  });
});
