/**
 * TLS echo on 127.0.0.1, client and server in this process: 2e4 sequential
 * 64-byte round trips on one connection, Protocol API with `ssl` on both
 * sides, against raw `node:tls` in the same topology. Goal: >= 0.9x raw.
 */
import tls from 'node:tls';
import type { EventLoop, SocketAddress } from '../src/index.js';
import { compare, now, printRow, type Benchmark, type Row } from './harness.js';
import { ECHO_SIZE, EchoProtocol, message, onLoop, PingProtocol, rateRow, tlsCerts } from './net-support.js';

const NAME = 'net-tls';
const SIZE = ECHO_SIZE;
const N = 2e4;
const MSG = message(SIZE);

/** Raw node:tls: a server echoing what it reads, one client doing `n` sequential round trips (TCP_NODELAY on both ends, as ours). */
export async function rawTls(n: number = N): Promise<number> {
  const server = tls.createServer({ ...tlsCerts.server, noDelay: true }, (s) => s.on('data', (d) => s.write(d)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const s = await new Promise<tls.TLSSocket>((r) => {
    const c = tls.connect({ port, host: '127.0.0.1', ...tlsCerts.client }, () => r(c));
  });
  s.setNoDelay(true);
  const msg = Buffer.from(MSG);
  const t0 = now();
  await new Promise<void>((done) => {
    let left = n;
    let got = 0;
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got < SIZE) return;
      got -= SIZE;
      if (--left === 0) done();
      else s.write(msg);
    });
    s.write(msg);
  });
  const elapsed = now() - t0;
  s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return elapsed;
}

/** simloop Protocol API with `ssl` on both ends: `n` sequential round trips. */
export function oursTls(n: number = N): Promise<number> {
  return onLoop(async (loop: EventLoop) => {
    const finished = loop.createFuture<void>();
    const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0, { ssl: tlsCerts.server });
    const port = (server.sockets()[0]!.getsockname() as SocketAddress).port;
    const [t, ping] = await loop.createConnection(() => new PingProtocol(n, () => finished.setResult(undefined)), '127.0.0.1', port, {
      ssl: { ca: tlsCerts.client.ca },
      serverHostname: 'localhost',
    });
    return async () => {
      ping.start();
      await finished;
      t.close();
      server.close();
      await server.waitClosed();
    };
  }, now);
}

export const netTls: Benchmark = {
  name: NAME,
  title: `TLS echo on 127.0.0.1, ${N} sequential ${SIZE}-byte round trips, vs raw node:tls (round trips/s)`,
  async run(): Promise<Row[]> {
    const [r, o] = await compare([() => rawTls(), () => oursTls()], { warmup: 0, repeats: 3 });
    const rtps = (ms: number): number => N / (ms / 1000);
    const row = rateRow(NAME, `1 conn, ${N} sequential, Protocol`, 'rt/s', 'node:tls', rtps(r!), rtps(o!), 0.9);
    printRow(row);
    return [row];
  },
};
