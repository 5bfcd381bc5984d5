import { describe, expect, test } from 'vitest';
import { InvalidStateError, openConnection, startServer } from '../../src/index.js';
import { backends } from './backends.js';
import { connectedPair, portOf, within } from './support.js';

describe.each(backends)('half-close on the $name backend', (backend) => {
  test('writeEof reaches the peer as eofReceived after the bytes; a peer that keeps its side open goes on writing until it closes', async () => {
    const got = await backend.run(async (world) => {
      const { server, client, t, peer } = await connectedPair(world, undefined, (r) => {
        r.keepOpen = true;
      });
      expect(t.canWriteEof()).toBe(true);
      t.write('request');
      t.writeEof();
      await within(peer.eof);
      const beforeEof = peer.text;
      peer.transport!.write('answer 1, ');
      peer.transport!.write('answer 2');
      peer.transport!.close();
      await within(client.lost);
      await within(peer.lost);
      server.close();
      await within(server.waitClosed());
      return { beforeEof, answer: client.text, client: [...new Set(client.events)], peer: [...new Set(peer.events)] };
    });
    expect(got).toEqual({
      beforeEof: 'request',
      answer: 'answer 1, answer 2',
      client: ['made', 'data', 'eof', 'lost'],
      peer: ['made', 'data', 'eof', 'lost'],
    });
  });

  test('writing after writeEof throws InvalidStateError', async () => {
    const err = await backend.run(async (world) => {
      const { server, client, t } = await connectedPair(world);
      t.writeEof();
      let err: unknown = null;
      try {
        t.write('too late');
      } catch (e) {
        err = e;
      }
      t.close();
      await within(client.lost);
      server.close();
      await within(server.waitClosed());
      return err;
    });
    expect(err).toBeInstanceOf(InvalidStateError);
  });

  test('an eofReceived that does not return true closes the transport: connectionLost(null) follows it', async () => {
    const got = await backend.run(async (world) => {
      const { server, client, t, peer } = await connectedPair(world);
      t.writeEof();
      const lost = await within(peer.lost);
      await within(client.lost);
      server.close();
      await within(server.waitClosed());
      return { lost, peer: peer.events, client: client.events };
    });
    expect(got).toEqual({ lost: null, peer: ['made', 'eof', 'lost'], client: ['made', 'eof', 'lost'] });
  });

  test('streams: the server reads to EOF, answers after it, and the client reads the answer, then EOF', async () => {
    const got = await backend.run(async (world) => {
      const server = await startServer(async (reader, writer) => {
        const request = await reader.read();
        const atEof = reader.atEof();
        writer.write(`${Buffer.from(request).toString()} seen, atEof ${atEof}`);
        writer.close();
      }, world.host, 0);
      const [reader, writer] = await openConnection(world.host, portOf(server));
      writer.write('one ');
      writer.write('two');
      writer.writeEof();
      const answer = Buffer.from(await within(reader.read())).toString();
      writer.close();
      await within(writer.waitClosed());
      server.close();
      await within(server.waitClosed());
      return { answer, atEof: reader.atEof() };
    });
    expect(got).toEqual({ answer: 'one two seen, atEof true', atEof: true });
  });
});
