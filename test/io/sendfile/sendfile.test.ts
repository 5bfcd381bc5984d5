import { open, type FileHandle } from 'node:fs/promises';
import { openSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InvalidStateError, Protocol, SendfileNotAvailableError, sleep, type EventLoop, type Transport } from '../../../src/index.js';
import { Accepted, clientTls, localServer, Recorder, serverTls, tempDir, within, withLoop } from '../net/support.js';

/** A file of several 64 KiB chunks plus a tail, every byte a function of its position. */
const SIZE = 5 * 64 * 1024 + 1234;
const byteAt = (i: number): number => (i * 31 + (i >> 8)) & 0xff;
let dir: string;
let cleanup: () => void;
let path: string;
/** A file larger than the kernel's socket buffers on loopback, so the transport's own buffer must fill. */
const BIG = 24 * 1024 * 1024;
let bigPath: string;

beforeAll(() => {
  [dir, cleanup] = tempDir();
  path = join(dir, 'data.bin');
  const data = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) data[i] = byteAt(i);
  writeFileSync(path, data);
  bigPath = join(dir, 'big.bin');
  const big = new Uint8Array(BIG);
  for (let i = 0; i < BIG; i++) big[i] = byteAt(i);
  writeFileSync(bigPath, big);
});
afterAll(() => cleanup());

/** Check that `got` is the file's bytes from `offset`. */
function expectFileBytes(got: Uint8Array, offset: number, length: number): void {
  expect(got.length).toBe(length);
  for (let i = 0; i < length; i++) {
    if (got[i] !== byteAt(offset + i)) throw new Error(`byte ${i} differs: ${got[i]} != ${byteAt(offset + i)}`);
  }
}

/** A client transport to a server whose first connection's Recorder is returned. */
async function connect(loop: EventLoop, secure = false): Promise<{ t: Transport; reader: Recorder; close: () => Promise<void> }> {
  const accepted = new Accepted(loop);
  const [server, port] = await localServer(loop, accepted.factory, secure ? { ssl: serverTls } : {});
  const [t] = await loop.createConnection(() => new Protocol(), '127.0.0.1', port, secure ? { ssl: clientTls } : {});
  const reader = await within(accepted.nth(0));
  await within(reader.made);
  return {
    t,
    reader,
    close: async () => {
      t.close();
      await within(reader.lost);
      await server[Symbol.asyncDispose]();
    },
  };
}

