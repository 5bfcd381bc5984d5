import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  currentTask,
  Event,
  EventLoop,
  EventLoopError,
  getRunningLoop,
  IncompleteReadError,
  LimitOverrunError,
  openConnection,
  openUnixConnection,
  sleep,
  startServer,
  startUnixServer,
  type ExceptionContext,
  type Server,
  type StartServerOptions,
  type StreamReader,
  type StreamWriter,
} from '../../../src/index.js';
import { rejection, str } from './support.js';

/** Run `main` on a fresh loop on the Node backend, then dispose of the loop. */
async function onLoop<T>(main: () => Promise<T>): Promise<T> {
  const loop = new EventLoop();
  try {
    return await loop.runUntilComplete(main);
  } finally {
    await loop[Symbol.asyncDispose]();
  }
}

type Handler = (reader: StreamReader, writer: StreamWriter) => Promise<void>;

const portOf = (server: Server): number => (server.sockets()[0]!.getsockname() as { port: number }).port;

/** Start a stream server on 127.0.0.1, port 0, give `body` its port, then close the server. */
async function withServer<T>(handler: Handler, body: (port: number) => Promise<T>, opts: StartServerOptions = {}): Promise<T> {
  const server = await startServer(handler, '127.0.0.1', 0, opts);
  try {
    return await body(portOf(server));
  } finally {
    server.close();
    await server.waitClosed();
  }
}

/** Close `writer` and wait until its connection is gone. */
async function closeWriter(writer: StreamWriter): Promise<void> {
  writer.close();
  await writer.waitClosed();
}

/** A server handler that echoes lines until EOF, then closes. */
const echoLines: Handler = async (reader, writer) => {
  for await (const line of reader) {
    writer.write(line);
    await writer.drain();
  }
  await closeWriter(writer);
};

const TLS_DIR = fileURLToPath(new URL('../../../fixtures/tls/', import.meta.url));
const pem = (name: string): string => readFileSync(join(TLS_DIR, name), 'utf8');

describe('streams over TCP', () => {
  it('echoes lines written by openConnection and read back with readline', async () => {
    await onLoop(async () => {
      await withServer(echoLines, async (port) => {
        const [reader, writer] = await openConnection('127.0.0.1', port);
        writer.write('hello\n');
        writer.writelines(['wor', 'ld\n']);
        await writer.drain();
        expect(str(await reader.readline())).toBe('hello\n');
        expect(str(await reader.readline())).toBe('world\n');
        await closeWriter(writer);
      });
    });
  });

  it('frames messages with readexactly and readuntil', async () => {
    await onLoop(async () => {
      const handler: Handler = async (reader, writer) => {
        const header = await reader.readexactly(4);
        const body = await reader.readexactly(Buffer.from(header).readUInt32BE(0));
        const trailer = await reader.readuntil(['\r\n\r\n', '\n\n']);
        writer.write(`${body.length}:${body[99_999] === 0x78}|${JSON.stringify(str(trailer))}\n`);
        await closeWriter(writer);
      };
      await withServer(handler, async (port) => {
        const [reader, writer] = await openConnection('127.0.0.1', port);
        const body = Buffer.from('x'.repeat(100_000));
        const header = Buffer.alloc(4);
        header.writeUInt32BE(body.length, 0);
        writer.writelines([header, body, 'a: b\r\n\r\n']);
        const reply = str(await reader.readline());
        expect(reply).toBe(`100000:true|${JSON.stringify('a: b\r\n\r\n')}\n`);
        expect((await reader.read()).length).toBe(0);
        await closeWriter(writer);
      });
    });
  });

  it('throws LimitOverrunError from readline past the limit and goes on with the next line', async () => {
    await onLoop(async () => {
      const handler: Handler = async (reader, writer) => {
        const err = await rejection(reader.readline());
        writer.write(err instanceof LimitOverrunError ? 'overrun\n' : `unexpected ${String(err)}\n`);
        writer.write(await reader.readline());
        await closeWriter(writer);
      };
      await withServer(
        handler,
        async (port) => {
          const [reader, writer] = await openConnection('127.0.0.1', port);
          writer.write('y'.repeat(200) + '\nnext\n');
          expect(str(await reader.readline())).toBe('overrun\n');
          expect(str(await reader.readline())).toBe('next\n');
          await closeWriter(writer);
        },
        { limit: 16 },
      );
    });
  });

  it('rejects a limit that is not a positive integer at the call', async () => {
    await onLoop(async () => {
      expect(() => openConnection('127.0.0.1', 1, { limit: 0 })).toThrow(RangeError);
      expect(() => startServer(async () => {}, '127.0.0.1', 0, { limit: -1 })).toThrow(RangeError);
      expect(() => startServer(null as unknown as Handler, '127.0.0.1', 0)).toThrow(TypeError);
    });
  });

  it('throws EventLoopError when called with no running loop', () => {
    expect(() => openConnection('127.0.0.1', 1)).toThrow(EventLoopError);
    expect(() => startServer(async () => {}, '127.0.0.1', 0)).toThrow(EventLoopError);
  });

  it('rejects openConnection with the connect error and its code', async () => {
    await onLoop(async () => {
      const server = await startServer(async () => {}, '127.0.0.1', 0);
      const port = portOf(server);
      server.close();
      await server.waitClosed();
      const err = (await rejection(openConnection('127.0.0.1', port))) as Error & { code: string };
      expect(err.code).toBe('ECONNREFUSED');
    });
  });

  it('gives the peer address through getExtraInfo', async () => {
    await onLoop(async () => {
      await withServer(echoLines, async (port) => {
        const [, writer] = await openConnection('127.0.0.1', port);
        expect(writer.getExtraInfo('peername')).toMatchObject({ address: '127.0.0.1', port });
        await closeWriter(writer);
      });
    });
  });
});

