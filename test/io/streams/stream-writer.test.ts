import { describe, expect, it } from 'vitest';
import {
  createTask,
  getRunningLoop,
  simulate,
  sleep,
  StreamReader,
  StreamReaderProtocol,
  StreamWriter,
  type ExceptionContext,
} from '../../../src/index.js';
import type { Transport } from '../../../src/io/transports.js';
import { FakeTransport } from './fake-transport.js';
import { rejection, str, ticks } from './support.js';

/** A client-side reader, protocol, writer and fake transport, connected. */
function connected(limit?: number) {
  const loop = getRunningLoop();
  const reader = new StreamReader(limit === undefined ? {} : { limit });
  const protocol = new StreamReaderProtocol(reader);
  const transport = new FakeTransport().connect(protocol);
  const writer = new StreamWriter(transport, protocol, reader, loop);
  return { reader, protocol, transport, writer };
}

const resetError = () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });

describe('StreamReaderProtocol', () => {
  it('feeds received data and EOF to the reader and keeps the transport open after EOF', async () => {
    await simulate(async () => {
      const { reader, transport } = connected();
      transport.receive('hi\n');
      expect(transport.receiveEof()).toBe(true);
      expect(str(await reader.readline())).toBe('hi\n');
      expect(reader.atEof()).toBe(true);
    });
  });

  it('lets the transport close itself after EOF over TLS', async () => {
    await simulate(async () => {
      const reader = new StreamReader();
      const protocol = new StreamReaderProtocol(reader);
      const transport = new FakeTransport();
      transport.extra.set('sslcontext', {});
      transport.connect(protocol);
      expect(transport.receiveEof()).toBe(false);
    });
  });

  it('turns a clean connection loss into EOF for the reader', async () => {
    await simulate(async () => {
      const { reader, transport, writer } = connected();
      transport.receive('rest');
      transport.lose(null);
      expect(str(await reader.read())).toBe('rest');
      await writer.waitClosed();
    });
  });

  it('turns a connection lost to an error into the reader\'s exception and a rejecting waitClosed', async () => {
    await simulate(async () => {
      const { reader, transport, writer } = connected();
      const waiting = createTask(() => reader.readline());
      await ticks(2);
      const err = resetError();
      transport.lose(err);
      expect(await rejection(waiting)).toBe(err);
      expect(await rejection(writer.waitClosed())).toBe(err);
    });
  });

  it('runs an async clientConnected as a task with the reader and a writer', async () => {
    await simulate(async () => {
      const reader = new StreamReader();
      const seen: string[] = [];
      const protocol = new StreamReaderProtocol(reader, async (r, w) => {
        const line = await r.readline();
        seen.push(str(line));
        w.write(line);
      });
      const transport = new FakeTransport().connect(protocol);
      expect(protocol._task).not.toBeNull();
      transport.receive('echo\n');
      await protocol._task;
      expect(seen).toEqual(['echo\n']);
      expect(transport.text()).toBe('echo\n');
    });
  });

  it('calls a plain clientConnected from connectionMade', async () => {
    await simulate(async () => {
      let got: [StreamReader, StreamWriter] | null = null;
      const reader = new StreamReader();
      const protocol = new StreamReaderProtocol(reader, (r, w) => {
        got = [r, w];
      });
      const transport = new FakeTransport().connect(protocol);
      expect(got).not.toBeNull();
      expect(got![0]).toBe(reader);
      expect(got![1].transport).toBe(transport);
      expect(protocol._task).toBeNull();
    });
  });

  it('awaits in a task the promise a plain clientConnected returns, reporting its failure', async () => {
    await simulate(async () => {
      const reports: ExceptionContext[] = [];
      getRunningLoop().setExceptionHandler((_l, ctx) => reports.push(ctx));
      const boom = new Error('later');
      const protocol = new StreamReaderProtocol(new StreamReader(), () => sleep(10).then(() => Promise.reject(boom)));
      const transport = new FakeTransport().connect(protocol);
      expect(protocol._task).not.toBeNull();
      await sleep(20);
      expect(reports.map((r) => r.exception)).toEqual([boom]);
      expect(transport.isClosing()).toBe(true);
    });
  });

  it('reports a failing clientConnected task to the exception handler and closes the transport', async () => {
    await simulate(async () => {
      const reports: ExceptionContext[] = [];
      getRunningLoop().setExceptionHandler((_l, ctx) => reports.push(ctx));
      const boom = new Error('handler failed');
      const protocol = new StreamReaderProtocol(new StreamReader(), async () => {
        throw boom;
      });
      const transport = new FakeTransport().connect(protocol);
      await ticks(4);
      expect(reports).toHaveLength(1);
      expect(reports[0]!.exception).toBe(boom);
      expect(reports[0]!.message).toMatch(/clientConnected/);
      expect(transport.isClosing()).toBe(true);
    });
  });

  it('closes the transport when the clientConnected task is cancelled', async () => {
    await simulate(async () => {
      const protocol = new StreamReaderProtocol(new StreamReader(), async () => {
        await sleep(1000);
      });
      const transport = new FakeTransport().connect(protocol);
      await ticks(2);
      protocol._task!.cancel();
      await ticks(3);
      expect(transport.isClosing()).toBe(true);
    });
  });
});

