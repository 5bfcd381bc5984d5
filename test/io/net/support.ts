import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EventLoop,
  Protocol,
  waitFor,
  type ExceptionContext,
  type Future,
  type Server,
  type SocketAddress,
  type Transport,
} from '../../../src/index.js';

/** The test certificates (fixtures/tls, valid 2020 to 2126). */
const TLS_DIR = fileURLToPath(new URL('../../../fixtures/tls/', import.meta.url));
const pem = (name: string): Buffer => readFileSync(join(TLS_DIR, name));
export const certs = {
  ca: pem('ca-cert.pem'),
  serverKey: pem('server-key.pem'),
  serverCert: pem('server-cert.pem'),
  clientKey: pem('client-key.pem'),
  clientCert: pem('client-cert.pem'),
  untrustedKey: pem('untrusted-key.pem'),
  untrustedCert: pem('untrusted-cert.pem'),
};
/** TLS options of a server with the localhost certificate. */
export const serverTls = { key: certs.serverKey, cert: certs.serverCert };
/** TLS options of a client that trusts the test CA. */
export const clientTls = { ca: certs.ca };

/**
 * Run `main` as the main task of a fresh loop on the Node backends, then
 * dispose of the loop (which waits until Node released its handles).
 * Reports to the exception handler are collected and returned.
 */
export async function withLoop<T>(main: (loop: EventLoop, reports: ExceptionContext[]) => Promise<T>): Promise<T> {
  const loop = new EventLoop();
  const reports: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => {
    reports.push(ctx);
  });
  try {
    return await loop.runUntilComplete(() => main(loop, reports));
  } finally {
    await loop[Symbol.asyncDispose]();
  }
}

/** A bounded wait, so a broken test fails instead of hanging. */
export function within<T>(aw: PromiseLike<T>, ms = 5000): Promise<T> {
  return waitFor(aw, ms) as Promise<T>;
}

/** The port a server listens on (its first socket). */
export function portOf(server: Server): number {
  return (server.sockets()[0]!.getsockname() as SocketAddress).port;
}

export const text = (chunks: Uint8Array[]): string => Buffer.concat(chunks).toString();

/**
 * A protocol that records what happens to it: the order of its callbacks,
 * the bytes it got, and futures for `connectionMade`, `eofReceived`,
 * `connectionLost` and for "at least n bytes received".
 */
export class Recorder extends Protocol {
  transport: Transport | null = null;
  readonly events: string[] = [];
  readonly chunks: Uint8Array[] = [];
  received = 0;
  /** What `eofReceived` returns. */
  keepOpen = false;
  readonly made: Future<Transport>;
  readonly eof: Future<void>;
  readonly lost: Future<Error | null>;
  private readonly waits: { n: number; fut: Future<void> }[] = [];
  /** Called with each chunk (after recording it). */
  onData: ((data: Uint8Array, self: Recorder) => void) | null = null;

  constructor(readonly loop: EventLoop) {
    super();
    this.made = loop.createFuture<Transport>();
    this.eof = loop.createFuture<void>();
    this.lost = loop.createFuture<Error | null>();
  }

  get text(): string {
    return text(this.chunks);
  }

  override connectionMade(t: Transport): void {
    this.events.push('made');
    this.transport = t;
    this.made.setResult(t);
  }

  override dataReceived(d: Uint8Array): void {
    this.events.push('data');
    this.chunks.push(Buffer.from(d));
    this.received += d.length;
    for (const w of this.waits) if (this.received >= w.n && !w.fut.done()) w.fut.setResult(undefined);
    this.onData?.(d, this);
  }

  override eofReceived(): boolean {
    this.events.push('eof');
    this.eof.setResult(undefined);
    return this.keepOpen;
  }

  override connectionLost(e: Error | null): void {
    this.events.push(e === null ? 'lost' : `lost:${(e as { code?: string }).code ?? e.message}`);
    this.lost.setResult(e);
  }

  override pauseWriting(): void {
    this.events.push('pause');
  }

  override resumeWriting(): void {
    this.events.push('resume');
  }

  /** Resolves once at least `n` bytes in all arrived. */
  bytes(n: number): Future<void> {
    const fut = this.loop.createFuture<void>();
    if (this.received >= n) fut.setResult(undefined);
    else this.waits.push({ n, fut });
    return fut;
  }
}

/** An echo server's protocol. */
export class Echo extends Protocol {
  transport: Transport | null = null;
  override connectionMade(t: Transport): void {
    this.transport = t;
  }
  override dataReceived(d: Uint8Array): void {
    this.transport!.write(d);
  }
}

/** Start a server of `factory` on 127.0.0.1 and a free port. */
export async function localServer(loop: EventLoop, factory: () => Protocol, opts: Parameters<EventLoop['createServer']>[3] = {}): Promise<[Server, number]> {
  const server = await loop.createServer(factory, '127.0.0.1', 0, opts);
  return [server, portOf(server)];
}

/** A fresh temporary directory (for unix sockets), removed by the returned function. */
export function tempDir(): [string, () => void] {
  const dir = mkdtempSync(join(tmpdir(), 'simloop-net-'));
  return [dir, () => rmSync(dir, { recursive: true, force: true })];
}

/** Node resources networking and the loop use (what must be back to the baseline after disposal). */
const NET_RESOURCES = /^((TCP|TCPServer|TLS|Pipe|PipeServer|GetAddrInfoReq|GetNameInfoReq|TCPConnect|PipeConnect|Write|Shutdown)Wrap|Timeout|Immediate)$/;

/** How many of each networking resource Node holds now. */
export function netResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (NET_RESOURCES.test(r)) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/** A server's protocol factory of Recorders, and the connections it made, in order. */
export class Accepted {
  readonly all: Recorder[] = [];
  private readonly waiters: Future<Recorder>[] = [];
  constructor(private readonly loop: EventLoop, private readonly setup?: (r: Recorder) => void) {}

  readonly factory = (): Recorder => {
    const r = new Recorder(this.loop);
    this.setup?.(r);
    this.all.push(r);
    const w = this.waiters[this.all.length - 1];
    if (w !== undefined) w.setResult(r);
    return r;
  };

  /** The i-th connection's recorder, once made (its connectionMade may still be ahead). */
  nth(i: number): Future<Recorder> {
    let w = this.waiters[i];
    if (w === undefined) {
      w = this.loop.createFuture<Recorder>();
      this.waiters[i] = w;
      if (this.all[i] !== undefined) w.setResult(this.all[i]!);
    }
    return w;
  }

  /** The i-th connection's transport, once its connectionMade ran. */
  async transport(i: number): Promise<Transport> {
    const r = await within(this.nth(i));
    return within(r.made);
  }
}

/** Resolves after `ms` of loop time. */
export function pause(loop: EventLoop, ms: number): Future<void> {
  const f = loop.createFuture<void>();
  loop.callLater(ms, () => f.setResult(undefined));
  return f;
}
