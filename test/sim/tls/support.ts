import type { EventLoop } from '../../../src/loop/event-loop.js';
import type { RawStream, RawStreamEvents, SocketAddress } from '../../../src/loop/raw-stream.js';
import type { StartTlsOptions } from '../../../src/loop/stream-driver.js';
import type { Future } from '../../../src/tasks/future.js';
import { startSimTls } from '../../../src/backends/sim/sim-tls.js';
import type { SimWorld } from '../../../src/backends/sim/sim-world.js';

export { certs, clientTls, serverTls } from '../../io/net/support.js';
import { clientTls, serverTls } from '../../io/net/support.js';

/** What travels between the ends of a pair. */
type Segment = { data: Uint8Array } | { eof: true } | { reset: true };

function resetError(): Error {
  return Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
}

/** Bytes a PairEnd may have in flight or unread at its peer before they count in its `writeBufferSize`. */
export const PAIR_WINDOW = 64 * 1024;

/**
 * One end of an in-memory connection (a stand-in for the simulated network's
 * TCP streams): what one end writes reaches the other `latency` ms of
 * virtual time later, by loop timers. Up to PAIR_WINDOW bytes the reader has
 * not taken yet count as accepted by the network; beyond that they are the
 * writer's `writeBufferSize`, so a reader that pauses makes the writer's
 * buffer grow (and `drain` follows once it reads again).
 */
export class PairEnd implements RawStream {
  readonly canWriteEof = true;
  peer!: PairEnd;
  /** How often reading was paused (backpressure reached this connection). */
  pauseCount = 0;
  /** Bytes written and received, in all. */
  bytesWritten = 0;
  bytesRead = 0;
  private _events: RawStreamEvents | null = null;
  private _queue: Segment[] = [];
  private _paused = false;
  private _buffered = 0;
  private _eofSent = false;
  /** close() called: `close` is reported once the peer took everything. */
  private _closing = false;
  private _closed = false;
  private _closeError: Error | null = null;

  constructor(
    private readonly _loop: EventLoop,
    private readonly _latency: number,
    private readonly _sockname: SocketAddress,
    private readonly _peername: SocketAddress,
  ) {}

  start(events: RawStreamEvents): void {
    if (this._events !== null) throw new Error('PairEnd.start: called twice');
    this._events = events;
    if (this._closed) events.close(this._closeError);
    else this._flush();
  }

  write(chunk: Uint8Array): void {
    if (this._closed || this._closing || this._eofSent || chunk.length === 0) return;
    this._buffered += chunk.length;
    this.bytesWritten += chunk.length;
    this._send({ data: Uint8Array.from(chunk) });
  }

  get writeBufferSize(): number {
    return this._closed ? 0 : Math.max(0, this._buffered - PAIR_WINDOW);
  }

  writeEof(): void {
    if (this._closed || this._eofSent) return;
    this._eofSent = true;
    this._send({ eof: true });
  }

  close(): void {
    if (this._closed || this._closing) return;
    this._closing = true;
    this.writeEof();
    if (this._buffered === 0) this._reportClose(null);
  }

  abort(): void {
    if (this._closed) return;
    this._send({ reset: true });
    this._queue = [];
    this._reportClose(null);
  }

  pauseReading(): void {
    if (this._paused) return;
    this._paused = true;
    this.pauseCount++;
  }

  resumeReading(): void {
    if (!this._paused) return;
    this._paused = false;
    this._flush();
  }

  getExtraInfo(name: string): unknown {
    if (name === 'peername') return this._peername;
    if (name === 'sockname') return this._sockname;
    return undefined;
  }

  private _send(segment: Segment): void {
    const peer = this.peer;
    this._loop._timerInternal(this._loop.time() + this._latency, () => peer._arrive(segment), []);
  }

  private _arrive(segment: Segment): void {
    if ('reset' in segment) {
      this._queue = [];
      this._reportClose(resetError());
      return;
    }
    if (this._closed) {
      if ('data' in segment) this.peer._taken(segment.data.length);
      return;
    }
    this._queue.push(segment);
    this._flush();
  }

  private _flush(): void {
    const events = this._events;
    if (events === null) return;
    while (!this._paused && !this._closed && this._queue.length > 0) {
      const segment = this._queue.shift()!;
      if ('data' in segment) {
        this.bytesRead += segment.data.length;
        this.peer._taken(segment.data.length);
        events.data(segment.data);
      } else {
        events.end();
      }
    }
  }

  /** The peer took `n` of our bytes. */
  private _taken(n: number): void {
    if (this._closed) return;
    const before = this.writeBufferSize;
    this._buffered -= n;
    if (this._closing && this._buffered === 0) this._reportClose(null);
    else if (before > 0 && this.writeBufferSize === 0) this._events?.drain();
  }

  private _reportClose(error: Error | null): void {
    if (this._closed) return;
    this._closed = true;
    this._closeError = error;
    this._buffered = 0;
    this._events?.close(error);
  }
}