describe('loop.sendfile', () => {
  test.each([
    ['TCP', false],
    ['TLS', true],
  ])('%s: sends a whole FileHandle, several chunks, every byte intact, and resolves to the size', async (_n, secure) => {
    await withLoop(async (loop) => {
      const { t, reader, close } = await connect(loop, secure);
      const fh = await open(path, 'r');
      try {
        expect(await within(loop.sendfile(t, fh))).toBe(SIZE);
        await within(reader.bytes(SIZE));
        expectFileBytes(Buffer.concat(reader.chunks), 0, SIZE);
      } finally {
        await fh.close();
      }
      await close();
    });
  });

  test('sends count bytes from offset of a file descriptor', async () => {
    await withLoop(async (loop) => {
      const { t, reader, close } = await connect(loop);
      const fd = openSync(path, 'r');
      try {
        const offset = 70_000;
        const count = 2 * 64 * 1024 + 5;
        expect(await within(loop.sendfile(t, fd, offset, count))).toBe(count);
        await within(reader.bytes(count));
        expectFileBytes(Buffer.concat(reader.chunks), offset, count);
      } finally {
        closeSync(fd);
      }
      await close();
    });
  });

  test('a count past EOF sends up to EOF; an offset at EOF sends nothing', async () => {
    await withLoop(async (loop) => {
      const { t, reader, close } = await connect(loop);
      const fh = await open(path, 'r');
      try {
        expect(await within(loop.sendfile(t, fh, SIZE - 10, 1000))).toBe(10);
        expect(await within(loop.sendfile(t, fh, SIZE))).toBe(0);
        await within(reader.bytes(10));
        expectFileBytes(Buffer.concat(reader.chunks), SIZE - 10, 10);
      } finally {
        await fh.close();
      }
      await close();
    });
  });

  test('fallback: false rejects with SendfileNotAvailableError (Node has no zero-copy path)', async () => {
    await withLoop(async (loop) => {
      const { t, close } = await connect(loop);
      const fh = await open(path, 'r');
      try {
        await expect(loop.sendfile(t, fh, 0, null, { fallback: false })).rejects.toBeInstanceOf(SendfileNotAvailableError);
      } finally {
        await fh.close();
      }
      await close();
    });
  });

  test('bad offset, count, file or transport: TypeError or RangeError; a closing transport: InvalidStateError', async () => {
    await withLoop(async (loop) => {
      const { t, close } = await connect(loop);
      await expect(loop.sendfile(t, 3, -1)).rejects.toBeInstanceOf(RangeError);
      await expect(loop.sendfile(t, 3, 1.5)).rejects.toBeInstanceOf(TypeError);
      await expect(loop.sendfile(t, 3, 0, 0)).rejects.toBeInstanceOf(RangeError);
      await expect(loop.sendfile(t, 3, 0, '5' as never)).rejects.toBeInstanceOf(TypeError);
      await expect(loop.sendfile(t, 'x' as never)).rejects.toBeInstanceOf(TypeError);
      await expect(loop.sendfile(t, -3)).rejects.toBeInstanceOf(RangeError);
      await expect(loop.sendfile({} as never, 3)).rejects.toBeInstanceOf(TypeError);
      await close();
      await expect(loop.sendfile(t, 3)).rejects.toBeInstanceOf(InvalidStateError);
    });
  });

  test('a reader that stops: sendfile waits with the write buffer bounded by the high mark plus one chunk, and finishes once it reads', async () => {
    await withLoop(async (loop) => {
      const { t, reader, close } = await connect(loop);
      const rt = reader.transport!;
      rt.pauseReading();
      t.setWriteBufferLimits(16 * 1024);
      let maxBuffer = 0;
      const origWrite = t.write.bind(t);
      t.write = (d) => {
        origWrite(d);
        maxBuffer = Math.max(maxBuffer, t.getWriteBufferSize());
      };
      const fh = await open(bigPath, 'r');
      try {
        const sending = loop.createTask(() => loop.sendfile(t, fh));
        for (let i = 0; i < 10_000 && t.getWriteBufferSize() <= 16 * 1024; i++) await sleep(1);
        expect(t.getWriteBufferSize()).toBeGreaterThan(16 * 1024);
        // Blocked: the buffer does not grow while nobody reads.
        const size = t.getWriteBufferSize();
        await sleep(20);
        expect(t.getWriteBufferSize()).toBe(size);
        expect(sending.done()).toBe(false);
        rt.resumeReading();
        expect(await within(sending, 20_000)).toBe(BIG);
        await within(reader.bytes(BIG), 20_000);
        expectFileBytes(Buffer.concat(reader.chunks), 0, BIG);
        expect(maxBuffer).toBeLessThanOrEqual(16 * 1024 + 64 * 1024);
      } finally {
        await fh.close();
      }
      await close();
    });
  });

  test('the protocol is set aside meanwhile (a second sendfile is refused) and gets the transport back, reading again, afterwards', async () => {
    await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
      const peer = await within(accepted.nth(0));
      await within(peer.made);
      const fh = await open(path, 'r');
      try {
        const sending = loop.sendfile(t, fh, 0, 1000);
        expect(t.getProtocol()).not.toBe(client);
        expect(t.isReading()).toBe(false);
        await expect(loop.sendfile(t, fh)).rejects.toBeInstanceOf(InvalidStateError);
        expect(await within(sending)).toBe(1000);
      } finally {
        await fh.close();
      }
      expect(t.getProtocol()).toBe(client);
      expect(t.isReading()).toBe(true);
      peer.transport!.write('after');
      await within(client.bytes(5));
      expect(client.text).toBe('after');
      t.close();
      await within(client.lost);
      await server[Symbol.asyncDispose]();
    });
  });

  test('the peer resetting the connection mid-sendfile rejects it, and the protocol gets connectionLost', async () => {
    await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
      const peer = await within(accepted.nth(0));
      const pt = await within(peer.made);
      pt.pauseReading();
      const fh: FileHandle = await open(bigPath, 'r');
      try {
        // Reset by the peer once a few chunks went out.
        let writes = 0;
        const origWrite = t.write.bind(t);
        t.write = (d) => {
          origWrite(d);
          if (++writes === 3) pt.abort();
        };
        const sending = loop.createTask(() => loop.sendfile(t, fh));
        await expect(within(sending)).rejects.toBeInstanceOf(Error);
      } finally {
        await fh.close();
      }
      await within(client.lost);
      expect(client.events.at(-1)).toMatch(/^lost/);
      await server[Symbol.asyncDispose]();
    });
  });

  test('the transport closed locally mid-sendfile rejects it', async () => {
    await withLoop(async (loop) => {
      const { t, reader, close } = await connect(loop);
      reader.transport!.pauseReading();
      const fh = await open(path, 'r');
      try {
        let writes = 0;
        const origWrite = t.write.bind(t);
        t.write = (d) => {
          origWrite(d);
          if (++writes === 3) loop.callSoon(() => t.abort());
        };
        const sending = loop.createTask(() => loop.sendfile(t, fh));
        await expect(within(sending)).rejects.toBeInstanceOf(Error);
      } finally {
        await fh.close();
      }
      // A paused Node socket notices no reset: read again to see the end.
      reader.transport!.resumeReading();
      await close();
    });
  });
});
