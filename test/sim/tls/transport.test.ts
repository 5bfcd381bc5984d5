import { describe, expect, it } from 'vitest';
import '../../../src/index.js';
import { Protocol, sleep, type Transport } from '../../../src/index.js';
import { StreamTransport } from '../../../src/io/stream-transport.js';
import type { EventLoop } from '../../../src/loop/event-loop.js';
import type { Future } from '../../../src/tasks/future.js';
import { simulate } from '../../../src/backends/sim/sim-world.js';
import { connectedPair } from './support.js';

/** A protocol that records its callbacks with their virtual times. */
class Recorder extends Protocol {
  transport: Transport | null = null;
  readonly log: string[] = [];
  readonly chunks: Buffer[] = [];
  readonly lost: Future<Error | null>;
  echo = false;

  constructor(
    private readonly loop: EventLoop,
    private readonly name: string,
  ) {
    super();
    this.lost = loop.createFuture<Error | null>();
  }

  private note(what: string): void {
    this.log.push(`${this.loop.time()} ${this.name} ${what}`);
  }

  override connectionMade(t: Transport): void {
    this.transport = t;
    this.note('made');
  }

  override dataReceived(d: Uint8Array): void {
    this.chunks.push(Buffer.from(d));
    if (this.echo) this.transport!.write(d);
  }

  override eofReceived(): void {
    this.note('eof');
  }

  override pauseWriting(): void {
    this.note('pause');
  }

  override resumeWriting(): void {
    this.note('resume');
  }

  override connectionLost(e: Error | null): void {
    this.note(e === null ? 'lost' : `lost ${(e as { code?: string }).code}`);
    this.lost.setResult(e);
  }
}

describe('startSimTls under the io layer (StreamTransport)', () => {
  it('echoes through transports; a close reaches the peer as eofReceived, which closes it over TLS', async () => {
    await simulate(async (world) => {
      const loop = world.loop;
      const { client, server } = await connectedPair(world, { latency: 10 });
      const c = new Recorder(loop, 'client');
      const s = new Recorder(loop, 'server');
      s.echo = true;
      const ct = new StreamTransport(loop, client, c);
      new StreamTransport(loop, server, s);
      ct.write('ping');
      while (Buffer.concat(c.chunks).toString() !== 'ping') await sleep(1);
      ct.close();
      expect(await s.lost).toBeNull();
      expect(await c.lost).toBeNull();
      // Handshake done at 30; ping arrives at 40, its echo at 50, when the
      // client closes: close_notify reaches the server at 60; each side's
      // connection is down once the other took its last bytes.
      expect(s.log).toEqual(['30 server made', '60 server eof', '70 server lost']);
      expect(c.log).toEqual(['30 client made', '60 client lost']);
    });
  });

  it('pauses the writing protocol above the high-water mark and resumes it once TLS and the network took the bytes', async () => {
    await simulate(async (world) => {
      const loop = world.loop;
      const { client, server } = await connectedPair(world, { latency: 1 });
      const c = new Recorder(loop, 'client');
      const s = new Recorder(loop, 'server');
      const ct = new StreamTransport(loop, client, c);
      const st = new StreamTransport(loop, server, s);
      await ct._ready;
      ct.write(new Uint8Array(1 << 20));
      expect(c.log.at(-1)).toMatch(/client pause$/);
      while (c.log.at(-1)?.endsWith('resume') !== true) await sleep(1);
      expect(ct.getWriteBufferSize()).toBe(0);
      expect(Buffer.concat(s.chunks).length).toBeGreaterThan(0);
      ct.abort();
      expect(await c.lost).toBeNull();
      expect(await s.lost).toMatchObject({ code: 'ECONNRESET' });
      expect(st.isClosing()).toBe(true);
    });
  });
});
