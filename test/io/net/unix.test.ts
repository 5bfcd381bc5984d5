import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Protocol, Socket, type Transport } from '../../../src/index.js';
import { Accepted, clientTls, Echo, Recorder, serverTls, tempDir, within, withLoop } from './support.js';

let dir = '';
let cleanup = (): void => {};
beforeEach(() => {
  [dir, cleanup] = tempDir();
});
afterEach(() => cleanup());

describe('unix sockets', () => {
  test('createUnixServer and createUnixConnection: echo, addresses as paths', async () => {
    const path = join(dir, 'echo.sock');
    await withLoop(async (loop) => {
      const accepted = new Accepted(loop, (r) => {
        r.onData = (d, self) => self.transport!.write(d);
      });
      const server = await loop.createUnixServer(accepted.factory, path);
      expect(server.sockets().map((s) => [s.family, s.getsockname()])).toEqual([['unix', path]]);
      expect(lstatSync(path).isSocket()).toBe(true);
      const client = new Recorder(loop);
      const [t] = await loop.createUnixConnection(() => client, path);
      t.write('over unix');
      await within(client.bytes(9));
      expect(client.text).toBe('over unix');
      expect(t.getExtraInfo('peername')).toBe(path);
      expect(t.getExtraInfo('sockname')).toBe('');
      expect(t.canWriteEof()).toBe(true);
      const sock = t.getExtraInfo<Socket>('socket')!;
      expect(sock.family).toBe('unix');
      expect(sock.getpeername()).toBe(path);
      const peer = await accepted.transport(0);
      expect(peer.getExtraInfo('sockname')).toBe(path);
      expect(peer.getExtraInfo('peername')).toBe('');
      t.writeEof();
      await within(client.lost);
      await server[Symbol.asyncDispose]();
    });
    // the socket file goes with the server
    expect(existsSync(path)).toBe(false);
  });

  test('a stale socket file at the path is replaced, as asyncio does', async () => {
    const path = join(dir, 'stale.sock');
    // A process that dies while listening leaves its socket file behind.
    execFileSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`]);
    expect(lstatSync(path).isSocket()).toBe(true);
    await withLoop(async (loop) => {
      await expect(loop.createUnixConnection(() => new Protocol(), path)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      const server = await loop.createUnixServer(() => new Echo(), path);
      const client = new Recorder(loop);
      const [t] = await loop.createUnixConnection(() => client, path);
      t.write('fresh');
      await within(client.bytes(5));
      t.close();
      await server[Symbol.asyncDispose]();
    });
  });

  test('a path held by something other than a socket gives EADDRINUSE; a missing one ENOENT', async () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'not a socket');
    await withLoop(async (loop) => {
      await expect(loop.createUnixServer(() => new Protocol(), file)).rejects.toMatchObject({ code: 'EADDRINUSE' });
      await expect(loop.createUnixConnection(() => new Protocol(), join(dir, 'missing.sock'))).rejects.toMatchObject({ code: 'ENOENT' });
    });
    expect(existsSync(file)).toBe(true);
  });

  test('createUnixServer({ sock }) serves on a bound unix Socket', async () => {
    const path = join(dir, 'bound.sock');
    await withLoop(async (loop) => {
      const sock = new Socket({ family: 'unix' });
      await sock.bind(path);
      expect(sock.getsockname()).toBe(path);
      const server = await loop.createUnixServer(() => new Echo(), null, { sock });
      const client = new Recorder(loop);
      const [t] = await loop.createUnixConnection(() => client, path);
      t.write('via sock');
      await within(client.bytes(8));
      t.close();
      await server[Symbol.asyncDispose]();
      expect(() => loop.createUnixServer(() => new Echo(), null, { sock: new Socket() })).toThrow(RangeError);
    });
  });

  test('TLS over a unix socket', async () => {
    const path = join(dir, 'tls.sock');
    const got = await withLoop(async (loop) => {
      const server = await loop.createUnixServer(() => new Echo(), path, { ssl: serverTls });
      const client = new Recorder(loop);
      const [t] = await loop.createUnixConnection(() => client, path, { ssl: clientTls, serverHostname: 'localhost' });
      expect(t.canWriteEof()).toBe(false);
      expect(t.getExtraInfo('peercert')).toMatchObject({ subject: { CN: 'localhost' } });
      t.write('secret');
      await within(client.bytes(6));
      t.close();
      await within(client.lost);
      await server[Symbol.asyncDispose]();
      return client.text;
    });
    expect(got).toBe('secret');
  });

  test('connectAcceptedSocket serves a unix socket Node accepted', async () => {
    const path = join(dir, 'adopt.sock');
    const net = await import('node:net');
    await withLoop(async (loop) => {
      const nodeServer = net.createServer();
      const accepted = loop.createFuture<import('node:net').Socket>();
      nodeServer.on('connection', (s) => loop.callSoonThreadsafe(() => accepted.setResult(s)));
      await new Promise<void>((r) => nodeServer.listen(path, r));
      const client = new Recorder(loop);
      const [ct] = await loop.createUnixConnection(() => client, path);
      const raw = await within(accepted);
      const serverSide = new Recorder(loop);
      serverSide.onData = (d, self) => self.transport!.write(d);
      const [st] = await loop.connectAcceptedSocket(() => serverSide, raw);
      expect(st.getExtraInfo('sockname')).toBe('');
      ct.write('adopted');
      await within(client.bytes(7));
      ct.close();
      await within(serverSide.lost);
      await new Promise<void>((r) => nodeServer.close(() => r()));
      return (st as Transport).isClosing();
    });
  });
});