describe('streams at EOF over TCP', () => {
  it('half-closes with writeEof: the server reads to EOF and still answers', async () => {
    await onLoop(async () => {
      const handler: Handler = async (reader, writer) => {
        const all = await reader.read();
        expect(reader.atEof()).toBe(true);
        writer.write(str(all).toUpperCase());
        await closeWriter(writer);
      };
      await withServer(handler, async (port) => {
        const [reader, writer] = await openConnection('127.0.0.1', port);
        expect(writer.canWriteEof()).toBe(true);
        writer.write('shout ');
        writer.write('this');
        writer.writeEof();
        expect(str(await reader.read())).toBe('SHOUT THIS');
        expect(reader.atEof()).toBe(true);
        await closeWriter(writer);
      });
    });
  });

  it('throws IncompleteReadError from readexactly with the partial bytes when the peer half-closes', async () => {
    await onLoop(async () => {
      const handler: Handler = async (reader, writer) => {
        const err = (await rejection(reader.readexactly(10))) as IncompleteReadError;
        writer.write(err instanceof IncompleteReadError ? `${str(err.partial)}/${err.expected}\n` : 'unexpected\n');
        await closeWriter(writer);
      };
      await withServer(handler, async (port) => {
        const [reader, writer] = await openConnection('127.0.0.1', port);
        writer.write('abc');
        writer.writeEof();
        expect(str(await reader.readline())).toBe('abc/10\n');
        await closeWriter(writer);
      });
    });
  });

  it('iterates over the lines a peer sends until it closes, the unterminated rest included', async () => {
    await onLoop(async () => {
      const handler: Handler = async (reader, writer) => {
        writer.write('one\ntwo\n');
        writer.write('three');
        await closeWriter(writer);
      };
      await withServer(handler, async (port) => {
        const [reader, writer] = await openConnection('127.0.0.1', port);
        const lines: string[] = [];
        for await (const line of reader) lines.push(str(line));
        expect(lines).toEqual(['one\n', 'two\n', 'three']);
        await closeWriter(writer);
      });
    });
  });
});

