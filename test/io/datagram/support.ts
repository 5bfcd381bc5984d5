import { EventLoop, Queue, type Future } from '../../../src/index.js';
import type { DatagramTransport } from '../../../src/io/transports.js';
import type { DatagramProtocol } from '../../../src/io/protocols.js';
import type { PeerAddress } from '../../../src/loop/raw-stream.js';

/** Run `main` as a task of a fresh Node-backed loop, then dispose of the loop. */
export async function withLoop<T>(main: (loop: EventLoop) => Promise<T>): Promise<T> {
  const loop = new EventLoop();
  try {
    return await loop.runUntilComplete(() => main(loop));
  } finally {
    await loop[Symbol.asyncDispose]();
  }
}

/** A datagram protocol that records what the transport reports. */
export class Recorder implements DatagramProtocol {
  readonly calls: string[] = [];
  readonly received = new Queue<[data: string, addr: PeerAddress]>();
  readonly errors = new Queue<Error>();
  transport: DatagramTransport | null = null;
  lostWith: Error | null | undefined = undefined;
  readonly lost: Future<Error | null>;

  constructor(loop: EventLoop) {
    this.lost = loop.createFuture<Error | null>();
  }

  connectionMade(transport: DatagramTransport): void {
    this.calls.push('connectionMade');
    this.transport = transport;
  }

  datagramReceived(data: Uint8Array, addr: PeerAddress): void {
    this.calls.push('datagramReceived');
    this.received.putNowait([Buffer.from(data).toString('utf8'), addr]);
  }

  errorReceived(error: Error): void {
    this.calls.push('errorReceived');
    this.errors.putNowait(error);
  }

  connectionLost(error: Error | null): void {
    this.calls.push('connectionLost');
    this.lostWith = error;
    this.lost.setResult(error);
  }
}

/** A protocol that sends every datagram back where it came from. */
export class Echo implements DatagramProtocol {
  transport: DatagramTransport | null = null;
  connectionMade(transport: DatagramTransport): void {
    this.transport = transport;
  }
  datagramReceived(data: Uint8Array, addr: PeerAddress): void {
    this.transport!.sendto(data, addr);
  }
}
