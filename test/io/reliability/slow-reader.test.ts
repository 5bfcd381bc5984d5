import { expect, test } from 'vitest';
import { Protocol, type EventLoop, type Future, type Transport } from '../../../src/index.js';
import { localServer, within, withLoop } from '../net/support.js';

const HIGH = 64 * 1024;
const CHUNK = 16 * 1024;
/** How many chunks the flooder writes at most (32 MiB): far beyond any socket buffer. */
const MAX_CHUNKS = 2048;

/**
 * A server protocol that writes a chunk per loop iteration for as long as its
 * transport lets it (until pauseWriting), and records the largest write
 * buffer it saw.
 */
class Flooder extends Protocol {
  transport: Transport | null = null;
  paused = false;
  written = 0;
  maxBuffered = 0;
  readonly pausedFut: Future<void>;
  readonly resumedFut: Future<void>;

  /** `made` gets this flooder once its connection is made. */
  constructor(private readonly loop: EventLoop, private readonly made: Future<Flooder>) {
    super();
    this.pausedFut = loop.createFuture<void>();
    this.resumedFut = loop.createFuture<void>();
  }

  override connectionMade(t: Transport): void {
    this.transport = t;
    t.setWriteBufferLimits(HIGH);
    this.made.setResult(this);
    this.loop.callSoon(this.writeMore);
  }

  private readonly writeMore = (): void => {
    if (this.paused || this.written >= MAX_CHUNKS || this.transport!.isClosing()) return;
    this.transport!.write(new Uint8Array(CHUNK));
    this.written++;
    this.maxBuffered = Math.max(this.maxBuffered, this.transport!.getWriteBufferSize());
    this.loop.callSoon(this.writeMore);
  };

  override pauseWriting(): void {
    this.paused = true;
    if (!this.pausedFut.done()) this.pausedFut.setResult(undefined);
  }

  override resumeWriting(): void {
    this.paused = false;
    if (!this.resumedFut.done()) this.resumedFut.setResult(undefined);
  }
}

test('to a client that never reads, the server transport pauses its protocol with the buffer near the high-water mark, not growing without bound', async () => {
  const r = await withLoop(async (loop) => {
    const made = loop.createFuture<Flooder>();
    const [server, port] = await localServer(loop, () => new Flooder(loop, made));
    const [client] = await loop.createConnection(() => new Protocol(), '127.0.0.1', port);
    client.pauseReading();
    const f = await within(made);
    await within(f.pausedFut);
    const atPause = { written: f.written, max: f.maxBuffered, size: f.transport!.getWriteBufferSize() };
    client.abort();
    await server[Symbol.asyncDispose]();
    return atPause;
  });
  expect(r.written).toBeLessThan(MAX_CHUNKS);
  expect(r.max).toBeLessThanOrEqual(HIGH + CHUNK);
  expect(r.size).toBeGreaterThan(HIGH);
});

test('once the slow client reads again, the buffer drains and the protocol is resumed', async () => {
  const resumed = await withLoop(async (loop) => {
    const made = loop.createFuture<Flooder>();
    const [server, port] = await localServer(loop, () => new Flooder(loop, made));
    const [client] = await loop.createConnection(() => new Protocol(), '127.0.0.1', port);
    client.pauseReading();
    const f = await within(made);
    await within(f.pausedFut);
    client.resumeReading();
    await within(f.resumedFut);
    const resumed = f.transport!.getWriteBufferSize() <= HIGH;
    client.abort();
    await server[Symbol.asyncDispose]();
    return resumed;
  });
  expect(resumed).toBe(true);
});