describe('stream flow control over TCP', () => {
  it('drain() holds a writer back while the peer does not read, and everything arrives once it does', async () => {
    await onLoop(async () => {
      const release = new Event();
      let received = -1;
      const handler: Handler = async (reader, writer) => {
        await release.wait();
        received = (await reader.read()).length;
        await closeWriter(writer);
      };
      await withServer(handler, async (port) => {
        const [reader, writer] = await openConnection('127.0.0.1', port);
        const chunk = Buffer.alloc(64 * 1024, 7);
        const [, high] = writer.transport.getWriteBufferLimits();
        let sent = 0;
        let sentAfterRelease = 0;
        // Bounded: the kernel's buffers on loopback hold a few MiB at most,
        // so the transport pauses long before 64 MiB.
        for (let i = 0; i < 1024 && sentAfterRelease < 1024 * 1024; i++) {
          writer.write(chunk);
          sent += chunk.length;
          if (release.isSet()) sentAfterRelease += chunk.length;
          // Past the high-water mark the transport has paused the protocol:
          // drain() now waits, so the server may start reading.
          else if (writer.transport.getWriteBufferSize() > high) release.set();
          await writer.drain();
          expect(writer.transport.getWriteBufferSize()).toBeLessThanOrEqual(high);
        }
        expect(release.isSet()).toBe(true);
        writer.writeEof();
        expect((await reader.read()).length).toBe(0);
        expect(received).toBe(sent);
        await closeWriter(writer);
      });
    });
  });

  it('pauses reading from the socket above twice the limit and resumes as the reader catches up', async () => {
    await onLoop(async () => {
      const seen: { paused?: boolean; readingAtEnd?: boolean; total?: number } = {};
      const handler: Handler = async (reader, writer) => {
        // Bounded wait for the reader to pass 2 KiB and pause the transport.
        for (let i = 0; i < 2000 && writer.transport.isReading(); i++) await sleep(5);
        seen.paused = !writer.transport.isReading();
        let total = 0;
        for (;;) {
          const block = await reader.read(1024);
          if (block.length === 0) break;
          total += block.length;
        }
        seen.total = total;
        seen.readingAtEnd = writer.transport.isReading();
        await closeWriter(writer);
      };
      await withServer(
        handler,
        async (port) => {
          const [reader, writer] = await openConnection('127.0.0.1', port);
          writer.write(Buffer.alloc(8 * 1024, 1));
          writer.write(Buffer.alloc(100 * 1024, 2));
          writer.writeEof();
          expect((await reader.read()).length).toBe(0);
          await closeWriter(writer);
        },
        { limit: 1024 },
      );
      expect(seen.paused).toBe(true);
      expect(seen.total).toBe(108 * 1024);
      expect(seen.readingAtEnd).toBe(true);
    });
  });

  it('drain() throws the error the connection was lost to when the peer resets it', async () => {
    await onLoop(async () => {
      const handler: Handler = async (_reader, writer) => {
        writer.transport.abort();
      };
      await withServer(handler, async (port) => {
        // The reset may beat the client's own connect: then connecting fails with it.
        const opened = await openConnection('127.0.0.1', port).catch((e: Error & { code?: string }) => e);
        if (opened instanceof Error) {
          expect(opened.code).toBe('ECONNRESET');
          return;
        }
        const [, writer] = opened;
        const chunk = Buffer.alloc(16 * 1024);
        let error: (Error & { code?: string }) | null = null;
        for (let i = 0; i < 10_000 && error === null; i++) {
          writer.write(chunk);
          try {
            await writer.drain();
          } catch (e) {
            error = e as Error & { code?: string };
          }
        }
        expect(error).not.toBeNull();
        expect(['ECONNRESET', 'EPIPE']).toContain(error!.code);
        writer.close();
      });
    });
  });
});

describe('startServer clientConnected', () => {
  it('runs an async clientConnected as a task', async () => {
    await onLoop(async () => {
      let inTask = false;
      const handler: Handler = async (_reader, writer) => {
        inTask = currentTask() !== null;
        writer.write('hi\n');
        await closeWriter(writer);
      };
      await withServer(handler, async (port) => {
        const [reader, writer] = await openConnection('127.0.0.1', port);
        expect(str(await reader.readline())).toBe('hi\n');
        expect(inTask).toBe(true);
        await closeWriter(writer);
      });
    });
  });

  it('reports a failing clientConnected to the exception handler and closes its connection', async () => {
    await onLoop(async () => {
      const reports: ExceptionContext[] = [];
      getRunningLoop().setExceptionHandler((_l, ctx) => reports.push(ctx));
      const boom = new Error('handler failed');
      const handler: Handler = async (reader) => {
        await reader.readline();
        throw boom;
      };
      await withServer(handler, async (port) => {
        const [reader, writer] = await openConnection('127.0.0.1', port);
        writer.write('go\n');
        expect((await reader.read()).length).toBe(0);
        expect(reports.map((r) => r.exception)).toEqual([boom]);
        await closeWriter(writer);
      });
    });
  });

  it('closes the writer with await using', async () => {
    await onLoop(async () => {
      await withServer(echoLines, async (port) => {
        const [reader, w] = await openConnection('127.0.0.1', port);
        {
          await using writer = w;
          writer.write('last\n');
          expect(str(await reader.readline())).toBe('last\n');
        }
        expect(w.isClosing()).toBe(true);
      });
    });
  });
});

