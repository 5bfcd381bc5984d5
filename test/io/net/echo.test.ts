import { describe, expect, test } from 'vitest';
import { currentTask, Protocol, Socket, type SocketAddress } from '../../../src/index.js';
import { Accepted, Echo, localServer, Recorder, within, withLoop } from './support.js';

describe('a TCP connection through createServer and createConnection', () => {
  test('echoes bytes back, strings going as UTF-8', async () => {
    const got = await withLoop(async (loop) => {
      const [server, port] = await localServer(loop, () => new Echo());
      const client = new Recorder(loop);
      const [t, p] = await loop.createConnection(() => client, '127.0.0.1', port);
      expect(p).toBe(client);
      t.write('héllo ');
      t.write(new TextEncoder().encode('world'));
      await within(client.bytes(12));
      t.close();
      await within(client.lost);
      server.close();
      await within(server.waitClosed());
      return client.text;
    });
    expect(got).toBe('héllo world');
  });

  test('connectionMade comes before createConnection resolves and before any data; connectionLost(null) last, once', async () => {
    const events = await withLoop(async (loop) => {
      const [server, port] = await localServer(loop, () => new Echo());
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, 'localhost', port);
      expect(client.events).toEqual(['made']);
      expect(client.transport).toBe(t);
      t.write('x');
      await within(client.bytes(1));
      t.close();
      t.close();
      await within(client.lost);
      expect(await client.lost).toBeNull();
      await server[Symbol.asyncDispose]();
      return client.events;
    });
    expect(events).toEqual(['made', 'data', 'lost']);
  });

  test('the server side gets connectionMade, the bytes, EOF and connectionLost(null) when the client closes', async () => {
    const events = await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const [t] = await loop.createConnection(() => new Protocol(), '127.0.0.1', port);
      t.write('abc');
      t.close();
      const serverSide = await within(accepted.nth(0));
      await within(serverSide.lost);
      expect(serverSide.text).toBe('abc');
      await server[Symbol.asyncDispose]();
      return serverSide.events;
    });
    expect(events[0]).toBe('made');
    expect(events.slice(-2)).toEqual(['eof', 'lost']);
    expect(events.filter((e) => e === 'data').length).toBeGreaterThan(0);
  });

  test('writelines sends every chunk in order; empty writes are no-ops', async () => {
    const got = await withLoop(async (loop) => {
      const [server, port] = await localServer(loop, () => new Echo());
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
      t.write('');
      t.writelines(['a', new Uint8Array([98]), '', 'c']);
      await within(client.bytes(3));
      t.close();
      await within(client.lost);
      await server[Symbol.asyncDispose]();
      return client.text;
    });
    expect(got).toBe('abc');
  });

  test('write rejects what is not bytes or a string', async () => {
    await withLoop(async (loop) => {
      const [server, port] = await localServer(loop, () => new Echo());
      const [t] = await loop.createConnection(() => new Protocol(), '127.0.0.1', port);
      expect(() => t.write(42 as never)).toThrow(TypeError);
      expect(() => t.writelines(5 as never)).toThrow(TypeError);
      t.close();
      await server[Symbol.asyncDispose]();
    });
  });

  test('getExtraInfo gives peername, sockname and a Socket; unknown names give the default', async () => {
    await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
      const serverTransport = await accepted.transport(0);
      const peer = t.getExtraInfo<SocketAddress>('peername')!;
      const me = t.getExtraInfo<SocketAddress>('sockname')!;
      expect(peer).toEqual({ address: '127.0.0.1', port, family: 'IPv4' });
      expect(me.address).toBe('127.0.0.1');
      expect(serverTransport.getExtraInfo('peername')).toEqual(me);
      expect(serverTransport.getExtraInfo('sockname')).toEqual(peer);
      const sock = t.getExtraInfo<Socket>('socket')!;
      expect(sock).toBeInstanceOf(Socket);
      expect(sock.family).toBe('IPv4');
      expect(sock.type).toBe('stream');
      expect(sock.getpeername()).toEqual(peer);
      expect(sock.getsockname()).toEqual(me);
      expect(t.getExtraInfo('socket')).toBe(sock);
      expect(() => sock.close()).toThrow(/belongs to a transport/);
      expect(t.getExtraInfo('peercert')).toBeUndefined();
      expect(t.getExtraInfo('nonsense', 'dflt')).toBe('dflt');
      t.close();
      await within(client.lost);
      await server[Symbol.asyncDispose]();
    });
  });

  test('getProtocol and setProtocol: data goes to the protocol set last', async () => {
    await withLoop(async (loop) => {
      const [server, port] = await localServer(loop, () => new Echo());
      const first = new Recorder(loop);
      const second = new Recorder(loop);
      const [t] = await loop.createConnection(() => first, '127.0.0.1', port);
      expect(t.getProtocol()).toBe(first);
      t.setProtocol(second);
      expect(t.getProtocol()).toBe(second);
      t.write('hi');
      await within(second.bytes(2));
      expect(first.received).toBe(0);
      t.close();
      await within(second.lost);
      await server[Symbol.asyncDispose]();
    });
  });

  test('await using a transport closes it and waits for connectionLost', async () => {
    await withLoop(async (loop) => {
      const [server, port] = await localServer(loop, () => new Echo());
      const client = new Recorder(loop);
      {
        await using t = (await loop.createConnection(() => client, '127.0.0.1', port))[0];
        t.write('bye');
      }
      expect(client.lost.done()).toBe(true);
      expect(client.events.at(-1)).toBe('lost');
      await server[Symbol.asyncDispose]();
    });
  });

  test('protocol callbacks run as plain loop callbacks, in the async context that made the connection', async () => {
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const als = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const tasks: unknown[] = [];
    await withLoop(async (loop) => {
      const [server, port] = await localServer(loop, () => new Echo());
      class Probe extends Recorder {
        override dataReceived(d: Uint8Array): void {
          seen.push(als.getStore());
          tasks.push(currentTask());
          super.dataReceived(d);
        }
      }
      const client = new Probe(loop);
      const [t] = await als.run('request-7', () => loop.createConnection(() => client, '127.0.0.1', port));
      t.write('x');
      await within(client.bytes(1));
      t.close();
      await within(client.lost);
      await server[Symbol.asyncDispose]();
    });
    expect(seen).toEqual(['request-7']);
    expect(tasks).toEqual([null]);
  });
});