describe('StreamWriter', () => {
  it('passes writes, writelines, writeEof and extra info to the transport', async () => {
    await simulate(async () => {
      const { transport, writer } = connected();
      transport.extra.set('peername', { address: '127.0.0.1', port: 9, family: 'IPv4' });
      writer.write('a');
      writer.write(Uint8Array.of(0x62));
      writer.writelines(['c', 'd']);
      expect(transport.text()).toBe('abcd');
      expect(writer.canWriteEof()).toBe(true);
      writer.writeEof();
      expect(transport.eofWritten).toBe(true);
      expect(writer.getExtraInfo('peername')).toEqual({ address: '127.0.0.1', port: 9, family: 'IPv4' });
      expect(writer.getExtraInfo('nope', 'dflt')).toBe('dflt');
      expect(writer.transport).toBe(transport);
    });
  });

  it('rejects a write of something other than bytes or a string', async () => {
    await simulate(async () => {
      const { writer } = connected();
      expect(() => writer.write(42 as unknown as string)).toThrow(TypeError);
    });
  });

  it('close() makes it closing and waitClosed() resolves once the connection is gone', async () => {
    await simulate(async () => {
      const { writer, reader } = connected();
      expect(writer.isClosing()).toBe(false);
      writer.close();
      expect(writer.isClosing()).toBe(true);
      await writer.waitClosed();
      expect(reader.atEof()).toBe(true);
    });
  });

  it('drain() returns at once while writing is not paused', async () => {
    await simulate(async () => {
      const { writer } = connected();
      writer.write('x');
      await writer.drain();
    });
  });

  it('drain() waits while the transport has paused writing, until it resumes', async () => {
    await simulate(async () => {
      const { writer, transport } = connected();
      transport.pauseProtocolWriting();
      const d1 = createTask(() => writer.drain());
      const d2 = createTask(() => writer.drain());
      await ticks(3);
      expect(d1.done() || d2.done()).toBe(false);
      transport.resumeProtocolWriting();
      await d1;
      await d2;
    });
  });

  it('a waiting drain() rejects with the error the connection was lost to', async () => {
    await simulate(async () => {
      const { writer, transport } = connected();
      transport.pauseProtocolWriting();
      const d = createTask(() => writer.drain());
      await ticks(2);
      const err = resetError();
      transport.lose(err);
      expect(await rejection(d)).toBe(err);
    });
  });

  it('drain() throws the reader\'s exception once the connection was lost to an error', async () => {
    await simulate(async () => {
      const { writer, transport } = connected();
      const err = resetError();
      transport.lose(err);
      expect(await rejection(writer.drain())).toBe(err);
    });
  });

  it('drain() throws ECONNRESET "Connection lost" after the connection closed', async () => {
    await simulate(async () => {
      const { writer } = connected();
      writer.close();
      const err = (await rejection(writer.drain())) as Error & { code: string };
      expect(err.code).toBe('ECONNRESET');
      expect(err.message).toBe('Connection lost');
    });
  });

  it('await using closes the writer and waits until the connection is gone', async () => {
    await simulate(async () => {
      const c = connected();
      {
        await using writer = c.writer;
        writer.write('bye');
      }
      expect(c.transport.isClosing()).toBe(true);
      expect(c.reader.atEof()).toBe(true);
      expect(c.transport.getProtocol()).toBeNull();
    });
  });

  it('rejects startTls options that are not an object at the call', async () => {
    await simulate(async () => {
      const { writer } = connected();
      expect(() => writer.startTls(true, null as unknown as object)).toThrow(TypeError);
    });
  });

  it('startTls upgrades through loop.startTls, server side when made for clientConnected', async () => {
    await simulate(async () => {
      const loop = getRunningLoop();
      const calls: unknown[][] = [];
      const upgraded = new FakeTransport();
      (loop as unknown as { startTls: unknown }).startTls = async (...args: unknown[]) => {
        calls.push(args);
        return upgraded;
      };
      let serverWriter: StreamWriter | null = null;
      const reader = new StreamReader();
      const protocol = new StreamReaderProtocol(reader, (_r, w) => {
        serverWriter = w;
      });
      const plain = new FakeTransport().connect(protocol);
      await serverWriter!.startTls({ cert: 'c' }, { sslHandshakeTimeout: 500 });
      expect(calls).toHaveLength(1);
      expect(calls[0]![0]).toBe(plain);
      expect(calls[0]![1]).toBe(protocol);
      expect(calls[0]![2]).toEqual({ cert: 'c' });
      expect(calls[0]![3]).toEqual({ sslHandshakeTimeout: 500, serverSide: true });
      expect(serverWriter!.transport).toBe(upgraded as Transport);
    });
  });
});