describe('stream resources', () => {
  it('leaves no socket handle behind once the streams, the server and the loop are closed', async () => {
    const sockets = () => process.getActiveResourcesInfo().filter((r) => /TCP|Pipe|TLS/.test(r)).length;
    const before = sockets();
    await onLoop(async () => {
      await withServer(echoLines, async (port) => {
        const [reader, writer] = await openConnection('127.0.0.1', port);
        writer.write('x\n');
        await reader.readline();
        await closeWriter(writer);
      });
    });
    expect(sockets()).toBe(before);
  });
});

describe('streams over TLS', () => {
  const serverSsl = () => ({ key: pem('server-key.pem'), cert: pem('server-cert.pem') });
  const clientSsl = () => ({ ca: pem('ca-cert.pem') });

  it('echoes lines between startServer and openConnection with ssl', async () => {
    await onLoop(async () => {
      await withServer(
        echoLines,
        async (port) => {
          const [reader, writer] = await openConnection('127.0.0.1', port, { ssl: clientSsl(), serverHostname: 'localhost' });
          expect(writer.canWriteEof()).toBe(false);
          writer.write('secret\n');
          expect(str(await reader.readline())).toBe('secret\n');
          await closeWriter(writer);
        },
        { ssl: serverSsl() },
      );
    });
  });

  it('upgrades a plain connection in place with startTls on both sides', async () => {
    await onLoop(async () => {
      const handler: Handler = async (reader, writer) => {
        expect(str(await reader.readline())).toBe('STARTTLS\n');
        writer.write('GO\n');
        await writer.startTls(serverSsl());
        expect(writer.getExtraInfo('sslcontext')).toBeTruthy();
        const line = await reader.readline();
        writer.write(`tls:${str(line)}`);
        await closeWriter(writer);
      };
      await withServer(handler, async (port) => {
        const [reader, writer] = await openConnection('127.0.0.1', port);
        writer.write('STARTTLS\n');
        expect(str(await reader.readline())).toBe('GO\n');
        await writer.startTls(clientSsl(), { serverHostname: 'localhost' });
        writer.write('hello\n');
        expect(str(await reader.readline())).toBe('tls:hello\n');
        await closeWriter(writer);
      });
    });
  });
  it('rejects startTls with the TLS error when the certificate does not match the name', async () => {
    await onLoop(async () => {
      let serverSaw: unknown = null;
      const handler: Handler = async (reader, writer) => {
        await reader.readline();
        writer.write('GO\n');
        serverSaw = await rejection(writer.startTls(serverSsl()));
      };
      await withServer(handler, async (port) => {
        const [reader, writer] = await openConnection('127.0.0.1', port);
        writer.write('STARTTLS\n');
        await reader.readline();
        const err = (await rejection(writer.startTls(clientSsl(), { serverHostname: 'wrong.example' }))) as Error & { code?: string };
        expect(err.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
        // The failed upgrade closed the connection: the streams say so.
        expect(await rejection(writer.waitClosed())).toBe(err);
        expect(await rejection(reader.readline())).toBe(err);
        expect(writer.isClosing()).toBe(true);
        for (let i = 0; i < 200 && serverSaw === null; i++) await sleep(5);
        expect(serverSaw).toBeInstanceOf(Error);
      });
    });
  });
});

describe('streams over unix sockets', () => {
  it('echoes lines between startUnixServer and openUnixConnection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simloop-streams-'));
    try {
      await onLoop(async () => {
        const path = join(dir, 's.sock');
        const server = await startUnixServer(echoLines, path, { limit: 1024 });
        try {
          const [reader, writer] = await openUnixConnection(path);
          writer.write('over unix\n');
          expect(str(await reader.readline())).toBe('over unix\n');
          await closeWriter(writer);
        } finally {
          server.close();
          await server.waitClosed();
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
