import { CancelledError, InvalidStateError } from '../errors.js';
import type { CapturedContext } from '../loop/async-context.js';
import type { EventLoop } from '../loop/event-loop.js';
import type { RawStream } from '../loop/raw-stream.js';
import type { StreamDriver, StreamListener, StreamListenHandlers, TlsSettings } from '../loop/stream-driver.js';
import { Future } from '../tasks/future.js';
import { codeError } from './addresses.js';
import { yieldToLoop } from './driver-call.js';
import type { StreamProtocol } from './protocols.js';
import { recordStream } from './record/record-mode.js';
import { Socket } from './socket.js';
import { StreamTransport, type ClosableClient, type TransportOwner } from './stream-transport.js';
import { upgradeTls } from './tls-upgrade.js';

/** @internal what a Server is made with */
export interface ServerSettings {
  driver: StreamDriver;
  ssl: TlsSettings | null;
  sslHandshakeTimeout: number;
}

/**
 * asyncio's Server (3.13): listening sockets that make a transport and a
 * protocol (`protocolFactory()`) for each connection they accept, once
 * serving. `close()` stops listening and leaves the connections open;
 * `waitClosed()` waits until the server is closed, every connection is gone
 * and the backend has released the listening sockets. TLS servers run each
 * handshake (bounded by `sslHandshakeTimeout`) before the protocol's
 * `connectionMade`; a failed handshake drops that connection (reported to
 * the exception handler in debug mode, as asyncio).
 *
 * Connections that arrive before serving starts (`startServing: false`) wait
 * and are served when it starts: on Node the port is bound and listening
 * from `createServer` on, so `sockets()` shows the real port at once.
 */
export class Server implements AsyncDisposable, TransportOwner {
  private _listeners: StreamListener[] | null = [];
  private _socketViews = new Map<StreamListener, Socket>();
  private readonly _listenerCloses: Promise<void>[] = [];
  private readonly _clients = new Set<ClosableClient>();
  /** Accepted before serving started. */
  private _held: RawStream[] = [];
  private _serving = false;
  private _servingForeverFut: Future<void> | null = null;
  private _waiters: Future<void>[] = [];
  /** Closed, no connection left, listening sockets released. */
  private _finished = false;
  private _finishing = false;
  private readonly _ctx: CapturedContext;

  /** @internal made by `createServer` and `createUnixServer` */
  constructor(
    private readonly _loop: EventLoop,
    private readonly _protocolFactory: () => StreamProtocol,
    private readonly _settings: ServerSettings,
  ) {
    this._ctx = _loop._captureContext();
  }

  /** @internal where the listeners report */
  readonly _handlers: StreamListenHandlers = {
    connection: (stream) => this._onConnection(stream),
    error: (error) => {
      if (!this._loop.isClosed()) {
        this._loop.callExceptionHandler({ message: 'socket.accept() out of system resource', exception: error, server: this });
      }
    },
  };

  /** The loop the server runs on. */
  getLoop(): EventLoop {
    return this._loop;
  }

  /** True between starting to serve and `close()`. */
  isServing(): boolean {
    return this._serving;
  }

  /** The listening sockets (their `getsockname()` shows the real port); none once closed. */
  sockets(): Socket[] {
    const listeners = this._listeners;
    if (listeners === null) return [];
    return listeners.map((l) => {
      let s = this._socketViews.get(l);
      if (s === undefined) {
        s = Socket._forListener(this._loop, l);
        this._socketViews.set(l, s);
      }
      return s;
    });
  }

  /** Start accepting connections (a no-op when serving); resolves after one loop iteration, as asyncio. */
  async startServing(): Promise<void> {
    this._startServing();
    await yieldToLoop(this._loop);
  }

  /**
   * Serve until cancelled: then the server is closed and its connections
   * waited for before the cancellation propagates. `close()` ends it the same
   * way. `InvalidStateError` when already serving forever or closed.
   */
  async serveForever(): Promise<void> {
    if (this._servingForeverFut !== null) throw new InvalidStateError(`serveForever: ${String(this)} is already being awaited on serveForever()`);
    if (this._listeners === null) throw new InvalidStateError(`serveForever: ${String(this)} is closed`);
    this._startServing();
    const fut = new Future<void>({ loop: this._loop });
    fut._label = 'Server.serveForever()';
    this._servingForeverFut = fut;
    try {
      await fut;
    } catch (e) {
      if (e instanceof CancelledError) {
        try {
          this.close();
          await this.waitClosed();
        } finally {
          // eslint-disable-next-line no-unsafe-finally
          throw e;
        }
      }
      throw e;
    } finally {
      if (this._servingForeverFut === fut) this._servingForeverFut = null;
    }
  }

  /**
   * Stop listening: accept nothing more (connections that were waiting for
   * serving to start are dropped). Open connections stay open; see
   * `closeClients`, `abortClients`, `waitClosed`. Idempotent.
   */
  close(): void {
    const listeners = this._listeners;
    if (listeners === null) return;
    this._listeners = null;
    this._socketViews.clear();
    for (const l of listeners) this._listenerCloses.push(l.close().catch(() => {}));
    this._serving = false;
    for (const s of this._held.splice(0)) s.abort();
    const fut = this._servingForeverFut;
    if (fut !== null && !fut.done()) fut.cancel();
    this._servingForeverFut = null;
    this._maybeFinish();
  }

