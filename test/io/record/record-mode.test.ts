import { existsSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { EventLoop, openConnection, openUnixConnection, run, startServer, startUnixServer, waitFor, type StreamReader } from '../../../src/index.js';
import { certs, serverTls } from '../net/support.js';
import { echo, filesIn, flow, realServer, scratch, transcriptAt, type RealServer } from './support.js';

const { later, dir } = scratch();

async function server(handler: (s: net.Socket) => void, opts?: Parameters<typeof realServer>[1]): Promise<RealServer> {
  const s = await realServer(handler, opts);
  later(() => s.close());
  return s;
}

/** Run `main` on a recording loop, then dispose of the loop. */
async function recording(recordDir: string, main: (loop: EventLoop) => Promise<void>): Promise<void> {
  const loop = new EventLoop({ record: recordDir });
  try {
    await loop.runUntilComplete(() => waitFor(main(loop), 5000));
  } finally {
    await loop[Symbol.asyncDispose]();
  }
}

async function readToEof(reader: StreamReader): Promise<string> {
  return Buffer.from(await reader.read()).toString();
}

describe('record mode on the Node backend', () => {
  test('writes a client connection: bytes each way, half-closes, peer, and times', async () => {
    const echoServer = await server(echo);
    const out = join(dir(), 'nested', 'fixtures');
    let got = '';
    await recording(out, async () => {
      const [reader, writer] = await openConnection('127.0.0.1', echoServer.port);
      writer.write('hello\n');
      got = Buffer.from(await reader.readline()).toString();
      writer.writeEof();
      got += await readToEof(reader);
      await writer.waitClosed();
    });
    expect(got).toBe('hello\n');
    const name = `1-127.0.0.1-${echoServer.port}.json`;
    expect(filesIn(out)).toEqual([name]);
    const t = transcriptAt(out, name);
    expect(t.peer).toEqual({ host: '127.0.0.1', port: echoServer.port });
    expect(t.tls).toBe(false);
    expect(flow(t)).toEqual(['sent "hello\\n"', 'received "hello\\n"', 'sent eof', 'received eof']);
    for (const [i, e] of t.events.entries()) {
      expect(Number.isInteger(e.t) && e.t >= 0).toBe(true);
      if (i > 0) expect(e.t).toBeGreaterThanOrEqual(t.events[i - 1]!.t);
    }
  });

  test('numbers connections from 1 in the order they were established, accepted ones too, peer being the client', async () => {
    const out = dir();
    const clientPorts: number[] = [];
    await recording(out, async () => {
      const srv = await startServer(async (reader, writer) => {
        writer.write(await reader.readline());
        writer.close();
      }, '127.0.0.1', 0);
      const port = (srv.sockets()[0]!.getsockname() as { port: number }).port;
      for (const word of ['one\n', 'two\n']) {
        // A plain Node client, outside the loop: only the accepted end is the loop's.
        await new Promise<void>((resolve, reject) => {
          const c = net.connect(port, '127.0.0.1', () => {
            clientPorts.push(c.localPort!);
            c.write(word);
          });
          c.on('error', reject);
          c.on('close', () => resolve());
          c.resume();
        });
      }
      srv.close();
      await srv.waitClosed();
    });
    expect(filesIn(out)).toEqual([`1-127.0.0.1-${clientPorts[0]}.json`, `2-127.0.0.1-${clientPorts[1]}.json`]);
    const second = transcriptAt(out, `2-127.0.0.1-${clientPorts[1]}.json`);
    expect(second.peer).toEqual({ host: '127.0.0.1', port: clientPorts[1] });
    expect(flow(second).slice(0, 3)).toEqual(['received "two\\n"', 'sent "two\\n"', 'sent close']);
  });

  test('writes a unix socket connection as <n>-unix.json with the path as peer', async () => {
    const out = dir();
    const path = join(dir(), 'echo.sock');
    await server(echo, { path });
    await recording(out, async () => {
      const [reader, writer] = await openUnixConnection(path);
      writer.write('via unix\n');
      await reader.readline();
      writer.close();
      await writer.waitClosed();
    });
    expect(filesIn(out)).toEqual(['1-unix.json']);
    const t = transcriptAt(out, '1-unix.json');
    expect(t.peer).toEqual({ path });
    expect(flow(t)).toEqual(['sent "via unix\\n"', 'received "via unix\\n"', 'sent close']);
  });

  test("an accepted unix connection's peer is the socket's path", async () => {
    const out = dir();
    const path = join(dir(), 'served.sock');
    await recording(out, async () => {
      const srv = await startUnixServer(async (reader, writer) => {
        writer.write(await reader.readline());
        writer.close();
      }, path);
      await new Promise<void>((resolve, reject) => {
        const c = net.connect(path, () => c.write('knock\n'));
        c.on('error', reject);
        c.on('close', () => resolve());
        c.resume();
      });
      srv.close();
      await srv.waitClosed();
    });
    const t = transcriptAt(out, '1-unix.json');
    expect(t.peer).toEqual({ path });
    expect(flow(t).slice(0, 3)).toEqual(['received "knock\\n"', 'sent "knock\\n"', 'sent close']);
  });

  test('records TLS as the plaintext above it', async () => {
    const out = dir();
    const tlsServer = await server(echo, { tls: serverTls });
    await recording(out, async () => {
      const [reader, writer] = await openConnection('localhost', tlsServer.port, { ssl: { ca: certs.ca } });
      writer.write('secret\n');
      await reader.readline();
      writer.close();
      await writer.waitClosed();
    });
    const [name] = filesIn(out);
    const t = transcriptAt(out, name!);
    expect(t.tls).toBe(true);
    expect(flow(t)).toEqual(['sent "secret\\n"', 'received "secret\\n"', 'sent close']);
  });

  test('records a STARTTLS session: plaintext before and after the upgrade, no handshake bytes', async () => {
    const out = dir();
    const tlsModule = await import('node:tls');
    const srv = await server((socket) => {
      socket.once('data', () => {
        socket.write('GO\n', () => {
          const secure = new tlsModule.TLSSocket(socket, { isServer: true, ...serverTls });
          secure.on('error', () => {});
          secure.on('data', (d) => secure.end(Buffer.concat([Buffer.from('got '), d])));
        });
      });
    });
    let answer = '';
    await recording(out, async () => {
      const [reader, writer] = await openConnection('127.0.0.1', srv.port);
      writer.write('STARTTLS\n');
      await reader.readline();
      await writer.startTls({ ca: certs.ca }, { serverHostname: 'localhost' });
      writer.write('inside\n');
      answer = await readToEof(reader);
      writer.close();
      await writer.waitClosed();
    });
    expect(answer).toBe('got inside\n');
    const t = transcriptAt(out, filesIn(out)[0]!);
    expect(t.tls).toBe(true);
    expect(flow(t)).toEqual(['sent "STARTTLS\\n"', 'received "GO\\n"', 'sent "inside\\n"', 'received "got inside\\n"', 'received eof', 'sent close']);
  });

  test("a peer's reset is a received reset; the code's abort a sent reset", async () => {
    const out = dir();
    const resetting = await server((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const silent = await server(() => {});
    await recording(out, async () => {
      const [r1, w1] = await openConnection('127.0.0.1', resetting.port);
      w1.write('x');
      await expect(r1.read()).rejects.toMatchObject({ code: 'ECONNRESET' });
      const [, w2] = await openConnection('127.0.0.1', silent.port);
      w2.write('y');
      w2.transport.abort();
      await w2.waitClosed();
    });
    expect(flow(transcriptAt(out, `1-127.0.0.1-${resetting.port}.json`))).toEqual(['sent "x"', 'received reset']);
    expect(flow(transcriptAt(out, `2-127.0.0.1-${silent.port}.json`))).toEqual(['sent "y"', 'sent reset']);
  });

  test('a connection still open when the loop closes is written then', async () => {
    const out = dir();
    const silent = await server(() => {});
    const loop = new EventLoop({ record: out });
    await loop.runUntilComplete(async () => {
      const [, writer] = await openConnection('127.0.0.1', silent.port);
      writer.write('unanswered');
      await waitFor(writer.drain(), 5000);
    });
    const name = `1-127.0.0.1-${silent.port}.json`;
    expect(existsSync(join(out, name))).toBe(false);
    loop.close();
    expect(flow(transcriptAt(out, name))).toEqual(['sent "unanswered"']);
    await silent.close();
    await loop[Symbol.asyncDispose]();
  });

  test('run(main, { record }) records too; with a loop of its own it is a RangeError', async () => {
    const out = dir();
    const echoServer = await server(echo);
    await run(async () => {
      const [reader, writer] = await openConnection('127.0.0.1', echoServer.port);
      writer.write('from run\n');
      await reader.readline();
      writer.close();
      await writer.waitClosed();
    }, { record: out });
    expect(flow(transcriptAt(out, `1-127.0.0.1-${echoServer.port}.json`))).toEqual(['sent "from run\\n"', 'received "from run\\n"', 'sent close']);
    const loop = new EventLoop();
    later(() => loop[Symbol.asyncDispose]());
    await expect(run(async () => {}, { loop, record: out })).rejects.toThrow(RangeError);
  });

  test('a loop without record mode writes nothing', async () => {
    const out = dir();
    const echoServer = await server(echo);
    const loop = new EventLoop();
    try {
      await loop.runUntilComplete(async () => {
        const [reader, writer] = await openConnection('127.0.0.1', echoServer.port);
        writer.write('x\n');
        await reader.readline();
        writer.close();
        await writer.waitClosed();
      });
    } finally {
      await loop[Symbol.asyncDispose]();
    }
    expect(filesIn(out)).toEqual([]);
  });
});
