import { describe, expect, test } from 'vitest';
import { EventLoop, Protocol, Socket, TimeoutError, waitFor, type StreamDriver } from '../../../src/index.js';
import { nodeBackend } from '../../../src/index.js';
import { Accepted, Echo, localServer, pause, Recorder, within, withLoop } from './support.js';

/** A port nothing listens on (one that was free a moment ago). */
async function freePort(loop: EventLoop): Promise<number> {
  const [server, port] = await localServer(loop, () => new Protocol());
  await server[Symbol.asyncDispose]();
  return port;
}

describe('connection errors carry Node codes', () => {
  test('connecting to a port nothing listens on rejects with ECONNREFUSED; the protocol factory is never called', async () => {
    const { err, calls } = await withLoop(async (loop) => {
      const port = await freePort(loop);
      let calls = 0;
      const err = await loop
        .createConnection(
          () => {
            calls++;
            return new Protocol();
          },
          '127.0.0.1',
          port,
        )
        .catch((e: unknown) => e);
      return { err, calls };
    });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    expect(calls).toBe(0);
  });

  test('listening on a port in use rejects with EADDRINUSE', async () => {
    const err = await withLoop(async (loop) => {
      const [server, port] = await localServer(loop, () => new Protocol());
      const err = await loop.createServer(() => new Protocol(), '127.0.0.1', port).catch((e: unknown) => e);
      await server[Symbol.asyncDispose]();
      return err;
    });
    expect(err).toMatchObject({ code: 'EADDRINUSE' });
  });

  test('a peer that resets the connection mid-write ends it with ECONNRESET or EPIPE in connectionLost', async () => {
    const lost = await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const writer = new Recorder(loop);
      const [t] = await loop.createConnection(() => writer, '127.0.0.1', port);
      const peer = await accepted.transport(0);
      // The peer stops reading and then closes with unread bytes: the OS answers with a reset.
      peer.pauseReading();
      const chunk = new Uint8Array(16 * 1024);
      for (let i = 0; i < 8; i++) t.write(chunk);
      await pause(loop, 20);
      peer.abort();
      for (let i = 0; i < 2000 && !writer.lost.done(); i++) {
        t.write(chunk);
        await pause(loop, 2);
      }
      const lost = await within(writer.lost);
      // writes to a lost connection are dropped without an error
      t.write('dropped');
      await server[Symbol.asyncDispose]();
      return lost;
    });
    expect(lost).toBeInstanceOf(Error);
    expect(['ECONNRESET', 'EPIPE']).toContain((lost as { code?: string }).code);
  });

  test('abort: connectionLost(null) at once here, queued bytes dropped; the peer sees a reset (or an EOF where the OS sends none)', async () => {
    const { local, peerLost, closing } = await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
      const peer = await within(accepted.nth(0));
      await within(peer.made);
      t.write('some bytes');
      t.abort();
      const closing = t.isClosing();
      t.abort();
      t.close();
      t.write('after abort, dropped');
      const local = await within(client.lost);
      const peerLost = await within(peer.lost);
      await server[Symbol.asyncDispose]();
      return { local, peerLost, closing };
    });
    expect(closing).toBe(true);
    expect(local).toBeNull();
    if (peerLost !== null) expect(peerLost).toMatchObject({ code: 'ECONNRESET' });
  });

  test('a dataReceived that throws is reported and ends the connection with that error', async () => {
    const { reports, lost } = await withLoop(async (loop, reports) => {
      const [server, port] = await localServer(loop, () => new Echo());
      const boom = new Error('boom');
      const client = new Recorder(loop);
      client.onData = () => {
        throw boom;
      };
      const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
      t.write('x');
      const lost = await within(client.lost);
      expect(lost).toBe(boom);
      await server[Symbol.asyncDispose]();
      return { reports, lost };
    });
    expect(reports).toHaveLength(1);
    expect(reports[0]!.message).toBe('Fatal error: protocol.dataReceived() call failed.');
    expect(reports[0]!.exception).toBe(lost);
  });

  test('a connectionMade that throws is reported; the connection goes on', async () => {
    const { reports, text } = await withLoop(async (loop, reports) => {
      const [server, port] = await localServer(loop, () => new Echo());
      class Bad extends Recorder {
        override connectionMade(t: import('../../../src/index.js').Transport): void {
          super.connectionMade(t);
          throw new Error('made failed');
        }
      }
      const client = new Bad(loop);
      const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
      t.write('ok');
      await within(client.bytes(2));
      t.close();
      await within(client.lost);
      await server[Symbol.asyncDispose]();
      return { reports, text: client.text };
    });
    expect(text).toBe('ok');
    expect(reports.map((r) => (r.exception as Error).message)).toEqual(['made failed']);
  });

  test('a protocol factory that throws rejects createConnection with its error and closes the connection', async () => {
    const err = await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const err = await loop
        .createConnection(
          () => {
            throw new Error('no protocol');
          },
          '127.0.0.1',
          port,
        )
        .catch((e: unknown) => e);
      const peer = await within(accepted.nth(0));
      await within(peer.lost);
      await server[Symbol.asyncDispose]();
      return err;
    });
    expect(err).toMatchObject({ message: 'no protocol' });
  });

  test('a server whose protocol factory throws reports it and drops that connection', async () => {
    const { reports, lost } = await withLoop(async (loop, reports) => {
      const [server, port] = await localServer(loop, () => {
        throw new Error('factory broke');
      });
      const client = new Recorder(loop);
      // The reset may beat the client's own connect: then connecting fails with it.
      const connected = await loop.createConnection(() => client, '127.0.0.1', port).catch((e: unknown) => e);
      const lost = connected instanceof Error ? connected : await within(client.lost);
      await server[Symbol.asyncDispose]();
      return { reports, lost };
    });
    if (lost !== null) expect(lost).toMatchObject({ code: 'ECONNRESET' });
    expect(reports.map((r) => r.message)).toEqual(['Error on transport creation for incoming connection']);
  });

  test('cancelling createConnection (a timeout) aborts the attempt in the driver', async () => {
    const aborted: unknown[] = [];
    const backend = nodeBackend();
    const stuck: StreamDriver = {
      connect: (opts) =>
        new Promise((_resolve, reject) => {
          opts.signal!.addEventListener('abort', () => {
            aborted.push(opts.signal!.reason);
            reject(opts.signal!.reason);
          });
        }),
      listen: () => Promise.reject(new Error('unused')),
      startTls: () => Promise.reject(new Error('unused')),
      adopt: () => null,
    };
    const loop = new EventLoop({ ...backend, selector: Object.assign(backend.selector, { stream: stuck }) });
    const err = await loop.runUntilComplete(() => waitFor(loop.createConnection(() => new Protocol(), '127.0.0.1', 9), 50).catch((e: unknown) => e));
    await loop[Symbol.asyncDispose]();
    expect(err).toBeInstanceOf(TimeoutError);
    expect(aborted).toHaveLength(1);
  });
});

