import { open } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CancelledError, InvalidStateError, Protocol, sleep, SendfileNotAvailableError, Socket, type EventLoop, type SocketAddress } from '../../../src/index.js';
import { localServer, Recorder, tempDir, within, withLoop } from '../net/support.js';

/** A listening simloop Socket on 127.0.0.1 and its port. */
async function listening(): Promise<[Socket, number]> {
  const sock = new Socket();
  await sock.bind(['127.0.0.1', 0]);
  await sock.listen();
  return [sock, (sock.getsockname() as SocketAddress).port];
}

/** A client connected with sockConnect and the server's end from sockAccept. */
async function pair(loop: EventLoop): Promise<{ client: Socket; server: Socket; listener: Socket; close: () => void }> {
  const [listener, port] = await listening();
  const client = new Socket();
  const accepting = loop.sockAccept(listener);
  await within(loop.sockConnect(client, ['127.0.0.1', port]));
  const [server, peer] = await within(accepting);
  expect(peer).toEqual(client.getsockname());
  return {
    client,
    server,
    listener,
    close: () => {
      client.close();
      server.close();
      listener.close();
    },
  };
}

/** Receive until `n` bytes came (or EOF). */
async function recvAll(loop: EventLoop, sock: Socket, n: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let got = 0;
  while (got < n) {
    const chunk = await within(loop.sockRecv(sock, 65536));
    if (chunk.length === 0) break;
    parts.push(chunk);
    got += chunk.length;
  }
  return Buffer.concat(parts);
}

