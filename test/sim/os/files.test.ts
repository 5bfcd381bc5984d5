import { describe, expect, it } from 'vitest';
import { Protocol, SendfileNotAvailableError, simulate, sleep, type ReadTransport, type SimWorld } from '../../../src/index.js';
import { rejection } from '../support.js';

/** A file of several 64 KiB chunks plus a tail, every byte a function of its position. */
const SIZE = 3 * 64 * 1024 + 777;
const byteAt = (i: number): number => (i * 31 + (i >> 8)) & 0xff;
function pattern(length: number, from = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = byteAt(from + i);
  return out;
}

/** A protocol that records what a read pipe delivers. */
class Reader extends Protocol {
  chunks: Uint8Array[] = [];
  events: string[] = [];
  readonly done: Promise<Error | null>;
  private finish!: (e: Error | null) => void;
  constructor() {
    super();
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
  }
  override dataReceived(data: Uint8Array): void {
    this.chunks.push(data);
    this.events.push(`data ${data.length}`);
  }
  override eofReceived(): void {
    this.events.push('eof');
  }
  override connectionLost(error: Error | null): void {
    this.events.push(`lost ${error === null ? 'null' : (error as NodeJS.ErrnoException).code}`);
    this.finish(error);
  }
  get bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

/** A write pipe to `path` of the world's files, with a protocol that notes flow control and the end. */
async function writePipe(world: SimWorld, path: string) {
  if (!world.files.exists(path)) world.files.add(path, '');
  const events: string[] = [];
  let lost!: (e: Error | null) => void;
  const closed = new Promise<Error | null>((resolve) => {
    lost = resolve;
  });
  const [transport] = await world.loop.connectWritePipe(
    () =>
      new (class extends Protocol {
        override pauseWriting(): void {
          events.push('pause');
        }
        override resumeWriting(): void {
          events.push('resume');
        }
        override connectionLost(error: Error | null): void {
          events.push('lost');
          lost(error);
        }
      })(),
    world.files.open(path),
  );
  return { transport, events, closed };
}

describe('SimFiles', () => {
  it('add makes a file that read returns (a copy), from bytes or a UTF-8 string', async () => {
    await simulate(async (world) => {
      const bytes = new Uint8Array([1, 2, 3]);
      world.files.add('/data/a.bin', bytes);
      bytes[0] = 9;
      world.files.add('/data/b.txt', 'héllo');
      expect([...world.files.read('/data/a.bin')]).toEqual([1, 2, 3]);
      expect(Buffer.from(world.files.read('/data/b.txt')).toString('utf8')).toBe('héllo');
      expect(world.files.exists('/data/a.bin')).toBe(true);
      expect(world.files.exists('/data/c')).toBe(false);
    });
  });

  it('add and read copy Node Buffers too (whose slice() is a view, not a copy)', async () => {
    await simulate(async (world) => {
      const source = Buffer.from([1, 2, 3]);
      world.files.add('/data/a.bin', source);
      source[0] = 9;
      const got = world.files.read('/data/a.bin');
      got[1] = 8;
      expect([...world.files.read('/data/a.bin')]).toEqual([1, 2, 3]);
      const replacement = Buffer.from([4, 5]);
      world.files.add('/data/a.bin', replacement);
      replacement[0] = 7;
      expect([...world.files.read('/data/a.bin')]).toEqual([4, 5]);
    });
  });

  it("open of a missing file throws Node's ENOENT error: code, errno, syscall, path and message", async () => {
    await simulate(async (world) => {
      let err: (Error & { code?: string; errno?: number; syscall?: string; path?: string }) | undefined;
      try {
        world.files.open('/missing.txt');
      } catch (e) {
        err = e as typeof err;
      }
      expect(err?.message).toBe("ENOENT: no such file or directory, open '/missing.txt'");
      expect(err?.code).toBe('ENOENT');
      expect(err?.errno).toBe(-2);
      expect(err?.syscall).toBe('open');
      expect(err?.path).toBe('/missing.txt');
    });
  });

  it('add over an existing file replaces its contents, and an open handle reads the new bytes', async () => {
    await simulate(async (world) => {
      world.files.add('/f', 'old contents');
      const handle = world.files.open('/f');
      world.files.add('/f', 'new');
      const buf = new Uint8Array(20);
      const { bytesRead } = await handle.read(buf, 0, 20, 0);
      expect(Buffer.from(buf.subarray(0, bytesRead)).toString()).toBe('new');
    });
  });

  it('remove deletes the path; a handle opened before keeps reading the file, as after an unlink', async () => {
    await simulate(async (world) => {
      world.files.add('/tmp/x', 'still here');
      const handle = world.files.open('/tmp/x');
      expect(world.files.remove('/tmp/x')).toBe(true);
      expect(world.files.remove('/tmp/x')).toBe(false);
      expect(() => world.files.open('/tmp/x')).toThrow(/ENOENT/);
      const buf = new Uint8Array(10);
      await handle.read(buf, 0, 10, 0);
      expect(Buffer.from(buf).toString()).toBe('still here');
    });
  });

  it("a handle reads as a FileHandle does: at a position, or from its own offset when the position is null; EBADF once closed", async () => {
    await simulate(async (world) => {
      world.files.add('/abc', 'abcdef');
      const handle = world.files.open('/abc');
      const buf = new Uint8Array(3);
      await handle.read(buf, 0, 3, null);
      expect(Buffer.from(buf).toString()).toBe('abc');
      await handle.read(buf, 0, 3, null);
      expect(Buffer.from(buf).toString()).toBe('def');
      expect((await handle.read(buf, 0, 3, 6)).bytesRead).toBe(0);
      await handle.close();
      expect(handle.closed).toBe(true);
      expect(((await rejection(handle.read(buf, 0, 3, 0))) as NodeJS.ErrnoException).code).toBe('EBADF');
    });
  });

  it('bad paths and data are TypeErrors', async () => {
    await simulate(async (world) => {
      expect(() => world.files.add('', 'x')).toThrow(/files.add: path must be a non-empty string/);
      expect(() => world.files.add('/x', 42 as never)).toThrow(/files.add: data must be a Uint8Array or a string/);
      expect(() => world.files.open(7 as never)).toThrow(TypeError);
    });
  });
});

describe('loop.sendfile on a SimFiles handle (over a write pipe to another simulated file)', () => {
  it('sends the whole file, several 64 KiB chunks, every byte intact, and resolves to its size', async () => {
    await simulate(async (world) => {
      world.files.add('/src.bin', pattern(SIZE));
      const { transport, closed } = await writePipe(world, '/dst.bin');
      expect(await world.loop.sendfile(transport, world.files.open('/src.bin'))).toBe(SIZE);
      transport.close();
      expect(await closed).toBeNull();
      expect(Buffer.from(world.files.read('/dst.bin')).equals(Buffer.from(pattern(SIZE)))).toBe(true);
    });
  });

  it('sends count bytes from offset; a count past the end stops at the end; an offset at the end sends nothing', async () => {
    await simulate(async (world) => {
      world.files.add('/src.bin', pattern(SIZE));
      const src = world.files.open('/src.bin');
      const { transport } = await writePipe(world, '/dst.bin');
      const offset = 70_000;
      const count = 64 * 1024 + 5;
      expect(await world.loop.sendfile(transport, src, offset, count)).toBe(count);
      expect(await world.loop.sendfile(transport, src, SIZE - 10, 1000)).toBe(10);
      expect(await world.loop.sendfile(transport, src, SIZE)).toBe(0);
      transport.close();
      await sleep(1);
      const expected = Buffer.concat([pattern(count, offset), pattern(10, SIZE - 10)]);
      expect(Buffer.from(world.files.read('/dst.bin')).equals(expected)).toBe(true);
    });
  });

  it("with a small high-water mark on the transport, no chunk is written while the buffer is above the low mark, and the bytes stay intact", async () => {
    await simulate(async (world) => {
      world.files.add('/src.bin', pattern(SIZE));
      const { transport } = await writePipe(world, '/dst.bin');
      transport.setWriteBufferLimits(1024);
      const [low] = transport.getWriteBufferLimits();
      const before: number[] = [];
      const write = transport.write.bind(transport);
      transport.write = (data) => {
        before.push(transport.getWriteBufferSize());
        write(data);
      };
      expect(await world.loop.sendfile(transport, world.files.open('/src.bin'))).toBe(SIZE);
      expect(before.length).toBe(4);
      expect(before.every((size) => size <= low)).toBe(true);
      transport.close();
      await sleep(1);
      expect(Buffer.from(world.files.read('/dst.bin')).equals(Buffer.from(pattern(SIZE)))).toBe(true);
    });
  });

  it('takes no virtual time', async () => {
    const time = await simulate(async (world) => {
      world.files.add('/src.bin', pattern(SIZE));
      const { transport } = await writePipe(world, '/dst.bin');
      await world.loop.sendfile(transport, world.files.open('/src.bin'));
      transport.close();
      return world.loop.time();
    });
    expect(time).toBe(0);
  });

  it('a closed handle rejects with EBADF', async () => {
    await simulate(async (world) => {
      world.files.add('/src.bin', 'abc');
      const src = world.files.open('/src.bin');
      await src.close();
      const { transport } = await writePipe(world, '/dst.bin');
      expect(((await rejection(world.loop.sendfile(transport, src))) as NodeJS.ErrnoException).code).toBe('EBADF');
      transport.close();
    });
  });

  it('anything but a handle of this world is a TypeError that says what a simulation takes', async () => {
    await simulate(async (world) => {
      const { transport } = await writePipe(world, '/dst.bin');
      const fd = (await rejection(world.loop.sendfile(transport, 3))) as Error;
      expect(fd).toBeInstanceOf(TypeError);
      expect(fd.message).toMatch(/sendfile: file must be a simulated file's handle, from world.files.open\(path\).*file descriptor is a real file/);
      const fake = { read: async () => ({ bytesRead: 0 }) };
      expect(await rejection(world.loop.sendfile(transport, fake))).toBeInstanceOf(TypeError);
      expect(await rejection(world.loop.sendfile(transport, 'x' as never))).toBeInstanceOf(TypeError);
      transport.close();
    });
  });

  it('a handle of another world is a TypeError', async () => {
    let foreign: unknown;
    await simulate(async (other) => {
      other.files.add('/elsewhere', 'x');
      foreign = other.files.open('/elsewhere');
    });
    await simulate(async (world) => {
      const { transport } = await writePipe(world, '/dst.bin');
      expect(((await rejection(world.loop.sendfile(transport, foreign as never))) as Error).message).toMatch(/another world's files/);
      transport.close();
    });
  });

  it('fallback: false rejects with SendfileNotAvailableError', async () => {
    await simulate(async (world) => {
      world.files.add('/src.bin', 'abc');
      const { transport } = await writePipe(world, '/dst.bin');
      expect(await rejection(world.loop.sendfile(transport, world.files.open('/src.bin'), 0, null, { fallback: false }))).toBeInstanceOf(SendfileNotAvailableError);
      transport.close();
    });
  });
});

describe('pipes on SimFiles handles', () => {
  it('connectReadPipe reads the file in chunks of at most 64 KiB, then EOF, then connectionLost(null), and closes the handle', async () => {
    await simulate(async (world) => {
      world.files.add('/in.bin', pattern(SIZE));
      const handle = world.files.open('/in.bin');
      const reader = new Reader();
      const [transport] = await world.loop.connectReadPipe(() => reader, handle);
      expect(transport.getExtraInfo('pipe')).toBe(handle);
      expect(await reader.done).toBeNull();
      expect(reader.events).toEqual(['data 65536', 'data 65536', 'data 65536', 'data 777', 'eof', 'lost null']);
      expect(Buffer.from(reader.bytes).equals(Buffer.from(pattern(SIZE)))).toBe(true);
      expect(handle.closed).toBe(true);
    });
  });

  it('connectReadPipe of an empty file gives EOF at once', async () => {
    await simulate(async (world) => {
      world.files.add('/empty', '');
      const reader = new Reader();
      await world.loop.connectReadPipe(() => reader, world.files.open('/empty'));
      await reader.done;
      expect(reader.events).toEqual(['eof', 'lost null']);
    });
  });

  it('pauseReading stops dataReceived until resumeReading', async () => {
    await simulate(async (world) => {
      world.files.add('/in.bin', pattern(SIZE));
      const reader = new Reader();
      let transport!: ReadTransport;
      reader.connectionMade = (t) => {
        transport = t as ReadTransport;
      };
      reader.dataReceived = (data) => {
        reader.chunks.push(data);
        reader.events.push(`data ${data.length}`);
        if (reader.chunks.length === 1) transport.pauseReading();
      };
      await world.loop.connectReadPipe(() => reader, world.files.open('/in.bin'));
      await sleep(5);
      expect(reader.events).toEqual(['data 65536']);
      transport.resumeReading();
      await reader.done;
      expect(reader.bytes.length).toBe(SIZE);
    });
  });

  it('closing a read pipe stops it: connectionLost(null) and no more data', async () => {
    await simulate(async (world) => {
      world.files.add('/in.bin', pattern(SIZE));
      const reader = new Reader();
      reader.connectionMade = (t) => (t as ReadTransport).close();
      await world.loop.connectReadPipe(() => reader, world.files.open('/in.bin'));
      await reader.done;
      expect(reader.events).toEqual(['lost null']);
    });
  });

  it('connectWritePipe appends what is written to the file; closing it closes the handle after the bytes', async () => {
    await simulate(async (world) => {
      world.files.add('/log.txt', 'start\n');
      const handle = world.files.open('/log.txt');
      const [transport] = await world.loop.connectWritePipe(() => new Protocol(), handle);
      transport.write('one\n');
      transport.writelines(['two\n', new TextEncoder().encode('three\n')]);
      expect(transport.getWriteBufferSize()).toBe(14);
      transport.close();
      await sleep(1);
      expect(Buffer.from(world.files.read('/log.txt')).toString()).toBe('start\none\ntwo\nthree\n');
      expect(transport.getWriteBufferSize()).toBe(0);
      expect(handle.closed).toBe(true);
    });
  });

  it('a write pipe copies a Node Buffer it is given: the writer may reuse it at once', async () => {
    await simulate(async (world) => {
      const { transport, closed } = await writePipe(world, '/out.bin');
      const chunk = Buffer.from('abcd');
      transport.write(chunk);
      chunk.fill(0x7a);
      transport.close();
      await closed;
      expect(Buffer.from(world.files.read('/out.bin')).toString()).toBe('abcd');
    });
  });

  it('abort drops the queued bytes', async () => {
    await simulate(async (world) => {
      world.files.add('/log.txt', '');
      const { transport, closed } = await writePipe(world, '/log.txt');
      transport.write('never written');
      transport.abort();
      expect(await closed).toBeNull();
      expect(world.files.read('/log.txt').length).toBe(0);
    });
  });

  it('a handle closed under a write pipe fails its next write with EBADF', async () => {
    await simulate(async (world) => {
      world.files.add('/log.txt', '');
      const handle = world.files.open('/log.txt');
      let lost: Error | null | undefined;
      const [transport] = await world.loop.connectWritePipe(
        () =>
          new (class extends Protocol {
            override connectionLost(e: Error | null): void {
              lost = e;
            }
          })(),
        handle,
      );
      await handle.close();
      transport.write('x');
      await sleep(1);
      expect((lost as NodeJS.ErrnoException | undefined)?.code).toBe('EBADF');
    });
  });

  it('anything but a handle is a TypeError naming what is accepted; a closed handle is EBADF, at the call', async () => {
    await simulate(async (world) => {
      world.files.add('/f', 'x');
      const closed = world.files.open('/f');
      await closed.close();
      expect(() => world.loop.connectReadPipe(() => new Protocol(), 0)).toThrow(/connectReadPipe: pipe must be a simulated file's handle, from world.files.open\(path\)/);
      expect(() => world.loop.connectWritePipe(() => new Protocol(), process.stdout)).toThrow(/connectWritePipe: pipe must be a simulated file's handle/);
      expect(() => world.loop.connectReadPipe(() => new Protocol(), closed)).toThrow(/EBADF/);
    });
  });
});