  /** Close every connection of the server (buffered data is still sent). */
  closeClients(): void {
    for (const c of [...this._clients]) c.close();
  }

  /** Abort every connection of the server at once. */
  abortClients(): void {
    for (const c of [...this._clients]) c.abort();
  }

  /** Wait until the server is closed and all its connections are gone (asyncio 3.12+). */
  async waitClosed(): Promise<void> {
    if (this._finished) return;
    const fut = new Future<void>({ loop: this._loop });
    fut._label = 'Server.waitClosed()';
    this._waiters.push(fut);
    await fut;
  }

  /** `close()`, then `waitClosed()` (`await using server = ...`). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.waitClosed();
  }

  toString(): string {
    const where = (this._listeners ?? []).map((l) => (typeof l.address === 'string' ? l.address : `${l.address.address}:${l.address.port}`));
    return `<Server ${this._listeners === null ? 'closed' : this._serving ? 'serving' : 'not serving'}${where.length > 0 ? ` ${where.join(', ')}` : ''}>`;
  }

  /** @internal a listener is ready (or, once closed, is closed at once) */
  _addListener(listener: StreamListener): void {
    if (this._listeners === null) {
      this._listenerCloses.push(listener.close().catch(() => {}));
      return;
    }
    this._listeners.push(listener);
  }

  /** @internal start accepting (asyncio's `_start_serving`) */
  _startServing(): void {
    if (this._listeners === null) throw new InvalidStateError(`startServing: ${String(this)} is closed`);
    if (this._serving) return;
    this._serving = true;
    for (const s of this._held.splice(0)) this._schedule(this._accept, s);
  }

  /** @internal count a connection (a transport, or a TLS handshake in progress) */
  _attach(client: ClosableClient): void {
    this._clients.add(client);
  }

  /** @internal a connection is gone */
  _detach(client: ClosableClient): void {
    if (this._clients.delete(client)) this._maybeFinish();
  }

  private _onConnection(accepted: RawStream): void {
    const stream = recordStream(this._loop, accepted);
    if (this._listeners === null || this._loop.isClosed()) stream.abort();
    else if (!this._serving) this._held.push(stream);
    else this._schedule(this._accept, stream);
  }

  private _schedule(fn: (stream: RawStream) => void, stream: RawStream): void {
    if (this._loop.isClosed()) {
      stream.abort();
      return;
    }
    this._loop._scheduleInContext(fn, [stream], this._ctx);
  }

  /** A connection to serve (a loop callback): its protocol, its TLS handshake, its transport. */
  private readonly _accept = (stream: RawStream): void => {
    if (this._listeners === null) {
      stream.abort();
      return;
    }
    let protocol: StreamProtocol;
    try {
      protocol = this._protocolFactory();
      if (protocol === null || typeof protocol !== 'object') throw new TypeError(`protocolFactory must return a protocol object, got ${String(protocol)}`);
    } catch (e) {
      stream.abort();
      this._loop.callExceptionHandler({ message: 'Error on transport creation for incoming connection', exception: e, server: this });
      return;
    }
    if (this._settings.ssl === null) {
      new StreamTransport(this._loop, stream, protocol, { server: this });
      return;
    }
    void this._acceptTls(stream, protocol, this._settings.ssl);
  };

  private async _acceptTls(stream: RawStream, protocol: StreamProtocol, ssl: TlsSettings): Promise<void> {
    const controller = new AbortController();
    const abort = (): void => controller.abort(codeError('ECONNABORTED', 'TLS handshake aborted: the server closed its clients'));
    const handshake: ClosableClient = { close: abort, abort };
    this._attach(handshake);
    try {
      const tlsStream = await upgradeTls(this._loop, this._settings.driver, stream, {
        serverSide: true,
        ssl,
        timeoutMs: this._settings.sslHandshakeTimeout,
        controller,
      });
      new StreamTransport(this._loop, tlsStream, protocol, { server: this });
    } catch (e) {
      if (this._loop.getDebug() && !this._loop.isClosed()) {
        this._loop.callExceptionHandler({ message: 'Error on transport creation for incoming connection', exception: e, server: this, protocol });
      }
    } finally {
      this._detach(handshake);
    }
  }

  private _maybeFinish(): void {
    if (this._listeners !== null || this._clients.size > 0 || this._finishing) return;
    this._finishing = true;
    const finish = (): void => {
      this._finished = true;
      const waiters = this._waiters;
      this._waiters = [];
      if (this._loop.isClosed()) return;
      for (const w of waiters) if (!w.done()) w.setResult(undefined);
    };
    // The backend releases listening sockets asynchronously (Node closes a
    // server's handle after its connections): waitClosed waits for that too.
    void Promise.all(this._listenerCloses).then(finish, finish);
  }
}