describe('bad arguments throw at the call', () => {
  test('createConnection, createServer, createUnix*, startTls, getaddrinfo', async () => {
    await withLoop(async (loop) => {
      const f = () => new Protocol();
      expect(() => loop.createConnection('x' as never, 'h', 1)).toThrow(TypeError);
      expect(() => loop.createConnection(f, 'h', 70000)).toThrow(RangeError);
      expect(() => loop.createConnection(f, 'h', Number.NaN)).toThrow(TypeError);
      expect(() => loop.createConnection(f, 5 as never, 1)).toThrow(TypeError);
      expect(() => loop.createConnection(f, 'h', 1, { serverHostname: 'x' })).toThrow(/only meaningful with ssl/);
      expect(() => loop.createConnection(f, 'h', 1, { sslHandshakeTimeout: 10 })).toThrow(RangeError);
      expect(() => loop.createConnection(f, 'h', 1, { ssl: true, sslHandshakeTimeout: 0 })).toThrow(RangeError);
      expect(() => loop.createConnection(f, null, 1, { ssl: true })).toThrow(/serverHostname/);
      expect(() => loop.createConnection(f)).toThrow(RangeError);
      expect(() => loop.createConnection(f, 'h', 1, { sock: new Socket() })).toThrow(RangeError);
      expect(() => loop.createConnection(f, null, null, { sock: new Socket() })).toThrow(/connected/);
      expect(() => loop.createConnection(f, 'h', 1, { family: 'IPv5' as never })).toThrow(TypeError);
      expect(() => loop.createServer(f, '127.0.0.1', 0, { ssl: true as never })).toThrow(TypeError);
      expect(() => loop.createServer(f, '127.0.0.1', 0, { backlog: -1 })).toThrow(TypeError);
      expect(() => loop.createServer(f, '127.0.0.1', 0, { reuseAddress: 'yes' as never })).toThrow(TypeError);
      expect(() => loop.createServer(f)).toThrow(RangeError);
      expect(() => loop.createServer(f, [1] as never, 0)).toThrow(TypeError);
      expect(() => loop.createUnixServer(f)).toThrow(RangeError);
      expect(() => loop.createUnixConnection(f, '/tmp/x', { ssl: true })).toThrow(/serverHostname/);
      expect(() => loop.createUnixConnection(f, 7 as never)).toThrow(TypeError);
      expect(() => loop.startTls({} as never, new Protocol(), true)).toThrow(TypeError);
      expect(() => loop.connectAcceptedSocket(f, {} as never)).toThrow(TypeError);
      expect(() => loop.getaddrinfo('h', -1)).toThrow(RangeError);
      expect(() => loop.getaddrinfo('h', 'http')).toThrow(TypeError);
      expect(() => loop.getaddrinfo('h', 1, { type: 'raw' as never })).toThrow(TypeError);
      expect(() => loop.getaddrinfo('h', 1, { type: 'stream', proto: 17 })).toThrow(RangeError);
      expect(() => loop.getnameinfo(['127.0.0.1'] as never)).toThrow(TypeError);
    });
  });

  test('a closed loop refuses network calls with EventLoopError', async () => {
    const loop = new EventLoop();
    loop.close();
    expect(() => loop.createConnection(() => new Protocol(), 'h', 1)).toThrow(/closed/);
    expect(() => loop.getaddrinfo('h', 1)).toThrow(/closed/);
    await loop[Symbol.asyncDispose]();
  });

  test('a loop without a stream driver says so', async () => {
    const backend = nodeBackend();
    const { stream: _unused, ...selectorWithout } = backend.selector as unknown as Record<string, unknown>;
    void _unused;
    const selector = Object.assign(Object.create(Object.getPrototypeOf(backend.selector)), selectorWithout);
    const loop = new EventLoop({ clock: backend.clock, selector, os: {} });
    expect(() => loop.createConnection(() => new Protocol(), 'h', 1)).toThrow(/no stream driver/);
    await expect(loop.runUntilComplete(() => loop.getaddrinfo('example.com', 1))).rejects.toThrow(/no DNS driver/);
    await loop[Symbol.asyncDispose]();
  });
});
