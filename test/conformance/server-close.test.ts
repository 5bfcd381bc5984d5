import { describe, expect, test } from 'vitest';
import { createTask, InvalidStateError, Protocol, sleep, startServer, openConnection } from '../../src/index.js';
import { backends } from './backends.js';
import { Accepted, codeOf, connectedPair, portOf, Recorder, rejection, within } from './support.js';

describe.each(backends)('closing a server on the $name backend', (backend) => {
  test('close() stops listening (new connections get ECONNREFUSED) and leaves open connections open; waitClosed waits until they are gone', async () => {
    const got = await backend.run(async (world) => {
      const { loop, host } = world;
      const { server, client, t, peer, port } = await connectedPair(world);
      const waited = createTask(() => server.waitClosed());
      server.close();
      const serving = server.isServing();
      const sockets = server.sockets().length;
      const refused = codeOf(await rejection(loop.createConnection(() => new Protocol(), host, port)));
      peer.transport!.write('still open');
      await within(client.bytes(10));
      await sleep(20);
      const waitedWhileOpen = !waited.done();
      t.close();
      await within(waited);
      const restart = await rejection(server.startServing());
      return { serving, sockets, refused, text: client.text, waitedWhileOpen, restart: restart instanceof InvalidStateError };
    });
    expect(got).toEqual({ serving: false, sockets: 0, refused: 'ECONNREFUSED', text: 'still open', waitedWhileOpen: true, restart: true });
  });

  test('closeClients closes every connection after what was written: each client gets the bytes, EOF, then connectionLost(null)', async () => {
    const got = await backend.run(async (world) => {
      const { loop, host } = world;
      const accepted = new Accepted(loop);
      const server = await loop.createServer(accepted.factory, host, 0);
      const clients = [new Recorder(loop), new Recorder(loop), new Recorder(loop)];
      for (const c of clients) await loop.createConnection(() => c, host, portOf(server));
      for (let i = 0; i < clients.length; i++) (await accepted.transport(i)).write(`last words ${i}`);
      server.close();
      server.closeClients();
      const lost = [];
      for (const c of clients) lost.push(await within(c.lost));
      await within(server.waitClosed());
      return { lost, texts: clients.map((c) => c.text), events: clients.map((c) => [...new Set(c.events)]) };
    });
    expect(got.lost).toEqual([null, null, null]);
    expect(got.texts).toEqual(['last words 0', 'last words 1', 'last words 2']);
    expect(got.events).toEqual(Array(3).fill(['made', 'data', 'eof', 'lost']));
  });

  test('streams: a server closed with closeClients ends each client reader at EOF, and waitClosed resolves', async () => {
    const got = await backend.run(async (world) => {
      const handlers: string[] = [];
      const server = await startServer(async (reader, writer) => {
        writer.write('hello\n');
        const line = await reader.readline();
        handlers.push(line.length === 0 ? 'eof' : 'line');
      }, world.host, 0);
      const [reader, writer] = await openConnection(world.host, portOf(server));
      const hello = Buffer.from(await within(reader.readline())).toString();
      server.close();
      server.closeClients();
      const rest = await within(reader.read());
      await within(server.waitClosed());
      writer.close();
      await within(writer.waitClosed());
      return { hello, rest: rest.length, atEof: reader.atEof(), handlers };
    });
    // The handler's readline ends without a line too: its transport closed under it.
    expect(got).toEqual({ hello: 'hello\n', rest: 0, atEof: true, handlers: ['eof'] });
  });
});
