/**
 * Shared pieces of the network benchmarks (bench/net-*.ts): throughput rows
 * (higher is better, ratio = ours / peer), a simloop run with setup outside
 * the timed section, the test certificates for TLS, and the echo protocols.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EventLoop, Protocol, type StreamReader, type StreamWriter, type Transport } from '../src/index.js';
import type { Row } from './harness.js';

/** A throughput row: `ratio` = ours / peer, so >= goal.min meets a goal stated as a fraction of the peer. */
export function rateRow(bench: string, kase: string, unit: string, peerName: string, peer: number, ours: number, min: number): Row {
  const ratio = ours / peer;
  return { bench, case: kase, unit, peerName, peer, ours, ratio, ratioLabel: `x ${peerName}`, goal: `>= ${min}x ${peerName}`, pass: ratio >= min };
}

/**
 * Run `setup` then the timed `body` as the main task of a fresh loop on the
 * Node backend; returns the ms of `body` alone. The loop is disposed after.
 */
export async function onLoop(body: (loop: EventLoop) => Promise<() => Promise<void>>, clock: () => number): Promise<number> {
  const loop = new EventLoop();
  try {
    return await loop.runUntilComplete(async () => {
      const timed = await body(loop);
      const t0 = clock();
      await timed();
      return clock() - t0;
    });
  } finally {
    await loop[Symbol.asyncDispose]();
  }
}

const TLS_DIR = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
/** The test certificates (fixtures/tls): a localhost server certificate signed by the test CA. */
export const tlsCerts = {
  server: { key: readFileSync(`${TLS_DIR}server-key.pem`), cert: readFileSync(`${TLS_DIR}server-cert.pem`) },
  client: { ca: readFileSync(`${TLS_DIR}ca-cert.pem`), servername: 'localhost' },
};

/**
 * A message of seeded bytes, as a Node Buffer: raw node:net and simloop
 * write the same kind of object (a plain Uint8Array costs Node a Buffer
 * wrapper on every write).
 */
export function message(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
}

/** The size of an echo benchmark's message. */
export const ECHO_SIZE = 64;
const ECHO_MSG = message(ECHO_SIZE);

/** The server side of a Streams-API echo: writes back each `read()`, waiting for `drain()`, until EOF. */
export async function streamsEchoServer(reader: StreamReader, writer: StreamWriter): Promise<void> {
  for (;;) {
    const d = await reader.read(65536);
    if (d.length === 0) break;
    writer.write(d);
    await writer.drain();
  }
  writer.close();
}

/** The server side of a Protocol-API echo: writes back what it receives. */
export class EchoProtocol extends Protocol {
  private t: Transport | null = null;
  override connectionMade(t: Transport): void {
    this.t = t;
  }
  override dataReceived(d: Uint8Array): void {
    this.t!.write(d);
  }
}

/** The client side of a Protocol-API echo: `left` sequential round trips of ECHO_SIZE bytes from `start()`, then `done()`. */
export class PingProtocol extends Protocol {
  private t: Transport | null = null;
  private got = 0;
  constructor(
    private left: number,
    private done: () => void,
  ) {
    super();
  }
  override connectionMade(t: Transport): void {
    this.t = t;
  }
  start(): void {
    this.t!.write(ECHO_MSG);
  }
  /** `left` more round trips on the same connection, then `done()` (the last ones must have finished). */
  again(left: number, done: () => void): void {
    this.left = left;
    this.done = done;
    this.start();
  }
  override dataReceived(d: Uint8Array): void {
    this.got += d.length;
    if (this.got < ECHO_SIZE) return;
    this.got -= ECHO_SIZE;
    if (--this.left === 0) this.done();
    else this.t!.write(ECHO_MSG);
  }
}
