import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { readTranscript, type Transcript } from '../../../src/io/transcript.js';

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(): [string, () => void] {
  const dir = mkdtempSync(join(tmpdir(), 'simloop-record-'));
  return [dir, () => rmSync(dir, { recursive: true, force: true })];
}

/**
 * Per-test cleanup for a test file: `later(fn)` runs `fn` after the test
 * (last registered first), `dir()` is a fresh temporary directory removed then.
 */
export function scratch(): { later(fn: () => unknown): void; dir(): string } {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return {
    later: (fn) => cleanups.push(fn),
    dir: () => {
      const [d, remove] = tempDir();
      cleanups.push(remove);
      return d;
    },
  };
}

/** A real server outside any simloop loop: plain `node:net` (or `node:tls`), with its open sockets. */
export interface RealServer {
  port: number;
  sockets: Set<net.Socket>;
  close(): Promise<void>;
}

function track(server: net.Server, sockets: Set<net.Socket>, port: number): RealServer {
  return {
    port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Listen with `handler` on 127.0.0.1 (a free port) or on a unix `path`;
 * sockets allow half-open connections, as simloop's do.
 */
export function realServer(handler: (socket: net.Socket) => void, opts: { path?: string; tls?: tls.TlsOptions } = {}): Promise<RealServer> {
  const sockets = new Set<net.Socket>();
  const onSocket = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    handler(socket);
  };
  const server = opts.tls !== undefined ? tls.createServer({ ...opts.tls, allowHalfOpen: true }, onSocket) : net.createServer({ allowHalfOpen: true }, onSocket);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      const a = server.address();
      resolve(track(server, sockets, typeof a === 'object' && a !== null ? a.port : 0));
    };
    if (opts.path !== undefined) server.listen(opts.path, done);
    else server.listen(0, '127.0.0.1', done);
  });
}

/** Echo every byte back; half-close back after the client half-closes. */
export function echo(socket: net.Socket): void {
  socket.on('data', (d) => socket.write(d));
  socket.on('end', () => socket.end());
}

/** A transcript's events in a comparable shape: consecutive data of one direction joined, as text. */
export function flow(t: Transcript): string[] {
  const out: string[] = [];
  let last: { dir: string; text: string } | null = null;
  for (const e of t.events) {
    if ('data' in e) {
      if (last !== null && last.dir === e.dir) {
        last.text += Buffer.from(e.data).toString();
        out[out.length - 1] = `${e.dir} ${JSON.stringify(last.text)}`;
        continue;
      }
      last = { dir: e.dir, text: Buffer.from(e.data).toString() };
      out.push(`${e.dir} ${JSON.stringify(last.text)}`);
    } else {
      last = null;
      out.push(`${e.dir} ${'kind' in e ? e.kind : `match ${e.match}`}`);
    }
  }
  return out;
}

/** The files in `dir`, sorted. */
export function filesIn(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** The transcript in `dir/name`. */
export function transcriptAt(dir: string, name: string): Transcript {
  return readTranscript(join(dir, name));
}