describe('sock* methods', () => {
  test('echo between a sockAccept server and a sockConnect client', async () => {
    await withLoop(async (loop) => {
      const { client, server, close } = await pair(loop);
      const echo = loop.createTask(async () => {
        for (;;) {
          const data = await loop.sockRecv(server, 1024);
          if (data.length === 0) return;
          await loop.sockSendall(server, data);
        }
      });
      for (const msg of ['hello', 'world', 'x'.repeat(5000)]) {
        await loop.sockSendall(client, msg);
        expect(Buffer.from(await recvAll(loop, client, msg.length)).toString()).toBe(msg);
      }
      client.close();
      await within(echo);
      close();
    });
  });

  test('sockRecv resolves to at most n bytes; the rest waits for the next call', async () => {
    await withLoop(async (loop) => {
      const { client, server, close } = await pair(loop);
      await loop.sockSendall(client, 'abcdef');
      const first = await within(loop.sockRecv(server, 2));
      expect(Buffer.from(first).toString()).toBe('ab');
      expect(Buffer.from(await recvAll(loop, server, 4)).toString()).toBe('cdef');
      close();
    });
  });

  test('sockRecvInto fills the buffer and resolves to the bytes read', async () => {
    await withLoop(async (loop) => {
      const { client, server, close } = await pair(loop);
      await loop.sockSendall(client, new Uint8Array([1, 2, 3]));
      const buf = new Uint8Array(10);
      let n = 0;
      while (n < 3) n += await within(loop.sockRecvInto(server, buf.subarray(n)));
      expect([...buf.subarray(0, 3)]).toEqual([1, 2, 3]);
      close();
    });
  });

  test('at EOF sockRecv gives an empty array and sockRecvInto 0, as often as asked', async () => {
    await withLoop(async (loop) => {
      const { client, server, close } = await pair(loop);
      client.close();
      expect((await within(loop.sockRecv(server, 10))).length).toBe(0);
      expect(await within(loop.sockRecvInto(server, new Uint8Array(4)))).toBe(0);
      close();
    });
  });

  test('a large sockSendall arrives whole', async () => {
    await withLoop(async (loop) => {
      const { client, server, close } = await pair(loop);
      const data = new Uint8Array(3 * 1024 * 1024).map((_, i) => i & 0xff);
      const receiving = loop.createTask(() => recvAll(loop, server, data.length));
      await within(loop.sockSendall(client, data));
      expect(Buffer.compare(await within(receiving), data)).toBe(0);
      close();
    });
  });

  test('unix sockets: sockConnect to a path, sockAccept, and a round trip', async () => {
    const [dir, cleanup] = tempDir();
    try {
      await withLoop(async (loop) => {
        const path = join(dir, 's.sock');
        const listener = new Socket({ family: 'unix' });
        await listener.bind(path);
        await listener.listen();
        const client = new Socket({ family: 'unix' });
        const accepting = loop.sockAccept(listener);
        await within(loop.sockConnect(client, path));
        const [server] = await within(accepting);
        expect(server.family).toBe('unix');
        await loop.sockSendall(client, 'over unix');
        expect(Buffer.from(await recvAll(loop, server, 9)).toString()).toBe('over unix');
        client.close();
        server.close();
        listener.close();
      });
    } finally {
      cleanup();
    }
  });

  test('sockConnect to a port nobody listens on rejects with ECONNREFUSED', async () => {
    await withLoop(async (loop) => {
      const [listener, port] = await listening();
      listener.close();
      const sock = new Socket();
      await expect(loop.sockConnect(sock, ['127.0.0.1', port])).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      sock.close();
    });
  });

  test('a transport\'s socket: sock* methods throw InvalidStateError; a socket used by them cannot become a transport', async () => {
    await withLoop(async (loop) => {
      const [server, port] = await localServer(loop, () => new Protocol());
      const rec = new Recorder(loop);
      const [t] = await loop.createConnection(() => rec, '127.0.0.1', port);
      const tsock = t.getExtraInfo<Socket>('socket')!;
      await expect(loop.sockRecv(tsock, 10)).rejects.toBeInstanceOf(InvalidStateError);
      await expect(loop.sockSendall(tsock, 'x')).rejects.toBeInstanceOf(InvalidStateError);
      expect(() => loop.addReader(tsock, () => {})).toThrow(InvalidStateError);
      expect(() => loop.addWriter(tsock, () => {})).toThrow(InvalidStateError);
      const sock = new Socket();
      await loop.sockConnect(sock, ['127.0.0.1', port]);
      await loop.sockSendall(sock, 'x');
      await expect((async () => loop.createConnection(() => new Protocol(), undefined, undefined, { sock }))()).rejects.toBeInstanceOf(InvalidStateError);
      sock.close();
      t.close();
      await within(rec.lost);
      await server[Symbol.asyncDispose]();
    });
  });

  test('sock* methods on an unconnected or closed socket reject with ENOTCONN or EBADF; bad arguments throw TypeError', async () => {
    await withLoop(async (loop) => {
      const sock = new Socket();
      await expect(loop.sockRecv(sock, 1)).rejects.toMatchObject({ code: 'ENOTCONN' });
      await expect(loop.sockAccept(sock)).rejects.toMatchObject({ code: 'EINVAL' });
      sock.close();
      await expect(loop.sockSendall(sock, 'x')).rejects.toMatchObject({ code: 'EBADF' });
      await expect(loop.sockRecv({} as never, 1)).rejects.toBeInstanceOf(TypeError);
      const { client, close } = await pair(loop);
      await expect(loop.sockRecv(client, -1)).rejects.toBeInstanceOf(TypeError);
      await expect(loop.sockSendall(client, 5 as never)).rejects.toBeInstanceOf(TypeError);
      close();
    });
  });

  test('a cancelled sockRecv takes nothing: the bytes go to the next call', async () => {
    await withLoop(async (loop) => {
      const { client, server, close } = await pair(loop);
      const waiting = loop.createTask(() => loop.sockRecv(server, 10));
      await sleep(0);
      waiting.cancel();
      await expect(waiting).rejects.toBeInstanceOf(CancelledError);
      await loop.sockSendall(client, 'kept');
      expect(Buffer.from(await recvAll(loop, server, 4)).toString()).toBe('kept');
      close();
    });
  });

  test('closing a socket ends a pending sockRecv with EBADF', async () => {
    await withLoop(async (loop) => {
      const { server, close } = await pair(loop);
      const pending = loop.sockRecv(server, 10);
      server.close();
      await expect(within(pending)).rejects.toMatchObject({ code: 'EBADF' });
      close();
    });
  });
});

