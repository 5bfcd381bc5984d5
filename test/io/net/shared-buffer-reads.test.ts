import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { readIntoSharedBuffer } from '../../../src/backends/node/shared-buffer-reads.js';
import { Protocol, type Transport } from '../../../src/index.js';
import { localServer, within, withLoop } from './support.js';

/** `size` bytes that say which connection they belong to and where they are. */
function pattern(conn: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + conn * 17 + (i >> 10)) & 0xff;
  return b;
}

/** Keeps the chunks exactly as dataReceived got them: no copy, so a reused buffer would show. */
class Keeper extends Protocol {
  readonly chunks: Uint8Array[] = [];
  received = 0;
  constructor(
    private readonly want: number,
    private readonly done: () => void,
  ) {
    super();
  }
  override dataReceived(d: Uint8Array): void {
    this.chunks.push(d);
    this.received += d.length;
    if (this.received === this.want) this.done();
  }
}

/** A raw node:net server; each connection gets `greet(i)` as soon as it is accepted, then is ended if `end`. */
async function rawServer(greet: (i: number) => Buffer, end = false): Promise<[net.Server, number]> {
  let n = 0;
  const server = net.createServer((s) => {
    const i = n++;
    if (end) s.end(greet(i));
    else s.write(greet(i));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return [server, (server.address() as net.AddressInfo).port];
}

function closeRaw(server: net.Server): Promise<void> {
  return new Promise((r) => server.close(() => r()));
}

/** Run `body` with a raw server (see rawServer) on a free port, closed after it. */
async function withRawServer<T>(greet: (i: number) => Buffer, end: boolean, body: (port: number) => Promise<T>): Promise<T> {
  const [server, port] = await rawServer(greet, end);
  try {
    return await body(port);
  } finally {
    await closeRaw(server);
  }
}

/** Poll until `ready()`, in real time; fails the test after 5 s. */
async function until(ready: () => boolean): Promise<void> {
  for (let waited = 0; !ready(); waited += 5) {
    if (waited > 5000) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('reads through the shared buffer (Node backend)', () => {
  test('the chunks dataReceived gets are its own: reads of other connections at the same time never overwrite them', async () => {
    const SIZE = 300_000;
    const CONNS = 8;
    await withRawServer((i) => pattern(i, SIZE), false, async (port) => {
    const kept = await withLoop(async (loop) => {
      const keepers: Keeper[] = [];
      const transports: Transport[] = [];
      const done: Promise<void>[] = [];
      for (let i = 0; i < CONNS; i++) {
        const f = loop.createFuture<void>();
        done.push(f as unknown as Promise<void>);
        const [t, p] = await loop.createConnection(() => new Keeper(SIZE, () => f.setResult()), '127.0.0.1', port);
        keepers.push(p);
        transports.push(t);
      }
      await within(Promise.all(done), 20_000);
      for (const t of transports) t.close();
      return keepers;
    });
    // Connections were accepted in the order they were made: client i got pattern(i).
    kept.forEach((k, i) => expect(Buffer.concat(k.chunks).equals(pattern(i, SIZE))).toBe(true));
    expect(kept.every((k) => k.chunks.length > 1)).toBe(true);
    });
  });

  test('a small chunk has memory of its own, of its size: a slice of a shared pool block would keep the whole block alive', async () => {
    await withRawServer(() => Buffer.from('small'), true, async (port) => {
    const chunks = await withLoop(async (loop) => {
      const f = loop.createFuture<void>();
      const [t, p] = await loop.createConnection(() => new Keeper(5, () => f.setResult()), '127.0.0.1', port);
      await within(f);
      t.close();
      return p.chunks;
    });
    expect(chunks.length).toBeGreaterThan(0);
    for (const c of chunks) expect([c.byteOffset, c.buffer.byteLength]).toEqual([0, c.byteLength]);
    });
  });

  test('a server that writes and ends at once: its bytes, then EOF, then connectionLost(null)', async () => {
    await withRawServer(() => Buffer.from('hello and goodbye'), true, async (port) => {
    const events = await withLoop(async (loop) => {
      const events: string[] = [];
      const lost = loop.createFuture<void>();
      await loop.createConnection(
        () =>
          new (class extends Protocol {
            override dataReceived(d: Uint8Array): void {
              events.push(`data ${Buffer.from(d).toString()}`);
            }
            override eofReceived(): boolean {
              events.push('eof');
              return false;
            }
            override connectionLost(e: Error | null): void {
              events.push(`lost ${String(e)}`);
              lost.setResult();
            }
          })(),
        '127.0.0.1',
        port,
      );
      await within(lost);
      return events;
    });
    expect(events.join('|').replace(/\|data /g, '')).toBe('data hello and goodbye|eof|lost null');
    });
  });

  test('bytes Node read before the switch come first, then what is read after it, in order', async () => {
    const server = net.createServer((s) => {
      s.write('early ');
      s.on('data', () => s.write('late'));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const socket = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1' });
    try {
      // No listener yet: Node reads the greeting into the socket's own stream.
      await until(() => socket.readableLength >= 6);
      const got: string[] = [];
      expect(readIntoSharedBuffer(socket, (c) => got.push(c.toString()))).toBe(true);
      expect(got).toEqual(['early ']);
      socket.resume();
      socket.write('x');
      await until(() => got.join('').length >= 10);
      expect(got).toEqual(['early ', 'late']);
    } finally {
      socket.destroy();
      await closeRaw(server);
    }
  });

  test('a socket whose EOF was already read is left on its stream: nothing starts reading its handle again', async () => {
    await withRawServer(() => Buffer.from('bye'), true, async (port) => {
      const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      try {
        socket.resume();
        await new Promise<void>((r) => socket.once('end', () => r()));
        expect(socket.readable).toBe(false);
        expect(readIntoSharedBuffer(socket, () => {})).toBe(false);
      } finally {
        socket.destroy();
      }
    });
  });

  test('a socket made with the onread option, or one without a handle yet, is left as it is', async () => {
    await withRawServer(() => Buffer.from('x'), false, async (port) => {
      const own = net.connect({ port, host: '127.0.0.1', onread: { buffer: Buffer.alloc(16), callback: () => true } });
      try {
        expect(readIntoSharedBuffer(own, () => {})).toBe(false);
        expect(readIntoSharedBuffer(new net.Socket(), () => {})).toBe(false);
      } finally {
        own.destroy();
      }
    });
  });
});

describe('a server reading through the shared buffer', () => {
  test('echoes what many clients send at once, each its own bytes', async () => {
    const SIZE = 200_000;
    const CONNS = 6;
    const results = await withLoop(async (loop) => {
      const [server, port] = await localServer(
        loop,
        () =>
          new (class extends Protocol {
            t: Transport | null = null;
            override connectionMade(t: Transport): void {
              this.t = t;
            }
            override dataReceived(d: Uint8Array): void {
              this.t!.write(d);
            }
          })(),
      );
      const clients = await Promise.all(
        Array.from({ length: CONNS }, (_, i) =>
          new Promise<Buffer>((resolve, reject) => {
            const chunks: Buffer[] = [];
            let n = 0;
            const s = net.connect({ port, host: '127.0.0.1' }, () => s.write(pattern(i, SIZE)));
            s.on('data', (d: Buffer) => {
              chunks.push(d);
              n += d.length;
              if (n >= SIZE) {
                s.destroy();
                resolve(Buffer.concat(chunks));
              }
            });
            s.on('error', reject);
          }),
        ),
      );
      server.close();
      await within(server.waitClosed());
      return clients;
    });
    results.forEach((r, i) => expect(r.equals(pattern(i, SIZE))).toBe(true));
  });
});
