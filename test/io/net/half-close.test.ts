import { describe, expect, test } from 'vitest';
import { InvalidStateError } from '../../../src/index.js';
import { Accepted, localServer, Recorder, within, withLoop } from './support.js';

describe('half-close: writeEof and eofReceived', () => {
  test('writeEof sends EOF after the queued bytes; the peer that keeps the transport open can still answer', async () => {
    const result = await withLoop(async (loop) => {
      const accepted = new Accepted(loop, (r) => {
        r.keepOpen = true;
        // Answer once the whole request (up to EOF) is in, then close.
        void r.eof.then(() => {
          r.transport!.write(`got ${r.text.length} bytes`);
          r.transport!.close();
        });
      });
      const [server, port] = await localServer(loop, accepted.factory);
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
      expect(t.canWriteEof()).toBe(true);
      t.write('x'.repeat(100_000));
      t.writeEof();
      t.writeEof(); // a second call is a no-op
      await within(client.lost);
      const serverSide = await within(accepted.nth(0));
      await within(serverSide.lost);
      await server[Symbol.asyncDispose]();
      return { client: client.text, clientEvents: client.events, serverEvents: serverSide.events };
    });
    expect(result.client).toBe('got 100000 bytes');
    expect(result.clientEvents.slice(-2)).toEqual(['eof', 'lost']);
    expect(result.serverEvents.slice(-2)).toEqual(['eof', 'lost']);
  });

  test('write after writeEof throws InvalidStateError', async () => {
    await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
      t.writeEof();
      expect(() => t.write('late')).toThrow(InvalidStateError);
      expect(() => t.writelines(['late'])).toThrow(InvalidStateError);
      expect(t.isClosing()).toBe(false);
      // the peer saw EOF and (eofReceived returning nothing) closed: so do we
      await within(client.lost);
      await server[Symbol.asyncDispose]();
    });
  });

  test('an eofReceived that does not return true closes the transport: connectionLost(null) follows', async () => {
    const events = await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
      const serverT = await accepted.transport(0);
      serverT.writeEof();
      await within(client.lost);
      expect(t.isClosing()).toBe(true);
      await server[Symbol.asyncDispose]();
      return client.events;
    });
    expect(events).toEqual(['made', 'eof', 'lost']);
  });

  test('an eofReceived that returns true keeps the write side open', async () => {
    const got = await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const client = new Recorder(loop);
      client.keepOpen = true;
      const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
      const serverSide = await within(accepted.nth(0));
      await within(serverSide.made);
      serverSide.transport!.writeEof();
      await within(client.eof);
      expect(t.isClosing()).toBe(false);
      t.write('still here');
      await within(serverSide.bytes(10));
      t.close();
      await within(client.lost);
      await within(serverSide.lost);
      await server[Symbol.asyncDispose]();
      return serverSide.text;
    });
    expect(got).toBe('still here');
  });
});
