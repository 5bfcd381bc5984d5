import { describe, expect, test } from 'vitest';
import { CancelledError, InvalidStateError, Protocol, Socket, type SocketAddress } from '../../../src/index.js';
import { Accepted, Echo, localServer, pause, portOf, Recorder, within, withLoop } from './support.js';

async function echoRoundTrip(loop: import('../../../src/index.js').EventLoop, host: string, port: number, message = 'ping'): Promise<string> {
  const client = new Recorder(loop);
  const [t] = await loop.createConnection(() => client, host, port);
  t.write(message);
  await within(client.bytes(message.length));
  t.close();
  await within(client.lost);
  return client.text;
}

describe('Server', () => {
  test('port 0: sockets() are simloop Sockets whose getsockname() tells the real port', async () => {
    await withLoop(async (loop) => {
      const server = await loop.createServer(() => new Echo(), '127.0.0.1', 0);
      expect(server.getLoop()).toBe(loop);
      expect(server.isServing()).toBe(true);
      const socks = server.sockets();
      expect(socks).toHaveLength(1);
      expect(socks[0]).toBeInstanceOf(Socket);
      const name = socks[0]!.getsockname() as SocketAddress;
      expect(name.address).toBe('127.0.0.1');
      expect(name.family).toBe('IPv4');
      expect(name.port).toBeGreaterThan(0);
      expect(socks[0]!.family).toBe('IPv4');
      expect(() => socks[0]!.getpeername()).toThrow(expect.objectContaining({ code: 'ENOTCONN' }));
      expect(() => socks[0]!.close()).toThrow(InvalidStateError);
      expect(await echoRoundTrip(loop, '127.0.0.1', name.port)).toBe('ping');
      await server[Symbol.asyncDispose]();
      expect(server.sockets()).toEqual([]);
    });
  });

  test('host null listens on every interface of both families, on one port', async () => {
    await withLoop(async (loop) => {
      const server = await loop.createServer(() => new Echo(), null, 0);
      const names = server.sockets().map((s) => s.getsockname() as SocketAddress);
      expect(names.map((n) => n.address).sort()).toEqual(['0.0.0.0', '::']);
      expect(new Set(names.map((n) => n.port)).size).toBe(1);
      const port = names[0]!.port;
      expect(await echoRoundTrip(loop, '127.0.0.1', port, 'v4')).toBe('v4');
      expect(await echoRoundTrip(loop, '::1', port, 'v6')).toBe('v6');
      await server[Symbol.asyncDispose]();
    });
  });

  test('a list of hosts: one listening socket each, sharing the port picked for port 0', async () => {
    await withLoop(async (loop) => {
      const server = await loop.createServer(() => new Echo(), ['127.0.0.1', '::1'], 0);
      const names = server.sockets().map((s) => s.getsockname() as SocketAddress);
      expect(names.map((n) => n.address)).toEqual(['127.0.0.1', '::1']);
      expect(names[0]!.port).toBe(names[1]!.port);
      expect(await echoRoundTrip(loop, '::1', names[0]!.port)).toBe('ping');
      await server[Symbol.asyncDispose]();
    });
  });

  test('startServing: false binds at once and serves the connections that came meanwhile once serving starts', async () => {
    await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const server = await loop.createServer(accepted.factory, '127.0.0.1', 0, { startServing: false });
      expect(server.isServing()).toBe(false);
      const port = portOf(server);
      const client = new Recorder(loop);
      await loop.createConnection(() => client, '127.0.0.1', port);
      await pause(loop, 50);
      expect(accepted.all).toHaveLength(0);
      await server.startServing();
      expect(server.isServing()).toBe(true);
      await server.startServing();
      const peer = await accepted.transport(0);
      peer.write('served');
      await within(client.bytes(6));
      peer.close();
      await within(client.lost);
      await server[Symbol.asyncDispose]();
    });
  });

  test('close stops listening but leaves connections open; waitClosed waits for them', async () => {
    await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
      const peer = await accepted.transport(0);
      const waited = loop.createTask(() => server.waitClosed());
      server.close();
      server.close();
      expect(server.isServing()).toBe(false);
      expect(server.sockets()).toEqual([]);
      await expect(loop.createConnection(() => new Protocol(), '127.0.0.1', port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      peer.write('still open');
      await within(client.bytes(10));
      await pause(loop, 20);
      expect(waited.done()).toBe(false);
      t.close();
      await within(waited);
      await server.waitClosed();
      await expect(server.startServing()).rejects.toThrow(InvalidStateError);
    });
  });

  test('waitClosed called before close waits for the close', async () => {
    await withLoop(async (loop) => {
      const [server] = await localServer(loop, () => new Protocol());
      const waited = loop.createTask(() => server.waitClosed());
      await pause(loop, 20);
      expect(waited.done()).toBe(false);
      server.close();
      await within(waited);
    });
  });

  test('closeClients closes every connection (the clients see EOF); abortClients aborts them', async () => {
    await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const clients = [new Recorder(loop), new Recorder(loop), new Recorder(loop)];
      for (const c of clients) await loop.createConnection(() => c, '127.0.0.1', port);
      for (let i = 0; i < 3; i++) await accepted.transport(i);
      server.close();
      server.closeClients();
      for (const c of clients) expect(await within(c.lost)).toBeNull();
      for (const c of clients) expect(c.events).toEqual(['made', 'eof', 'lost']);
      await within(server.waitClosed());

      const accepted2 = new Accepted(loop);
      const [server2, port2] = await localServer(loop, accepted2.factory);
      const c2 = new Recorder(loop);
      await loop.createConnection(() => c2, '127.0.0.1', port2);
      const peer = await within(accepted2.nth(0));
      await within(peer.made);
      server2.abortClients();
      expect(await within(peer.lost)).toBeNull();
      const lost = await within(c2.lost);
      if (lost !== null) expect(lost).toMatchObject({ code: 'ECONNRESET' });
      await server2[Symbol.asyncDispose]();
    });
  });

  test('serveForever runs until its task is cancelled, then closes the server and waits for it', async () => {
    await withLoop(async (loop) => {
      const [server, port] = await localServer(loop, () => new Echo(), { startServing: false });
      const task = loop.createTask(() => server.serveForever());
      await pause(loop, 10);
      expect(server.isServing()).toBe(true);
      await expect(server.serveForever()).rejects.toThrow(InvalidStateError);
      expect(await echoRoundTrip(loop, '127.0.0.1', port)).toBe('ping');
      task.cancel();
      await expect(within(task)).rejects.toThrow(CancelledError);
      expect(server.isServing()).toBe(false);
      expect(server.sockets()).toEqual([]);
      await expect(server.serveForever()).rejects.toThrow(InvalidStateError);
    });
  });

  test('close() ends serveForever (it raises CancelledError, as asyncio)', async () => {
    await withLoop(async (loop) => {
      const [server] = await localServer(loop, () => new Echo());
      const task = loop.createTask(() => server.serveForever());
      await pause(loop, 10);
      server.close();
      await expect(within(task)).rejects.toThrow(CancelledError);
    });
  });

  test('await using closes the server and waits until it is closed', async () => {
    await withLoop(async (loop) => {
      let port = 0;
      {
        await using server = await loop.createServer(() => new Echo(), '127.0.0.1', 0);
        port = portOf(server);
        expect(await echoRoundTrip(loop, '127.0.0.1', port)).toBe('ping');
      }
      await expect(loop.createConnection(() => new Protocol(), '127.0.0.1', port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });
  });

  test('createServer({ sock }) serves on a listening Socket (or listens on a bound one)', async () => {
    await withLoop(async (loop) => {
      const sock = new Socket({ family: 'IPv4' });
      await sock.bind(['127.0.0.1', 0]);
      await sock.listen();
      const port = (sock.getsockname() as SocketAddress).port;
      expect(port).toBeGreaterThan(0);
      // a connection that comes before the server takes the socket is served too
      const early = new Recorder(loop);
      await loop.createConnection(() => early, '127.0.0.1', port);
      const server = await loop.createServer(() => new Echo(), null, null, { sock });
      expect(portOf(server)).toBe(port);
      early.transport!.write('early');
      await within(early.bytes(5));
      early.transport!.close();
      expect(await echoRoundTrip(loop, '127.0.0.1', port)).toBe('ping');
      expect(() => sock.close()).toThrow(InvalidStateError);
      await server[Symbol.asyncDispose]();

      const bound = new Socket({ family: 'IPv6' });
      await bound.bind(['::1', 0]);
      const server2 = await loop.createServer(() => new Echo(), undefined, undefined, { sock: bound });
      const port2 = portOf(server2);
      expect((bound.getsockname() as SocketAddress).port).toBe(port2);
      expect(await echoRoundTrip(loop, '::1', port2)).toBe('ping');
      await server2[Symbol.asyncDispose]();
    });
  });

  test('reuseAddress is accepted (a no-op on Unix); reusePort needs Node 22.12 (RangeError below)', async () => {
    await withLoop(async (loop) => {
      const server = await loop.createServer(() => new Echo(), '127.0.0.1', 0, { reuseAddress: true, backlog: 5 });
      await server[Symbol.asyncDispose]();
      const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
      const supported = major > 22 || (major === 22 && minor >= 12);
      const attempt = loop.createServer(() => new Echo(), '127.0.0.1', 0, { reusePort: true });
      if (supported) await (await attempt)[Symbol.asyncDispose]();
      else await expect(attempt).rejects.toThrow(RangeError);
    });
  });
});
