import { describe, expect, it } from 'vitest';
import { EventLoop, sleep } from '../../../src/index.js';
import { NodeSelector } from '../../../src/backends/node/node-selector.js';
import type { DatagramDriver, RawDatagramEvents, RawDatagramSocket } from '../../../src/loop/datagram-driver.js';
import type { SocketAddress } from '../../../src/loop/raw-stream.js';
import { Recorder } from './support.js';

// The transport against a scripted RawDatagramSocket: what any backend's
// driver (the simulated one included) gets from the io layer.

class FakeSocket implements RawDatagramSocket {
  events!: RawDatagramEvents;
  sent: [string, SocketAddress | null][] = [];
  sendBufferSize = 0;
  closeCalls = 0;
  start(events: RawDatagramEvents): void {
    this.events = events;
  }
  send(data: Uint8Array, addr: SocketAddress | null): void {
    this.sent.push([Buffer.from(data).toString(), addr]);
    this.sendBufferSize += data.length;
  }
  sockname(): SocketAddress {
    return { address: '10.0.0.1', port: 5000, family: 'IPv4' };
  }
  peername(): SocketAddress | null {
    return null;
  }
  close(): void {
    this.closeCalls++;
    if (this.sendBufferSize === 0) this.events.close(null);
  }
  abort(): void {
    this.sendBufferSize = 0;
    this.events.close(null);
  }
  getExtraInfo(): unknown {
    return undefined;
  }
  /** The backend handed everything to the OS. */
  flush(): void {
    this.sendBufferSize = 0;
    this.events.drain();
  }
}

async function withFake<T>(main: (loop: EventLoop, raw: FakeSocket) => Promise<T>): Promise<T> {
  const raw = new FakeSocket();
  const datagram: DatagramDriver = { open: async () => raw };
  const loop = new EventLoop({ selector: Object.assign(new NodeSelector(), { datagram }) });
  try {
    return await loop.runUntilComplete(() => main(loop, raw));
  } finally {
    await loop[Symbol.asyncDispose]();
  }
}

const peer: SocketAddress = { address: '10.0.0.2', port: 7, family: 'IPv4' };

describe('the datagram transport', () => {
  it('pauses writing above the high-water mark and resumes once the socket drained', async () => {
    await withFake(async (loop, raw) => {
      const proto = Object.assign(new Recorder(loop), {
        pauseWriting() {
          proto.calls.push('pauseWriting');
        },
        resumeWriting() {
          proto.calls.push('resumeWriting');
        },
      });
      const [transport] = await loop.createDatagramEndpoint(() => proto, { localAddr: ['10.0.0.1', 5000] });
      transport.setWriteBufferLimits(10);
      transport.sendto('123456', peer);
      expect(proto.calls).toEqual(['connectionMade']);
      transport.sendto('789012', ['10.0.0.2', 7]);
      expect(proto.calls).toEqual(['connectionMade', 'pauseWriting']);
      expect(transport.getWriteBufferSize()).toBe(12);
      raw.flush();
      await sleep(0);
      expect(proto.calls).toEqual(['connectionMade', 'pauseWriting', 'resumeWriting']);
      expect(raw.sent).toEqual([
        ['123456', peer],
        ['789012', peer],
      ]);
      transport.abort();
    });
  });

  it('delivers what the socket reported from outside the loop in order, as loop callbacks', async () => {
    await withFake(async (loop, raw) => {
      const proto = new Recorder(loop);
      await loop.createDatagramEndpoint(() => proto, { localAddr: ['10.0.0.1', 5000] });
      setImmediate(() => {
        raw.events.message(Buffer.from('a'), peer);
        raw.events.error(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
        raw.events.message(Buffer.from('b'), peer);
        raw.events.close(null);
      });
      await proto.lost;
      expect(proto.calls).toEqual(['connectionMade', 'datagramReceived', 'errorReceived', 'datagramReceived', 'connectionLost']);
    });
  });

  it('delivers no datagram after close(), even one already reported', async () => {
    await withFake(async (loop, raw) => {
      const proto = new Recorder(loop);
      const [transport] = await loop.createDatagramEndpoint(() => proto, { localAddr: ['10.0.0.1', 5000] });
      raw.events.message(Buffer.from('late'), peer);
      transport.close();
      await proto.lost;
      expect(proto.calls).toEqual(['connectionMade', 'connectionLost']);
    });
  });

  it('waits for queued datagrams before connectionLost on close()', async () => {
    await withFake(async (loop, raw) => {
      const proto = new Recorder(loop);
      const [transport] = await loop.createDatagramEndpoint(() => proto, { localAddr: ['10.0.0.1', 5000] });
      transport.sendto('queued', peer);
      transport.close();
      await sleep(0);
      expect(proto.calls).toEqual(['connectionMade']);
      raw.sendBufferSize = 0;
      raw.events.close(null);
      await proto.lost;
      expect(raw.closeCalls).toBe(1);
    });
  });

  it('aborts the socket when the creating task is cancelled before it gets the transport', async () => {
    await withFake(async (loop, raw) => {
      const proto = new Recorder(loop);
      const task = loop.createTask(() => loop.createDatagramEndpoint(() => proto, { localAddr: ['10.0.0.1', 5000] }));
      await sleep(0);
      task.cancel();
      await expect(task).rejects.toThrow();
      await proto.lost;
      expect(proto.calls).toEqual(['connectionMade', 'connectionLost']);
      expect(raw.sendBufferSize).toBe(0);
    });
  });
});
