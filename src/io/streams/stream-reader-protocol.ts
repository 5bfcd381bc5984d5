import { types } from 'node:util';
import type { EventLoop } from '../../loop/event-loop.js';
import type { Future } from '../../tasks/future.js';
import type { Task } from '../../tasks/task.js';
import type { Transport } from '../transports.js';
import { FlowControlProtocol } from './flow-control.js';
import type { StreamReader } from './stream-reader.js';
import { StreamWriter } from './stream-writer.js';

/**
 * What `startServer` calls for each connection. An async function runs as a
 * task (as asyncio runs a coroutine callback); a plain function is called from
 * `connectionMade`, and a promise it returns is awaited by a task.
 */
export type ClientConnectedCallback = (reader: StreamReader, writer: StreamWriter) => void | PromiseLike<void>;

/**
 * asyncio.StreamReaderProtocol: the glue between a transport and a
 * StreamReader (data, EOF and the connection's loss become the reader's
 * data, EOF and exception) with flow control for the StreamWriter. With a
 * `clientConnected` callback (a server's), it makes the writer and calls the
 * callback when the connection is made.
 */
export class StreamReaderProtocol extends FlowControlProtocol {
  /** @internal */ _reader: StreamReader | null;
  /** @internal */ _clientConnected: ClientConnectedCallback | null;
  /** @internal */ _transport: Transport | null = null;
  /** @internal the task running an async clientConnected */
  _task: Task<unknown> | null = null;
  private _overSsl = false;
  /** Settles when the connection is lost: what `writer.waitClosed()` awaits. */
  private readonly _closed: Future<void>;

  constructor(reader: StreamReader | null, clientConnected: ClientConnectedCallback | null = null, opts: { loop?: EventLoop } = {}) {
    if (clientConnected !== null && typeof clientConnected !== 'function') {
      throw new TypeError('StreamReaderProtocol: clientConnected must be a function');
    }
    super(opts);
    this._reader = reader;
    this._clientConnected = clientConnected;
    this._closed = this._loop.createFuture<void>();
    if (reader !== null && reader._loop === null) reader._loop = this._loop;
  }

  /** @internal after startTls: the new transport. */
  _replaceTransport(transport: Transport): void {
    this._transport = transport;
    this._overSsl = transport.getExtraInfo('sslcontext') != null;
    this._reader?._replaceTransport(transport);
  }

  /** @internal the future `waitClosed()` awaits */
  _getCloseWaiter(_writer: StreamWriter<any>): Future<void> {
    return this._closed;
  }

  override connectionMade(transport: Transport): void {
    this._transport = transport;
    const reader = this._reader;
    reader?._setTransport(transport);
    this._overSsl = transport.getExtraInfo('sslcontext') != null;
    const cb = this._clientConnected;
    if (cb === null) return;
    const writer = new StreamWriter(transport, this, reader, this._loop);
    let task: Task<unknown>;
    if (types.isAsyncFunction(cb)) {
      task = this._loop.createTask(() => cb(reader!, writer));
    } else {
      const res = cb(reader!, writer);
      if (res === null || typeof res !== 'object' || typeof (res as PromiseLike<void>).then !== 'function') return;
      task = this._loop.createTask(() => res);
    }
    this._task = task;
    task.addDoneCallback((t) => {
      if (t.cancelled()) {
        transport.close();
        return;
      }
      const exc = t.exception();
      if (exc !== null) {
        this._loop.callExceptionHandler({
          message: 'Unhandled exception in clientConnected',
          exception: exc,
          transport,
        });
        transport.close();
      }
    });
  }

  override connectionLost(error: Error | null): void {
    const reader = this._reader;
    if (reader !== null) {
      if (error === null) reader.feedEof();
      else reader.setException(error);
    }
    const closed = this._closed;
    if (!closed.done()) {
      if (error === null) closed.setResult();
      else {
        closed.setException(error);
        // The reader and drain() report this error; nobody has to await
        // waitClosed() to see it (asyncio retrieves it in __del__).
        closed.exception();
      }
    }
    super.connectionLost(error);
    this._reader = null;
    this._task = null;
    this._transport = null;
  }

  override dataReceived(data: Uint8Array): void {
    const reader = this._reader;
    if (reader === null) return;
    // A transport's chunk is nobody else's once delivered: the reader keeps
    // it without a copy. Anything else (a string, from a caller) is copied.
    if (data instanceof Uint8Array) reader._feedOwned(data);
    else reader.feedData(data);
  }

  /** Feeds EOF to the reader; keeps the transport open (to write more) unless it is TLS, as asyncio. */
  override eofReceived(): boolean {
    this._reader?.feedEof();
    return !this._overSsl;
  }
}
