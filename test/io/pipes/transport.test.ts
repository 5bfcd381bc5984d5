import { describe, expect, it } from 'vitest';
import { EventLoop, sleep } from '../../../src/index.js';
import { NodeSelector } from '../../../src/backends/node/node-selector.js';
import type { PipeDriver } from '../../../src/loop/pipe-driver.js';
import type { RawStream, RawStreamEvents } from '../../../src/loop/raw-stream.js';
import { PipeRecorder } from './support.js';

// The pipe transports against a scripted RawStream: what any backend's pipe
// driver (the simulated one included) gets from the io layer.

class FakePipe implements RawStream {
  events!: RawStreamEvents;
  written: string[] = [];
  writeBufferSize = 0;
  readonly canWriteEof = true;
  paused = false;
  closeCalls = 0;
  start(events: RawStreamEvents): void {
    this.events = events;
  }
  write(chunk: Uint8Array): void {
    this.written.push(Buffer.from(chunk).toString());
    this.writeBufferSize += chunk.length;
  }
  writeEof(): void {}
  close(): void {
    this.closeCalls++;
  }
  abort(): void {
    this.events.close(null);
  }
  pauseReading(): void {
    this.paused = true;
  }
  resumeReading(): void {
    this.paused = false;
  }
  getExtraInfo(name: string): unknown {
    return name === 'pipe' ? 'fake' : undefined;
  }
}

async function withFake<T>(main: (loop: EventLoop, raw: FakePipe) => Promise<T>): Promise<T> {
  const raw = new FakePipe();
  const pipes: PipeDriver = { openReadPipe: () => raw, openWritePipe: () => raw };
  const loop = new EventLoop({ selector: Object.assign(new NodeSelector(), { pipes }) });
  try {
    return await loop.runUntilComplete(() => main(loop, raw));
  } finally {
    await loop[Symbol.asyncDispose]();
  }
}

describe('the read pipe transport', () => {
  it('holds data and EOF that arrive while paused, and delivers them in order after resumeReading', async () => {
    await withFake(async (loop, raw) => {
      const proto = new PipeRecorder(loop);
      const [transport] = await loop.connectReadPipe(() => proto, 'anything');
      expect(transport.getExtraInfo('pipe')).toBe('fake');
      transport.pauseReading();
      expect(raw.paused).toBe(true);
      raw.events.data(Buffer.from('a'));
      raw.events.data(Buffer.from('b'));
      raw.events.end();
      raw.events.close(null);
      await sleep(1);
      expect(proto.calls).toEqual(['connectionMade']);
      transport.resumeReading();
      await proto.lost;
      expect(proto.text).toBe('ab');
      expect(proto.calls).toEqual(['connectionMade', 'dataReceived', 'eofReceived', 'connectionLost']);
      expect(raw.closeCalls).toBe(1);
    });
  });

  it('ends with the error a failing pipe reports, dropping what it held', async () => {
    await withFake(async (loop, raw) => {
      const proto = new PipeRecorder(loop);
      const [transport] = await loop.connectReadPipe(() => proto, 'anything');
      transport.pauseReading();
      raw.events.data(Buffer.from('held'));
      const eio = Object.assign(new Error('i/o error'), { code: 'EIO' });
      raw.events.close(eio);
      expect(await proto.lost).toBe(eio);
      expect(proto.calls).toEqual(['connectionMade', 'connectionLost']);
    });
  });

  it('routes an exception thrown by eofReceived to the exception handler and still closes', async () => {
    await withFake(async (loop, raw) => {
      const reported: unknown[] = [];
      loop.setExceptionHandler((_l, ctx) => reported.push(ctx.exception));
      const boom = new Error('boom');
      const proto = Object.assign(new PipeRecorder(loop), {
        eofReceived() {
          throw boom;
        },
      });
      await loop.connectReadPipe(() => proto, 'anything');
      raw.events.end();
      await sleep(1);
      expect(raw.closeCalls).toBe(1);
      raw.events.close(null);
      expect(await proto.lost).toBeNull();
      expect(reported).toEqual([boom]);
    });
  });
});

describe('the write pipe transport', () => {
  it('resumes writing when the pipe drained to the low-water mark', async () => {
    await withFake(async (loop, raw) => {
      const proto = new PipeRecorder(loop);
      const [transport] = await loop.connectWritePipe(() => proto, 'anything');
      transport.setWriteBufferLimits(4, 2);
      transport.write('abc');
      transport.write('de');
      expect(proto.calls).toEqual(['connectionMade', 'pauseWriting']);
      raw.writeBufferSize = 0;
      raw.events.drain();
      await sleep(1);
      expect(proto.calls).toEqual(['connectionMade', 'pauseWriting', 'resumeWriting']);
      expect(raw.written).toEqual(['abc', 'de']);
      transport.abort();
      await proto.lost;
    });
  });

  it('drops writes after close and ends with connectionLost once', async () => {
    await withFake(async (loop, raw) => {
      const proto = new PipeRecorder(loop);
      const [transport] = await loop.connectWritePipe(() => proto, 'anything');
      transport.write('kept');
      transport.close();
      transport.write('dropped');
      transport.writeEof();
      expect(raw.closeCalls).toBe(1);
      raw.events.close(null);
      raw.events.close(null);
      expect(await proto.lost).toBeNull();
      await sleep(1);
      expect(raw.written).toEqual(['kept']);
      expect(proto.calls).toEqual(['connectionMade', 'connectionLost']);
    });
  });
});
