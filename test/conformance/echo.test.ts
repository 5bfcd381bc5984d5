import { describe, expect, test } from 'vitest';
import { openConnection, startServer } from '../../src/index.js';
import { backends } from './backends.js';
import { connectedPair, Echo, pattern, portOf, Recorder, within } from './support.js';

describe.each(backends)('echo on the $name backend', (backend) => {
  test('an echo server sends back every byte a client writes, in order, strings as UTF-8', async () => {
    const got = await backend.run(async (world) => {
      const { loop, host } = world;
      const server = await loop.createServer(() => new Echo(), host, 0);
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, host, portOf(server));
      t.write('héllo ');
      t.writelines([Buffer.from('wörld'), '', ' and more']);
      await within(client.bytes(Buffer.byteLength('héllo wörld and more')));
      t.close();
      await within(client.lost);
      server.close();
      await within(server.waitClosed());
      return { text: client.text, events: client.events.filter((e) => e !== 'data') };
    });
    expect(got).toEqual({ text: 'héllo wörld and more', events: ['made', 'lost'] });
  });

  test('the server side sees connectionMade, the bytes, eofReceived and connectionLost(null) when the client closes', async () => {
    const got = await backend.run(async (world) => {
      const { server, client, t, peer } = await connectedPair(world);
      t.write('bye');
      t.close();
      await within(peer.lost);
      await within(client.lost);
      server.close();
      await within(server.waitClosed());
      return { text: peer.text, events: [...new Set(peer.events)], lost: peer.lost.result() };
    });
    expect(got).toEqual({ text: 'bye', events: ['made', 'data', 'eof', 'lost'], lost: null });
  });

  test('streams: a megabyte written with drain() comes back intact, then EOF after the client half-closes', async () => {
    const got = await backend.run(async (world) => {
      const server = await startServer(async (reader, writer) => {
        for (;;) {
          const chunk = await reader.read(64 * 1024);
          if (chunk.length === 0) break;
          writer.write(chunk);
          await writer.drain();
        }
        writer.close();
      }, world.host, 0);
      const [reader, writer] = await openConnection(world.host, portOf(server));
      const payload = pattern(1 << 20);
      const echoed = within(reader.readexactly(payload.length));
      writer.write(payload);
      await within(writer.drain());
      writer.writeEof();
      const back = await echoed;
      const tail = await within(reader.read());
      writer.close();
      await within(writer.waitClosed());
      server.close();
      await within(server.waitClosed());
      return { same: Buffer.from(back).equals(payload), tail: tail.length, atEof: reader.atEof() };
    });
    expect(got).toEqual({ same: true, tail: 0, atEof: true });
  });
});
