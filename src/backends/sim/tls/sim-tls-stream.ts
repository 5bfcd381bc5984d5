import type tls from 'node:tls';
import type { RawStream, RawStreamEvents } from '../../../loop/raw-stream.js';
import type { CipherDuplex } from './cipher-duplex.js';
import type { EngineWatch } from './engine-watch.js';

/** Where a TLS stream reports its plaintext byte counts (the network's trace). */
export interface PlaintextCounter {
  /** A plaintext write of `n` bytes was handed to TLS. */
  sent(n: number): void;
  /** A plaintext chunk of `n` bytes was delivered. */
  received(n: number): void;
}

/** The JSStreamSocket `node:tls` wraps a Duplex in: its `doShutdown` is where TLS shuts the stream's write side. */
interface StreamWrap {
  doShutdown?(req: unknown): number;
}

/**
 * Call `onShutdown` when `socket`'s TLS layer shuts down the stream under it
 * (right after writing its close_notify there). A Node whose internals
 * differ just never calls it.
 */
function onTlsShutdown(socket: tls.TLSSocket, onShutdown: () => void): void {
  const wrap = (socket as unknown as { _handle?: { _parentWrap?: StreamWrap } | null })._handle?._parentWrap;
  const original = wrap?.doShutdown;
  if (wrap === undefined || typeof original !== 'function') return;
  wrap.doShutdown = function (this: StreamWrap, req: unknown): number {
    onShutdown();
    return original.call(this, req);
  };
}

const enum State {
  Open = 0,
  /** close() or abort() called: data and EOF are dropped. */
  Closing = 1,
  /** Reported `close` (or will, at start). */
  Closed = 2,
}

/**
 * The plaintext side of a simulated TLS connection, as a RawStream with the
 * Node stream driver's TLS semantics: `writeBufferSize` counts plaintext not
 * yet taken by the TLS engine and the network, `canWriteEof` is false,
 * `close` sends close_notify and then closes the connection once the queued
 * bytes are out, `abort` resets it, and `pauseReading` stops reading the
 * connection underneath (through the TLS socket's and the Duplex's
 * buffers). `close` is reported once both the TLS socket and the simulated
 * connection are closed, with the connection's or TLS's error, or null after
 * `abort`. Every input to the TLS engine takes the engine watch's hold, so
 * virtual time stays still while `node:tls` works.
 */
export class SimTlsStream implements RawStream {
  readonly canWriteEof = false;
  private _events: RawStreamEvents | null = null;
  private _state = State.Open;
  private _paused = false;
  private _aborted = false;
  /** A write left bytes in the buffer: `drain` is due when it empties. */
  private _needDrain = false;
  /** The buffer emptied before `start`: report `drain` then. */
  private _drainBeforeStart = false;
  private _endBeforeStart = false;
  private _error: Error | null = null;
  private _tlsClosed = false;

  /**
   * Made once the handshake over `_duplex` (carrying `_raw`, the simulated
   * connection) is done; `_plain` counts plaintext bytes for the trace.
   */
  constructor(
    private readonly _socket: tls.TLSSocket,
    private readonly _duplex: CipherDuplex,
    private readonly _raw: RawStream,
    private readonly _watch: EngineWatch,
    private readonly _secureContext: tls.SecureContext,
    private readonly _plain?: PlaintextCounter,
  ) {
    const socket = _socket;
    socket.on('error', this._onError);
    socket.on('close', this._onTlsClose);
    socket.on('end', this._onEnd);
    if (socket.readableEnded) this._endBeforeStart = true;
    if (socket.closed) this._tlsClosed = true;
    this._duplex.onRawClose = this._onRawClose;
    if (this._duplex.rawError !== null) this._error = this._duplex.rawError;
    onTlsShutdown(socket, this._onShutdown);
  }

  start(events: RawStreamEvents): void {
    if (this._events !== null) throw new Error('RawStream.start: called twice');
    this._events = events;
    if (this._closedBelow()) {
      this._reportClose();
      return;
    }
    const socket = this._socket;
    // A data listener alone makes a never-paused stream flow.
    if (this._paused) socket.pause();
    socket.on('data', this._onData);
    if (!this._paused) socket.resume();
    this._watch.pulse();
    if (this._endBeforeStart) {
      this._endBeforeStart = false;
      if (this._state === State.Open) events.end();
    }
    if (this._drainBeforeStart) {
      this._drainBeforeStart = false;
      events.drain();
    }
  }

  write(chunk: Uint8Array): void {
    if (this._state !== State.Open) return;
    const socket = this._socket;
    if (socket.destroyed || socket.writableEnded) return;
    this._plain?.sent(chunk.length);
    this._watch.pulse();
    socket.write(chunk, this._onWritten);
    if (socket.writableLength > 0) this._needDrain = true;
  }