/** Two connected ends: a client (10.0.0.1) and a server (10.0.0.2:443). */
export function rawPair(loop: EventLoop, latency = 0): [client: PairEnd, server: PairEnd] {
  const c: SocketAddress = { address: '10.0.0.1', port: 50000, family: 'IPv4' };
  const s: SocketAddress = { address: '10.0.0.2', port: 443, family: 'IPv4' };
  const client = new PairEnd(loop, latency, c, s);
  const server = new PairEnd(loop, latency, s, c);
  client.peer = server;
  server.peer = client;
  return [client, server];
}

/**
 * What a plaintext stream reported, with virtual times: `data` chunks, `end`,
 * `drain`, `close` (with its error code), and futures to wait on them in the loop.
 */
export class Events implements RawStreamEvents {
  readonly log: string[] = [];
  readonly chunks: Uint8Array[] = [];
  received = 0;
  readonly ended: Future<void>;
  readonly closed: Future<Error | null>;
  private readonly _waits: { n: number; fut: Future<void> }[] = [];

  constructor(
    private readonly _loop: EventLoop,
    private readonly _name: string,
  ) {
    this.ended = _loop.createFuture<void>();
    this.closed = _loop.createFuture<Error | null>();
  }

  get text(): string {
    return Buffer.concat(this.chunks).toString();
  }

  data(chunk: Uint8Array): void {
    this.chunks.push(Buffer.from(chunk));
    this.received += chunk.length;
    this._note(`data ${chunk.length}`);
    for (const w of this._waits) if (this.received >= w.n && !w.fut.done()) w.fut.setResult(undefined);
  }

  end(): void {
    this._note('end');
    this.ended.setResult(undefined);
  }

  drain(): void {
    this._note('drain');
  }

  close(error: Error | null): void {
    this._note(error === null ? 'close' : `close ${(error as { code?: string }).code ?? error.message}`);
    this.closed.setResult(error);
  }

  /** Resolves once at least `n` bytes in all arrived. */
  bytes(n: number): Future<void> {
    const fut = this._loop.createFuture<void>();
    if (this.received >= n) fut.setResult(undefined);
    else this._waits.push({ n, fut });
    return fut;
  }

  private _note(what: string): void {
    this.log.push(`${this._loop.time()} ${this._name} ${what}`);
  }
}

/** A plaintext byte counter, as the network passes to startSimTls. */
export function counter(): { sent: number; received: number; plain: { sent(n: number): void; received(n: number): void } } {
  const c = {
    sent: 0,
    received: 0,
    plain: {
      sent: (n: number) => {
        c.sent += n;
      },
      received: (n: number) => {
        c.received += n;
      },
    },
  };
  return c;
}

/**
 * Await a driver promise the way the io layer does (driverCall): as a loop
 * future, settled from whatever context the promise settles in.
 */
export function onLoop<T>(loop: EventLoop, p: Promise<T>): Future<T> {
  const fut = loop.createFuture<T>();
  p.then(
    (v) => {
      if (!fut.done()) fut.setResult(v);
    },
    (e) => {
      if (!fut.done()) fut.setException(e);
    },
  );
  return fut;
}

/** How each side of `handshake` runs. */
export interface HandshakeOptions {
  latency?: number;
  client?: Partial<StartTlsOptions>;
  server?: Partial<StartTlsOptions>;
}

/** Both ends of a TLS connection over a fresh raw pair, handshaken. */
export interface TlsPair {
  client: RawStream;
  server: RawStream;
  raw: [client: PairEnd, server: PairEnd];
  counts: { client: ReturnType<typeof counter>; server: ReturnType<typeof counter> };
}

/** Run client and server handshakes over a fresh raw pair; both settle (fulfilled or rejected). */
export async function handshake(world: SimWorld, opts: HandshakeOptions = {}): Promise<[PromiseSettledResult<RawStream>, PromiseSettledResult<RawStream>, TlsPair['raw'], TlsPair['counts']]> {
  const loop = world.loop;
  const raw = rawPair(loop, opts.latency ?? 0);
  const counts = { client: counter(), server: counter() };
  const c = onLoop(
    loop,
    startSimTls(world._ctx, raw[0], { serverSide: false, ssl: clientTls, serverHostname: 'localhost', ...opts.client }, counts.client.plain),
  );
  const s = onLoop(loop, startSimTls(world._ctx, raw[1], { serverSide: true, ssl: serverTls, ...opts.server }, counts.server.plain));
  const settle = async (f: Future<RawStream>): Promise<PromiseSettledResult<RawStream>> => {
    try {
      return { status: 'fulfilled', value: await f };
    } catch (reason) {
      return { status: 'rejected', reason };
    }
  };
  const client = await settle(c);
  const server = await settle(s);
  return [client, server, raw, counts];
}

/** A handshake that must succeed on both sides. */
export async function connectedPair(world: SimWorld, opts: HandshakeOptions = {}): Promise<TlsPair> {
  const [c, s, raw, counts] = await handshake(world, opts);
  if (c.status === 'rejected') throw c.reason;
  if (s.status === 'rejected') throw s.reason;
  return { client: c.value, server: s.value, raw, counts };
}

/** The error code of a rejection reason. */
export function codeOf(result: PromiseSettledResult<unknown>): string | undefined {
  if (result.status !== 'rejected') return undefined;
  return (result.reason as { code?: string }).code;
}
