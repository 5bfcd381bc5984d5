/**
 * Bulk TCP one way on 127.0.0.1, client and server in this process: the
 * client writes 1 GiB in 64 KiB chunks as fast as flow control lets it
 * (raw: `write()` until it returns false, then 'drain'; simloop: a Protocol
 * writing until `pauseWriting`, again at `resumeWriting`), the server counts
 * bytes; timed until the server has all of them. Goal: >= 0.95x raw MB/s.
 */
import net from 'node:net';
import { Protocol, type EventLoop, type SocketAddress, type Transport } from '../src/index.js';
import { compare, now, printRow, type Benchmark, type Row } from './harness.js';
import { message, onLoop, rateRow } from './net-support.js';

const NAME = 'net-bulk';
const CHUNK = 64 * 1024;
const TOTAL = 1024 * 1024 * 1024;
const CHUNKS = TOTAL / CHUNK;
const DATA = message(CHUNK);

async function raw(): Promise<number> {
  let received = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const server = net.createServer({ noDelay: true }, (s) =>
    s.on('data', (d: Buffer) => {
      received += d.length;
      if (received === TOTAL) done();
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const s = await new Promise<net.Socket>((r) => {
    const c = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => r(c));
  });
  const chunk = Buffer.from(DATA.buffer, DATA.byteOffset, DATA.byteLength);
  const t0 = now();
  let sent = 0;
  const pump = (): void => {
    while (sent < CHUNKS) {
      sent++;
      if (!s.write(chunk)) return;
    }
  };
  s.on('drain', pump);
  pump();
  await finished;
  const elapsed = now() - t0;
  s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return elapsed;
}

class Sink extends Protocol {
  received = 0;
  constructor(private readonly done: () => void) {
    super();
  }
  override dataReceived(d: Uint8Array): void {
    this.received += d.length;
    if (this.received === TOTAL) this.done();
  }
}

class Source extends Protocol {
  private t: Transport | null = null;
  private sent = 0;
  private paused = false;
  override connectionMade(t: Transport): void {
    this.t = t;
  }
  pump(): void {
    const t = this.t!;
    while (this.sent < CHUNKS && !this.paused) {
      this.sent++;
      t.write(DATA);
    }
  }
  override pauseWriting(): void {
    this.paused = true;
  }
  override resumeWriting(): void {
    this.paused = false;
    this.pump();
  }
}

function ours(): Promise<number> {
  return onLoop(async (loop: EventLoop) => {
    const finished = loop.createFuture<void>();
    const server = await loop.createServer(() => new Sink(() => finished.setResult(undefined)), '127.0.0.1', 0);
    const port = (server.sockets()[0]!.getsockname() as SocketAddress).port;
    const [t, source] = await loop.createConnection(() => new Source(), '127.0.0.1', port);
    return async () => {
      source.pump();
      await finished;
      t.close();
      server.close();
      await server.waitClosed();
    };
  }, now);
}

export const netBulk: Benchmark = {
  name: NAME,
  title: `bulk TCP one way on 127.0.0.1, ${TOTAL / 2 ** 30} GiB in 64 KiB chunks, vs raw node:net (MB/s)`,
  async run(): Promise<Row[]> {
    const [r, o] = await compare([raw, ours], { warmup: 0, repeats: 2 });
    const mbps = (ms: number): number => TOTAL / (1024 * 1024) / (ms / 1000);
    const row = rateRow(NAME, `1 GiB in 64 KiB chunks, Protocol`, 'MB/s', 'node:net', mbps(r!), mbps(o!), 0.95);
    printRow(row);
    return [row];
  },
};
