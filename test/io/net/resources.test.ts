import { join } from 'node:path';
import { expect, test } from 'vitest';
import { EventLoop, Protocol } from '../../../src/index.js';
import { Accepted, clientTls, Echo, localServer, netResources, Recorder, serverTls, tempDir, within } from './support.js';

test('after closing everything and disposing of the loop, Node holds no handle of ours', async () => {
  const baseline = netResources();
  const [dir, cleanup] = tempDir();
  const loop = new EventLoop();
  try {
    await loop.runUntilComplete(async () => {
      // TCP, a refused connection, a lookup
      const [server, port] = await localServer(loop, () => new Echo());
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, 'localhost', port);
      t.write('x');
      await within(client.bytes(1));
      await loop.createConnection(() => new Protocol(), '127.0.0.1', 1).catch(() => {});
      await loop.getaddrinfo('localhost', 80);
      await loop.getnameinfo(['127.0.0.1', 80]);
      // TLS, and a connection whose handshake times out
      const [tlsServer, tlsPort] = await localServer(loop, () => new Echo(), { ssl: serverTls });
      const tlsClient = new Recorder(loop);
      const [tt] = await loop.createConnection(() => tlsClient, 'localhost', tlsPort, { ssl: clientTls });
      await loop.createConnection(() => new Protocol(), 'localhost', port, { ssl: clientTls, sslHandshakeTimeout: 50 }).catch(() => {});
      // startTls
      const accepted = new Accepted(loop);
      const [plainServer, plainPort] = await localServer(loop, accepted.factory);
      const p = new Recorder(loop);
      const [plain] = await loop.createConnection(() => p, '127.0.0.1', plainPort);
      const peer = await accepted.transport(0);
      const upgrading = loop.startTls(peer, accepted.all[0]!, serverTls, { serverSide: true });
      const secure = await loop.startTls(plain, p, clientTls, { serverHostname: 'localhost' });
      await upgrading;
      // unix
      const unixServer = await loop.createUnixServer(() => new Echo(), join(dir, 's.sock'));
      const u = new Recorder(loop);
      const [ut] = await loop.createUnixConnection(() => u, join(dir, 's.sock'));
      // a server that never started serving, holding a connection
      const idle = await loop.createServer(() => new Echo(), '127.0.0.1', 0, { startServing: false });
      const held = new Recorder(loop);
      await loop.createConnection(() => held, '127.0.0.1', (idle.sockets()[0]!.getsockname() as { port: number }).port);

      // close what was opened
      t.close();
      tt.close();
      secure.close();
      ut.abort();
      for (const s of [server, tlsServer, plainServer, unixServer, idle]) {
        s.close();
        s.closeClients();
      }
      for (const r of [client, tlsClient, p, u, held]) await within(r.lost);
      for (const s of [server, tlsServer, plainServer, unixServer, idle]) await within(s.waitClosed());
    });
  } finally {
    await loop[Symbol.asyncDispose]();
    cleanup();
  }
  // Nothing of ours is left: no kind of handle counts more than before (a
  // timer of the test runner's that was there at the start may be gone).
  const after = netResources();
  for (const [kind, n] of Object.entries(after)) expect({ kind, n }).toEqual({ kind, n: Math.min(n, baseline[kind] ?? 0) });
});
