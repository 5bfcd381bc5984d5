import { CancelledError } from '../../errors.js';
import type { EventLoop } from '../../loop/event-loop.js';
import type { TlsSettings } from '../../loop/stream-driver.js';
import { sleepOn } from '../../tasks/sleep.js';
import '../network-methods.js';
import type { StreamProtocol } from '../protocols.js';
import type { Transport, WriteTransport } from '../transports.js';
import { connectionLostError } from './connection-lost-error.js';
import type { StreamReader } from './stream-reader.js';

/**
 * What a StreamWriter needs from its protocol (a FlowControlProtocol
 * subclass, such as StreamReaderProtocol or a subprocess's pipe protocol).
 */
export interface StreamWriterProtocol extends StreamProtocol {
  /** @internal resolves when writing may go on; throws once the connection is lost */
  _drainHelper(): Promise<void>;
  /** @internal settles when the connection behind `writer` is lost */
  _getCloseWaiter(writer: StreamWriter<any>): PromiseLike<void>;
  /** @internal set on a server's protocol: its startTls is the server side */
  _clientConnected?: unknown;
  /** @internal true once connectionLost has run */
  _connectionLost?: boolean;
  /** @internal told about the transport startTls made */
  _replaceTransport?(transport: Transport): void;
}

/** Options of `StreamWriter.startTls` (asyncio's keyword arguments). */
export interface StreamStartTlsOptions {
  /** The name to check the server's certificate against (client side). */
  serverHostname?: string;
  /** ms the handshake may take before it fails with `ECONNABORTED` (default 60 s). */
  sslHandshakeTimeout?: number;
}

/**
 * asyncio.StreamWriter: writes to a transport, with `drain()` for
 * backpressure (it waits while the transport has paused writing, and throws
 * once the connection is lost) and `waitClosed()` to learn when the
 * connection is gone. `await using` closes it and waits for that.
 */
export class StreamWriter<T extends WriteTransport = Transport> implements AsyncDisposable {
  private _transport: T;
  private readonly _protocol: StreamWriterProtocol;
  private readonly _reader: StreamReader | null;
  private readonly _loop: EventLoop;

  /** As asyncio: the transport, the protocol it reports to, its reader (or null) and the loop. */
  constructor(transport: T, protocol: StreamWriterProtocol, reader: StreamReader | null, loop: EventLoop) {
    this._transport = transport;
    this._protocol = protocol;
    this._reader = reader;
    this._loop = loop;
  }

  /** The transport written to (a new one after `startTls`). */
  get transport(): T {
    return this._transport;
  }

  /** Queue `data` (a string as UTF-8) without waiting; `await drain()` to respect backpressure. */
  write(data: Uint8Array | string): void {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw new TypeError(`write: data must be a Uint8Array or a string, got ${data === null ? 'null' : typeof data}`);
    }
    this._transport.write(data);
  }

  /** Queue each item of `list`, in order. */
  writelines(list: Iterable<Uint8Array | string>): void {
    this._transport.writelines(list);
  }

  /** Half-close: send EOF after the queued bytes (not on TLS: see `canWriteEof`). */
  writeEof(): void {
    this._transport.writeEof();
  }

  /** Whether `writeEof` is supported (false for TLS). */
  canWriteEof(): boolean {
    return this._transport.canWriteEof();
  }

  /** Close the transport after the queued bytes are sent. */
  close(): void {
    this._transport.close();
  }

  /** True once closing or closed. */
  isClosing(): boolean {
    return this._transport.isClosing();
  }

  /** Resolves when the connection is lost: rejects with its error if it was lost to one. */
  async waitClosed(): Promise<void> {
    await this._protocol._getCloseWaiter(this);
  }

  /** The transport's extra info (`'peername'`, `'sockname'`, `'peercert'`, `'socket'`, ...). */
  getExtraInfo<T = unknown>(name: string, defaultValue?: T): T | undefined {
    return this._transport.getExtraInfo<T>(name, defaultValue);
  }

  /**
   * Wait until the transport's write buffer has drained below its low-water
   * mark (at once when writing is not paused). Throws the reader's exception
   * (the error the connection was lost to), or `ECONNRESET` ("Connection
   * lost") once the connection is gone.
   */
  drain(): Promise<void> {
    try {
      if (this._reader !== null) {
        const exc = this._reader.exception();
        if (exc !== null) return Promise.reject(exc);
      }
      if (this._transport.isClosing()) return this._drainClosing();
      // Usually a settled promise: a drain that has nothing to wait for costs no async frame.
      return this._protocol._drainHelper();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private async _drainClosing(): Promise<void> {
    // Yield once so connectionLost can run: otherwise a `write(); await
    // drain()` loop on a closing transport would never see the loss.
    await sleepOn(this._loop, 0, undefined);
    await this._protocol._drainHelper();
  }

  /**
   * Upgrade the connection to TLS in place (through `loop.startTls`): the
   * server side when this writer came from `startServer`. Queued data is
   * drained first; afterwards reads and writes go through TLS. When the
   * handshake fails the connection is closed: the reader, `drain()` and
   * `waitClosed()` then throw the TLS error too.
   */
  startTls(ssl: TlsSettings, opts: StreamStartTlsOptions = {}): Promise<void> {
    if (opts === null || typeof opts !== 'object') throw new TypeError('startTls: opts must be an object');
    return this._startTls(ssl, opts);
  }

  private async _startTls(ssl: TlsSettings, opts: StreamStartTlsOptions): Promise<void> {
    const protocol = this._protocol;
    const serverSide = protocol._clientConnected != null;
    await this.drain();
    // Bad arguments throw here, before the connection is touched.
    const upgrade = this._loop.startTls(this._transport as unknown as Transport, protocol, ssl, { ...opts, serverSide });
    let transport: Transport;
    try {
      transport = await upgrade;
    } catch (e) {
      // A failed upgrade has closed the connection and its protocol hears
      // nothing more: tell it, so that waiting reads, drain() and
      // waitClosed() end with the error instead of waiting forever (as they
      // do in asyncio).
      if (protocol._connectionLost !== true) {
        protocol.connectionLost?.(e instanceof Error && !(e instanceof CancelledError) ? e : connectionLostError());
      }
      throw e;
    }
    this._transport = transport as unknown as T;
    protocol._replaceTransport?.(transport);
  }

  toString(): string {
    return `<StreamWriter transport=${String(this._transport)}${this._reader === null ? '' : ` reader=${String(this._reader)}`}>`;
  }

  /** Close and wait until the connection is gone; the error it was lost to, if any, is not rethrown here. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    try {
      await this.waitClosed();
    } catch {
      // The reader and drain() report it; disposal only releases.
    }
  }
}