describe('addReader / addWriter on a Socket', () => {
  test('a reader runs while there is data to read, with its args, and not after removeReader', async () => {
    await withLoop(async (loop) => {
      const { client, server, close } = await pair(loop);
      const got: string[] = [];
      const done = loop.createFuture<void>();
      loop.addReader(
        server,
        (tag: string) => {
          // Level-triggered: consume what is there (the recv resolves at once).
          void loop.sockRecv(server, 100).then((d) => {
            got.push(`${tag}:${Buffer.from(d).toString()}`);
            if (!done.done()) done.setResult(undefined);
          });
          expect(loop.removeReader(server)).toBe(true);
        },
        'r',
      );
      await loop.sockSendall(client, 'ping');
      await within(done);
      expect(got).toEqual(['r:ping']);
      expect(loop.removeReader(server)).toBe(false);
      close();
    });
  });

  test('a reader on a listening socket runs when a connection waits to be accepted', async () => {
    await withLoop(async (loop) => {
      const [listener, port] = await listening();
      const ready = loop.createFuture<void>();
      loop.addReader(listener, () => {
        loop.removeReader(listener);
        ready.setResult(undefined);
      });
      const client = new Socket();
      await loop.sockConnect(client, ['127.0.0.1', port]);
      await within(ready);
      const [conn] = await within(loop.sockAccept(listener));
      conn.close();
      client.close();
      listener.close();
    });
  });

  test('a reader runs at EOF', async () => {
    await withLoop(async (loop) => {
      const { client, server, close } = await pair(loop);
      const ready = loop.createFuture<void>();
      loop.addReader(server, () => {
        loop.removeReader(server);
        ready.setResult(undefined);
      });
      client.close();
      await within(ready);
      expect((await loop.sockRecv(server, 10)).length).toBe(0);
      close();
    });
  });

  test('a writer runs once per iteration while the socket can be written, until removeWriter', async () => {
    await withLoop(async (loop) => {
      const { client, server, close } = await pair(loop);
      let calls = 0;
      const ready = loop.createFuture<void>();
      loop.addWriter(client, (step: number) => {
        calls += step;
        if (calls === 3) {
          expect(loop.removeWriter(client)).toBe(true);
          ready.setResult(undefined);
        }
      }, 1);
      await within(ready);
      for (let i = 0; i < 5; i++) await loop.sockSendall(client, 'x');
      expect(calls).toBe(3);
      expect(loop.removeWriter(client)).toBe(false);
      expect(Buffer.from(await recvAll(loop, server, 5)).toString()).toBe('xxxxx');
      close();
    });
  });

  test('an exception in a reader goes to the loop\'s exception handler', async () => {
    const reports = await withLoop(async (loop, reports) => {
      const { client, server, close } = await pair(loop);
      const ran = loop.createFuture<void>();
      loop.addReader(server, () => {
        loop.removeReader(server);
        ran.setResult(undefined);
        throw new Error('boom');
      });
      await loop.sockSendall(client, 'x');
      await within(ran);
      await loop.sockRecv(server, 1);
      close();
      return reports;
    });
    expect(reports.map((r) => (r.exception as Error).message)).toEqual(['boom']);
  });
});

describe('sockSendfile', () => {
  test('sends a file range over a connected socket; fallback: false rejects with SendfileNotAvailableError', async () => {
    const [dir, cleanup] = tempDir();
    try {
      const path = join(dir, 'f.bin');
      const data = new Uint8Array(3 * 64 * 1024 + 77).map((_, i) => (i * 7) & 0xff);
      writeFileSync(path, data);
      await withLoop(async (loop) => {
        const { client, server, close } = await pair(loop);
        const fh = await open(path, 'r');
        try {
          await expect(loop.sockSendfile(client, fh, 0, null, { fallback: false })).rejects.toBeInstanceOf(SendfileNotAvailableError);
          const receiving = loop.createTask(() => recvAll(loop, server, data.length - 100));
          expect(await within(loop.sockSendfile(client, fh, 100))).toBe(data.length - 100);
          expect(Buffer.compare(await within(receiving), data.subarray(100))).toBe(0);
        } finally {
          await fh.close();
        }
        close();
      });
    } finally {
      cleanup();
    }
  });
});
