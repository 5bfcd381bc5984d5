import { describe, expect, it } from 'vitest';
import { EventLoop, Protocol, type Transport } from '../../../src/index.js';
import { NodeSelector } from '../../../src/backends/node/node-selector.js';
import { StreamTransport } from '../../../src/io/stream-transport.js';
import type { RawStream, RawStreamEvents } from '../../../src/loop/raw-stream.js';

// A StreamTransport on a scripted RawStream: what every backend's broken
// connection (a reset, a failed send) looks like to the io layer.

class FakeStream implements RawStream {
  events!: RawStreamEvents;
  readonly written: string[] = [];
  readonly writeBufferSize = 0;
  readonly canWriteEof = true;
  start(events: RawStreamEvents): void {
    this.events = events;
  }
  write(chunk: Uint8Array): void {
    this.written.push(Buffer.from(chunk).toString());
  }
  writeEof(): void {}
  close(): void {}
  abort(): void {}
  pauseReading(): void {}
  resumeReading(): void {}
  getExtraInfo(): unknown {
    return undefined;
  }
}

class Recorder extends Protocol {
  readonly calls: string[] = [];
  transport: Transport | null = null;
  constructor(private readonly onLost: () => void) {
    super();
  }
  override connectionMade(t: Transport): void {
    this.transport = t;
    this.calls.push('connectionMade');
  }
  override dataReceived(d: Uint8Array): void {
    this.calls.push(`dataReceived ${Buffer.from(d).toString()}`);
  }
  override connectionLost(e: Error | null): void {
    this.calls.push(`connectionLost ${(e as { code?: string } | null)?.code ?? null}`);
    this.onLost();
  }
}

async function onLoop(main: (loop: EventLoop) => Promise<void>): Promise<void> {
  const loop = new EventLoop({ selector: new NodeSelector() });
  try {
    await loop.runUntilComplete(() => main(loop));
  } finally {
    await loop[Symbol.asyncDispose]();
  }
}

/** A transport on a FakeStream, once reading started; `lost` resolves after connectionLost. */
async function openFake(loop: EventLoop): Promise<{ raw: FakeStream; proto: Recorder; transport: StreamTransport; lost: Promise<void> }> {
  const raw = new FakeStream();
  const lost = loop.createFuture<void>();
  const proto = new Recorder(() => lost.setResult());
  const transport = new StreamTransport(loop, raw, proto);
  await transport._ready;
  return { raw, proto, transport, lost: lost as unknown as Promise<void> };
}

describe('a connection the stream reports broken', () => {
  it('closes the transport at once: isClosing() is true and later writes are dropped, before connectionLost runs', async () => {
    await onLoop(async (loop) => {
      const { raw, proto, transport, lost } = await openFake(loop);
      raw.events.close(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      expect(transport.isClosing()).toBe(true);
      transport.write('dropped');
      expect(raw.written).toEqual([]);
      await lost;
      expect(proto.calls).toEqual(['connectionMade', 'connectionLost EPIPE']);
    });
  });

  it('still delivers the data that came before the error, then connectionLost', async () => {
    await onLoop(async (loop) => {
      const { raw, proto, lost } = await openFake(loop);
      raw.events.data(Buffer.from('a'));
      raw.events.data(Buffer.from('b'));
      raw.events.close(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
      await lost;
      expect(proto.calls).toEqual(['connectionMade', 'dataReceived a', 'dataReceived b', 'connectionLost ECONNRESET']);
    });
  });

  it('keeps the error for connectionLost when abort() follows it, as asyncio does', async () => {
    await onLoop(async (loop) => {
      const { raw, proto, transport, lost } = await openFake(loop);
      raw.events.close(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
      transport.abort();
      await lost;
      expect(proto.calls).toEqual(['connectionMade', 'connectionLost ECONNRESET']);
    });
  });
});
