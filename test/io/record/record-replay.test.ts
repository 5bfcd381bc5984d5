import * as net from 'node:net';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { EventLoop, openConnection, ScriptMismatchError, simulate, startServer, waitFor, type StreamReader, type StreamWriter } from '../../../src/index.js';
import { loadScript } from '../../../src/backends/sim/script/load-script.js';
import { readTranscript } from '../../../src/io/transcript.js';
import { filesIn, realServer, scratch, type RealServer } from './support.js';

const { later, dir } = scratch();

/** A real HTTP-ish server: answers a request (once its blank line came) after `delayMs`, then half-closes. */
async function greetingServer(delayMs = 0): Promise<RealServer> {
  const s = await realServer((socket) => {
    let got = '';
    socket.on('data', (d) => {
      got += d.toString();
      if (!got.includes('\r\n\r\n')) return;
      const path = got.split(' ')[1];
      setTimeout(() => {
        const body = `hello from ${path}\n`;
        socket.end(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
      }, delayMs);
    });
  });
  later(() => s.close());
  return s;
}

/** The client code under test: the same function runs against the real server and against the replay. */
async function fetchPath(host: string, port: number, path: string): Promise<string> {
  const [reader, writer] = await openConnection(host, port);
  writer.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: close\r\n\r\n`);
  const response = Buffer.from(await reader.read()).toString();
  writer.close();
  await writer.waitClosed();
  return response;
}

/** Record `main` on the Node backend into a fresh directory; the one fixture file it wrote. */
async function record<T>(main: () => Promise<T>): Promise<{ result: T; file: string }> {
  const out = dir();
  const loop = new EventLoop({ record: out });
  let result: T;
  try {
    result = await loop.runUntilComplete(() => waitFor(main(), 5000));
  } finally {
    await loop[Symbol.asyncDispose]();
  }
  const files = filesIn(out);
  expect(files).toHaveLength(1);
  return { result, file: join(out, files[0]!) };
}

describe('record against a real server, replay offline', () => {
  test('the client gets the same bytes from the replayed peer as from the real server', async () => {
    const real = await greetingServer();
    const { result: live, file } = await record(() => fetchPath('127.0.0.1', real.port, '/greeting'));
    expect(live).toContain('hello from /greeting');
    await real.close();
    // Offline: the recorded peer listens where the real one did, in a simulated world.
    const { peer } = readTranscript(file);
    if (!('host' in peer)) throw new Error('expected a TCP peer');
    const replayed = await simulate(async (world) => {
      world.network.listen(peer.host, peer.port, loadScript(file));
      return fetchPath(peer.host, peer.port, '/greeting');
    });
    expect(replayed).toBe(live);
  });

  test("with timing 'recorded' the replayed peer answers after the recorded delay, in virtual time", async () => {
    const real = await greetingServer(60);
    const { file } = await record(() => fetchPath('127.0.0.1', real.port, '/slow'));
    const t = readTranscript(file);
    const request = t.events.find((e) => e.dir === 'sent')!;
    const answer = t.events.find((e) => e.dir === 'received')!;
    expect(answer.t - request.t).toBeGreaterThanOrEqual(55);
    const peer = t.peer as { host: string; port: number };
    const elapsed = await simulate(async (world) => {
      world.network.listen(peer.host, peer.port, loadScript(file, { timing: 'recorded' }));
      const start = world.loop.time();
      await fetchPath(peer.host, peer.port, '/slow');
      return world.loop.time() - start;
    });
    // The script's wait is the recorded gap between the request and the
    // answer (the request itself may have been recorded a ms or so after
    // the connect, on a loaded machine).
    expect(elapsed).toBeGreaterThanOrEqual(answer.t - request.t);
  });

  test('client code that changed since the recording fails the replay with a ScriptMismatchError, and sees the reset', async () => {
    const real = await greetingServer();
    const { file } = await record(() => fetchPath('127.0.0.1', real.port, '/greeting'));
    const peer = readTranscript(file).peer as { host: string; port: number };
    let clientSaw: unknown = null;
    const run = simulate(async (world) => {
      world.network.listen(peer.host, peer.port, loadScript(file));
      try {
        await fetchPath(peer.host, peer.port, '/greetings');
      } catch (e) {
        clientSaw = e;
      }
    });
    const err = await run.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ScriptMismatchError);
    expect((err as Error).message).toContain('step 1 of');
    expect((err as Error).message).toContain('expected: "GET /greeting HTTP/1.1');
    expect((err as Error).message).toContain('actual:   "GET /greetings HTTP/1.1');
    expect(clientSaw).toMatchObject({ code: 'ECONNRESET' });
  });

  test('a recorded server connection replays as a scripted client against the same server code', async () => {
    /** The server code under test: answers each line in upper case until the client half-closes. */
    const shout = async (reader: StreamReader, writer: StreamWriter): Promise<void> => {
      for await (const line of reader) writer.write(Buffer.from(line).toString().toUpperCase());
      writer.close();
    };
    const out = dir();
    const loop = new EventLoop({ record: out });
    let port = 0;
    try {
      await loop.runUntilComplete(async () => {
        const srv = await startServer(shout, '127.0.0.1', 0);
        port = (srv.sockets()[0]!.getsockname() as { port: number }).port;
        // A real client, outside the loop.
        await new Promise<void>((resolve, reject) => {
          const c = net.connect(port, '127.0.0.1', () => {
            c.write('hi\n');
            setTimeout(() => c.end('there\n'), 20);
          });
          c.on('error', reject);
          c.on('close', () => resolve());
          c.resume();
        });
        srv.close();
        await srv.waitClosed();
      });
    } finally {
      await loop[Symbol.asyncDispose]();
    }
    const [name] = filesIn(out);
    const file = join(out, name!);
    await simulate(async (world) => {
      const srv = await startServer(shout, '127.0.0.1', port);
      await world.network.connect('127.0.0.1', port, loadScript(file));
      srv.close();
      await srv.waitClosed();
    });
  });
});