  get writeBufferSize(): number {
    if (this._state === State.Closed) return 0;
    const socket = this._socket;
    return socket.destroyed ? 0 : socket.writableLength;
  }

  /** TLS cannot half-close (asyncio): a no-op, as `canWriteEof` says. */
  writeEof(): void {}

  close(): void {
    if (this._state !== State.Open) return;
    this._state = State.Closing;
    this._watch.pulse();
    // close_notify after the queued bytes, then the connection closes (the
    // Duplex is destroyed once the TLS socket finished). What still comes in is read and dropped.
    this._socket.destroySoon();
    if (this._events !== null && this._paused) this._socket.resume();
  }

  abort(): void {
    if (this._state === State.Closed) return;
    this._state = State.Closing;
    this._aborted = true;
    this._watch.pulse();
    this._duplex.reset();
    this._socket.destroy();
  }

  pauseReading(): void {
    if (this._paused) return;
    this._paused = true;
    if (this._events !== null && this._state === State.Open) this._socket.pause();
  }

  resumeReading(): void {
    if (!this._paused) return;
    this._paused = false;
    if (this._events !== null && this._state === State.Open) {
      this._watch.pulse();
      this._socket.resume();
    }
  }

  getExtraInfo(name: string): unknown {
    const socket = this._socket;
    switch (name) {
      case 'peercert': {
        if (socket.destroyed) return undefined;
        const cert = socket.getPeerCertificate();
        // asyncio's getpeercert() is None when the peer sent no certificate; Node gives {}.
        return cert !== null && Object.keys(cert).length > 0 ? cert : null;
      }
      case 'cipher':
        return socket.destroyed ? undefined : socket.getCipher();
      case 'sslcontext':
        return this._secureContext;
      case 'ssl_object':
        return socket;
      case 'compression':
        return null;
    }
    return this._raw.getExtraInfo(name);
  }

  /**
   * TLS wrote its close_notify and shuts its side down: after `close`, the
   * connection closes at once. Node gets there some nextTicks and immediates
   * later (destroySoon); over a zero-latency simulated link the peer, already
   * closed, would meanwhile answer the close_notify with a reset, which on
   * Node comes a round trip later, when the socket is long gone.
   */
  private readonly _onShutdown = (): void => {
    if (this._state === State.Closing && !this._aborted) this._duplex.closeRaw();
  };

  private _closedBelow(): boolean {
    return this._tlsClosed && this._duplex.rawClosed;
  }

  private readonly _onData = (chunk: Buffer): void => {
    this._watch.pulse();
    if (this._state !== State.Open || chunk.length === 0) return;
    this._plain?.received(chunk.length);
    this._events!.data(chunk);
  };

  private readonly _onEnd = (): void => {
    this._watch.pulse();
    if (this._state !== State.Open) return;
    if (this._events === null) this._endBeforeStart = true;
    else this._events.end();
  };

  private readonly _onWritten = (): void => {
    this._watch.pulse();
    if (!this._needDrain || this._socket.writableLength !== 0) return;
    this._needDrain = false;
    if (this._state === State.Closed) return;
    if (this._events === null) this._drainBeforeStart = true;
    else this._events.drain();
  };

  private readonly _onError = (error: Error): void => {
    this._watch.pulse();
    this._error ??= error;
    // After the handshake, node:tls only emits a TLS error (a bad record):
    // the connection is broken all the same (asyncio's fatal error), so close it.
    if (!this._socket.destroyed) this._socket.destroy();
  };

  private readonly _onTlsClose = (): void => {
    this._tlsClosed = true;
    this._watch.pulse();
    // The TLS socket closed on its own (a TLS error): the connection under it follows.
    if (!this._duplex.destroyed) this._duplex.destroy();
    this._maybeClosed();
  };

  private readonly _onRawClose = (error: Error | null): void => {
    if (error !== null) this._error ??= error;
    this._maybeClosed();
  };

  private _maybeClosed(): void {
    if (!this._closedBelow() || this._state === State.Closed) return;
    this._watch.stop();
    // Before start, `start` reports it.
    if (this._events !== null) this._reportClose();
  }

  private _reportClose(): void {
    const events = this._events!;
    const wasOpen = this._state === State.Open;
    this._state = State.Closed;
    this._watch.stop();
    if (this._endBeforeStart && wasOpen && !this._aborted && this._error === null) events.end();
    this._endBeforeStart = false;
    events.close(this._aborted ? null : this._error);
  }
}
