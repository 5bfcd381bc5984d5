import { describe, expect, test } from 'vitest';
import { openConnection, startServer } from '../../src/index.js';
import { backends } from './backends.js';
import { codeOf, connectedPair, portOf, rejection, within } from './support.js';

describe.each(backends)('resets on the $name backend', (backend) => {
  test("abort: connectionLost(null) here, at once and once; ECONNRESET in the other side's connectionLost", async () => {
    const got = await backend.run(async (world) => {
      const { server, client, t, peer } = await connectedPair(world);
      // No write just before: on Linux a reset that finds unread bytes at
      // the peer can read there as those bytes and an EOF (the simulated
      // network drops them and resets); the contract is the reset.
      t.abort();
      const closing = t.isClosing();
      t.abort();
      t.close();
      const local = await within(client.lost);
      const remote = await within(peer.lost);
      server.close();
      await within(server.waitClosed());
      return { closing, local, remote: codeOf(remote), clientEvents: client.events };
    });
    expect(got).toEqual({ closing: true, local: null, remote: 'ECONNRESET', clientEvents: ['made', 'lost'] });
  });

  test('the server aborting a connection makes the client reader reject with ECONNRESET', async () => {
    const code = await backend.run(async (world) => {
      const server = await startServer(async (reader, writer) => {
        await reader.readexactly(4);
        writer.transport.abort();
      }, world.host, 0);
      const [reader, writer] = await openConnection(world.host, portOf(server));
      writer.write('ping');
      const err = await rejection(within(reader.read()));
      writer.close();
      server.close();
      await within(server.waitClosed());
      return codeOf(err);
    });
    expect(code).toBe('ECONNRESET');
  });

  test('abortClients resets every connection of a server: each client sees ECONNRESET, the server side connectionLost(null)', async () => {
    const got = await backend.run(async (world) => {
      const { server, client, peer } = await connectedPair(world);
      server.close();
      server.abortClients();
      const local = await within(peer.lost);
      const remote = await within(client.lost);
      await within(server.waitClosed());
      return { local, remote: codeOf(remote) };
    });
    expect(got).toEqual({ local: null, remote: 'ECONNRESET' });
  });
});
