import { expect, test } from 'vitest';
import { openConnection, Protocol, startServer, TimeoutError, waitFor, type EventLoop, type Transport } from '../../../src/index.js';
import { Accepted, localServer, pause, Recorder, within, withLoop } from '../net/support.js';
import { leftSince, resourceCounts } from './support.js';

/** A port nothing listens on (one that was free a moment ago). */
async function freePort(loop: EventLoop): Promise<number> {
  const [server, port] = await localServer(loop, () => new Protocol());
  await server[Symbol.asyncDispose]();
  return port;
}

test('openConnection to a port nothing listens on rejects with ECONNREFUSED; nothing reaches the exception handler', async () => {
  const { err, reports } = await withLoop(async (loop, reports) => {
    const err = await openConnection('127.0.0.1', await freePort(loop)).catch((e: unknown) => e);
    return { err, reports: [...reports] };
  });
  expect(err).toBeInstanceOf(Error);
  expect(err).toMatchObject({ code: 'ECONNREFUSED' });
  expect(reports).toEqual([]);
});

test('startServer on a port in use rejects with EADDRINUSE, and the first server keeps serving', async () => {
  const { err, served } = await withLoop(async (loop) => {
    const first = await startServer(async (reader, writer) => {
      writer.write(await reader.readline());
      writer.close();
    }, '127.0.0.1', 0);
    const port = (first.sockets()[0]!.getsockname() as { port: number }).port;
    const err = await startServer(() => {}, '127.0.0.1', port).catch((e: unknown) => e);
    const [r, w] = await within(openConnection('127.0.0.1', port));
    w.write('hi\n');
    const served = Buffer.from(await within(r.readline())).toString();
    w.close();
    await within(w.waitClosed());
    await first[Symbol.asyncDispose]();
    return { err, served };
  });
  expect(err).toMatchObject({ code: 'EADDRINUSE' });
  expect(served).toBe('hi\n');
});

// Node accepts every connection as soon as it is queued, so loopback offers no
// listener that leaves a connect pending for good; what a connect timeout
// must do is cancel the connect still in flight when the deadline passes.
// waitFor gets a function: a task it can cancel (a promise already started
// could only be abandoned, its connection made anyway).
test('a connect timeout: waitFor cancels the connect still pending, rejects with TimeoutError, and leaves nothing open', async () => {
  const baseline = resourceCounts();
  const { err, reports, madeClient } = await withLoop(async (loop, reports) => {
    const accepted = new Accepted(loop);
    const [server, port] = await localServer(loop, accepted.factory);
    let madeClient = 0;
    const err = await waitFor(
      () =>
        loop.createConnection(
          () => {
            madeClient++;
            return new Protocol();
          },
          '127.0.0.1',
          port,
        ),
      0,
    ).catch((e: unknown) => e);
    // Had the server accepted the connect before it was aborted, it would see it end.
    for (const r of accepted.all) await within(r.lost);
    await server[Symbol.asyncDispose]();
    return { err, reports: [...reports], madeClient };
  });
  expect(err).toBeInstanceOf(TimeoutError);
  expect(madeClient).toBe(0);
  expect(reports).toEqual([]);
  expect(leftSince(baseline)).toEqual({});
});

test('openConnection under waitFor: a timed-out connect rejects with TimeoutError and the next one succeeds', async () => {
  const { err, echoed } = await withLoop(async (loop) => {
    const server = await startServer(async (reader, writer) => {
      writer.write(await reader.readline());
      writer.close();
    }, '127.0.0.1', 0);
    const port = (server.sockets()[0]!.getsockname() as { port: number }).port;
    const err = await waitFor(() => openConnection('127.0.0.1', port), 0).catch((e: unknown) => e);
    const [r, w] = await waitFor(() => openConnection('127.0.0.1', port), 5000);
    w.write('again\n');
    const echoed = Buffer.from(await within(r.readline())).toString();
    w.close();
    await within(w.waitClosed());
    await server[Symbol.asyncDispose]();
    return { err, echoed };
  });
  expect(err).toBeInstanceOf(TimeoutError);
  expect(echoed).toBe('again\n');
});

test('writing to a peer that has gone away ends the connection with EPIPE (or ECONNRESET) in connectionLost, never uncaught', async () => {
  const { lost, reports } = await withLoop(async (loop, reports) => {
    // The server closes each connection at once.
    class Closer extends Protocol {
      override connectionMade(t: Transport): void {
        t.close();
      }
    }
    const [server, port] = await localServer(loop, () => new Closer());
    const client = new Recorder(loop);
    client.keepOpen = true; // stay open after the peer's EOF and keep writing
    const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
    await within(client.eof);
    const chunk = new Uint8Array(16 * 1024);
    for (let i = 0; i < 2000 && !client.lost.done(); i++) {
      t.write(chunk);
      await pause(loop, 1);
    }
    const lost = await within(client.lost);
    await server[Symbol.asyncDispose]();
    return { lost, reports: [...reports] };
  });
  expect(lost).toBeInstanceOf(Error);
  expect(['EPIPE', 'ECONNRESET']).toContain((lost as { code?: string }).code);
  expect(reports).toEqual([]);
});

test('through streams, writing to a peer that has gone away makes drain() reject with the errno code', async () => {
  const err = await withLoop(async (loop) => {
    const server = await startServer((_r, w) => w.close(), '127.0.0.1', 0);
    const port = (server.sockets()[0]!.getsockname() as { port: number }).port;
    const [reader, writer] = await within(openConnection('127.0.0.1', port));
    await within(reader.read()); // the server's EOF
    let err: unknown = null;
    for (let i = 0; i < 2000 && err === null; i++) {
      writer.write(new Uint8Array(16 * 1024));
      err = await writer.drain().then(
        () => pause(loop, 1).then(() => null),
        (e: unknown) => e,
      );
    }
    writer.close();
    await writer.waitClosed().catch(() => {});
    await server[Symbol.asyncDispose]();
    return err;
  });
  expect(err).toBeInstanceOf(Error);
  expect(['EPIPE', 'ECONNRESET']).toContain((err as { code?: string }).code);
});
