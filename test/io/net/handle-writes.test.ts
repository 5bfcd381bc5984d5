import net from 'node:net';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { NodeRawStream } from '../../../src/backends/node/node-raw-stream.js';
import type { RawStreamEvents } from '../../../src/loop/raw-stream.js';

// NodeRawStream writes a plain socket's bytes straight to its libuv handle
// (src/backends/node/handle-writes.ts), not through the socket's Writable.

/** `size` bytes that say where they are in the stream. */
function pattern(offset: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = ((offset + i) * 31 + ((offset + i) >> 12)) & 0xff;
  return b;
}

/** What a stream reported, in order. */
class Events implements RawStreamEvents {
  readonly log: string[] = [];
  closeError: (Error & { code?: string }) | null | undefined = undefined;
  drains = 0;
  data(): void {
    this.log.push('data');
  }
  end(): void {
    this.log.push('end');
  }
  drain(): void {
    this.drains++;
    this.log.push('drain');
  }
  close(error: Error | null): void {
    this.closeError = error;
    this.log.push('close');
  }
}

const opened: (net.Server | net.Socket)[] = [];
afterEach(async () => {
  const all = opened.splice(0);
  for (const o of all) if (o instanceof net.Socket) o.destroy();
  for (const o of all) if (o instanceof net.Server) await new Promise<void>((r) => o.close(() => r()));
});

/** A connected pair over 127.0.0.1: the client socket and the server's accepted one (paused, not read from). */
async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const accepted = new Promise<net.Socket>((resolve, reject) => {
    const server = net.createServer({ pauseOnConnect: true }, resolve);
    opened.push(server);
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const client = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
      opened.push(client);
      client.on('error', () => {});
    });
  });
  const peer = await accepted;
  opened.push(peer);
  peer.on('error', () => {});
  const client = opened.find((o): o is net.Socket => o instanceof net.Socket && o !== peer)!;
  if (client.connecting) await new Promise((r) => client.once('connect', r));
  return [client, peer];
}

/** Everything `peer` receives until it has `size` bytes. */
function receive(peer: net.Socket, size: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let got = 0;
    peer.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= size) resolve(Buffer.concat(chunks));
    });
    peer.resume();
  });
}

describe('writes straight to the handle (Node backend)', () => {
  test('after the first write, writes bypass socket.write', async () => {
    const [client, peer] = await socketPair();
    const stream = new NodeRawStream(client);
    stream.start(new Events());
    const write = vi.spyOn(client, 'write');
    const all = receive(peer, 3 * 100);
    for (let i = 0; i < 3; i++) stream.write(pattern(i * 100, 100));
    expect(write.mock.calls.length).toBeLessThanOrEqual(1);
    expect((await all).equals(pattern(0, 300))).toBe(true);
  });

  test('bytes libuv has to queue (a peer that reads late) count in writeBufferSize, arrive whole and in order, and end in one drain', async () => {
    const [client, peer] = await socketPair();
    const stream = new NodeRawStream(client);
    const events = new Events();
    stream.start(events);
    const CHUNK = 64 * 1024;
    const COUNT = 128; // 8 MiB: more than the kernel's buffers on loopback hold
    let maxQueued = 0;
    for (let i = 0; i < COUNT; i++) {
      stream.write(pattern(i * CHUNK, CHUNK));
      maxQueued = Math.max(maxQueued, stream.writeBufferSize);
    }
    expect(maxQueued).toBeGreaterThan(0);
    expect(events.drains).toBe(0);
    const got = await receive(peer, COUNT * CHUNK);
    expect(got.length).toBe(COUNT * CHUNK);
    expect(got.equals(pattern(0, COUNT * CHUNK))).toBe(true);
    for (let i = 0; i < 100 && events.drains === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(events.drains).toBe(1);
    expect(stream.writeBufferSize).toBe(0);
  });

  test('close() sends what libuv holds before the connection ends', async () => {
    const [client, peer] = await socketPair();
    const stream = new NodeRawStream(client);
    const events = new Events();
    stream.start(events);
    const SIZE = 4 * 1024 * 1024;
    stream.write(pattern(0, 16));
    stream.write(pattern(16, SIZE - 16));
    expect(stream.writeBufferSize).toBeGreaterThan(0);
    stream.close();
    const ended = new Promise<void>((r) => peer.once('end', r));
    const got = await receive(peer, SIZE);
    await ended;
    expect(got.equals(pattern(0, SIZE))).toBe(true);
  });

  test('a write to a connection the peer reset reports close with the errno code within the write', async () => {
    const [client, peer] = await socketPair();
    const stream = new NodeRawStream(client);
    const events = new Events();
    stream.start(events);
    stream.write(pattern(0, 10)); // the first write, through socket.write
    // Not reading: the reset can only show in a write.
    stream.pauseReading();
    peer.resetAndDestroy();
    await new Promise((r) => setTimeout(r, 20));
    // Writes fail once the reset is in: the close comes inside that write, not on a later tick.
    let closedWithinWrite = false;
    for (let i = 0; i < 1000 && events.closeError === undefined; i++) {
      stream.write(pattern(0, 1024));
      if (events.closeError !== undefined) closedWithinWrite = true;
      else await new Promise((r) => setImmediate(r));
    }
    expect(closedWithinWrite).toBe(true);
    expect(events.closeError).toBeInstanceOf(Error);
    expect(['EPIPE', 'ECONNRESET']).toContain(events.closeError!.code);
    expect(events.log.filter((e) => e === 'close')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(events.log.filter((e) => e === 'close')).toHaveLength(1);
  });
});
