import type net from 'node:net';
import type tls from 'node:tls';
import type { PeerAddress, RawStream, RawStreamEvents } from '../../loop/raw-stream.js';
import { handleWritesKnown, learnWriteRequest, writableHandle, writeError, writeToHandle, type HandleWriteOwner } from './handle-writes.js';
import { readIntoSharedBuffer, stopSharedBufferReads } from './shared-buffer-reads.js';

/** What a NodeRawStream knows beyond its socket. */
export interface NodeStreamInfo {
  /** This end's address; default: the socket's (a unix socket needs it given: Node shows `{}` there). */
  sockname?: PeerAddress;
  /** The peer's address; default: the socket's. */
  peername?: PeerAddress;
  /** For TLS: the TCP or unix socket under the TLS socket (abort resets it; close waits for it). */
  transport?: net.Socket;
  /** For TLS: the secure context in use (extra info `'sslcontext'`). */
  secureContext?: tls.SecureContext;
}

/** What a stream hands over to `startTls`. */
export interface DetachedSocket {
  socket: net.Socket;
  /** Bytes Node had read and nobody consumed. */
  pending: Buffer[];
  info: NodeStreamInfo;
}

const enum State {
  Open = 0,
  /** close() or abort() called: the socket is ending; data and EOF are dropped. */
  Closing = 1,
  /** Reported `close` (or would have, before start). */
  Closed = 2,
  /** Handed over to startTls: reports nothing more and touches the socket no more. */
  Detached = 3,
}

function noop(): void {}

function tcpAddress(address: string | undefined, port: number | undefined, family: string | undefined): PeerAddress | undefined {
  if (address === undefined || port === undefined) return undefined;
  return { address, port, family: family === 'IPv6' ? 'IPv6' : 'IPv4' };
}

/**
 * A Node `net.Socket` (TCP or unix) or `tls.TLSSocket` as a RawStream.
 * `writeBufferSize` is Node's `writableLength`: bytes accepted and not yet
 * handed to the OS (Node writes to the kernel synchronously when it can, so
 * it stays 0 until the kernel's buffers are full). `drain` is reported the
 * first time the size is 0 again: through Node's 'drain' for the write that
 * started the buffering, and each later write's callback while it lasts
 * (writes made with nothing buffered carry no callback: that saves a tick each).
 * A plain socket's writes go straight to its handle once its Writable is
 * empty (handle-writes.ts): the size then adds the bytes libuv holds, and
 * `drain` comes when a queued write completes with nothing left.
 * Sockets are created with `allowHalfOpen`, so EOF from the peer leaves the
 * write side to the transport (asyncio's `eof_received` rule).
 */
export class NodeRawStream implements RawStream, HandleWriteOwner {
  readonly canWriteEof: boolean;
  private _events: RawStreamEvents | null = null;
  private _state = State.Open;
  private _started = false;
  /** Reads go through the shared buffer (shared-buffer-reads.ts), not 'data' events. */
  private _sharedReads = false;
  private _paused = false;
  private _aborted = false;
  private _needDrain = false;
  /** A plain TCP or unix socket (not TLS, nor a socket another layer reads through). */
  private readonly _plain: boolean;
  /** Writes may go straight to the handle (a plain socket, on a Node where handle-writes.ts works). */
  private _handleWrites: boolean;
  /** The handle writes go to, once they do (from then on every write does). */
  private _handle: ReturnType<typeof writableHandle> = null;
  /** `_onWritten` listens to the socket's 'drain' (added the first time a write stays buffered). */
  private _drainListener = false;
  /** The peer's EOF came before `start` (Node emits 'end' unasked when nothing is buffered). */
  private _endBeforeStart = false;
  private _error: Error | null = null;
  /** 'close' events still to come before the stream counts as closed (2 for TLS: the TLS socket and its transport). */
  private _openSockets: number;
  private readonly _sockname: PeerAddress | undefined;
  private readonly _peername: PeerAddress | undefined;
  /**
   * The socket's writable state, read directly: `writableLength` is a getter
   * on Duplex's prototype, and every write of a transport reads the size
   * (twice: here and for the protocol's high-water mark).
   */
  private readonly _writable: { length: number; needDrain: boolean } | undefined;

  constructor(
    readonly socket: net.Socket,
    private readonly _info: NodeStreamInfo = {},
  ) {
    const encrypted = (socket as Partial<tls.TLSSocket>).encrypted === true;
    this.canWriteEof = !encrypted;
    this._plain = !encrypted && _info.transport === undefined;
    this._handleWrites = this._plain;
    this._sockname = _info.sockname ?? safeSockname(socket);
    this._peername = _info.peername ?? tcpAddress(socket.remoteAddress, socket.remotePort, socket.remoteFamily);
    this._writable = (socket as unknown as { _writableState?: { length: number; needDrain: boolean } })._writableState;
    // Listeners from the start: an error before `start` must not crash the
    // process, and a close before it is reported at `start`.
    socket.on('error', this._onError);
    socket.on('close', this._onClose);
    socket.on('end', this._onEnd);
    if (socket.readableEnded) this._endBeforeStart = true;
    this._openSockets = 1;
    const transport = _info.transport;
    if (transport !== undefined && transport !== socket) {
      transport.on('error', noop);
      if (!transport.closed) {
        this._openSockets++;
        transport.on('close', this._onClose);
      }
    }
    if (socket.closed) this._openSockets = 0;
  }

  start(events: RawStreamEvents): void {
    if (this._events !== null) throw new Error('RawStream.start: called twice');
    this._events = events;
    if (this._state === State.Detached) return;
    if (this._openSockets === 0) {
      this._state = State.Closed;
      if (this._endBeforeStart && !this._aborted && this._error === null) events.end();
      events.close(this._aborted ? null : this._error);
      return;
    }
    this._started = true;
    const socket = this.socket;
    // A plain socket's shared-buffer reads come from Node's read callback
    // itself, at the top of the stack (TLS may hand over decrypted bytes
    // within a write, from whatever code wrote).
    this._sharedReads = readIntoSharedBuffer(socket, this._plain ? this._onHostData : this._onData);
    if (!this._sharedReads) socket.on('data', this._onData);
    // An accepted socket is created paused (pauseOnConnect), and a 'data'
    // listener alone does not resume an explicitly paused stream.
    if (!this._paused) socket.resume();
    if (this._endBeforeStart) {
      this._endBeforeStart = false;
      if (this._state === State.Open) events.end();
    }
  }

  write(chunk: Uint8Array): void {
    if (this._state !== State.Open) return;
    const socket = this.socket;
    if (socket.destroyed || socket.writableEnded) return;
    const handle = this._handle;
    if (handle !== null) {
      this._writeToHandle(handle, chunk);
      return;
    }
    if (this._needDrain) {
      // Already buffering: each write's callback checks whether the buffer emptied.
      socket.write(chunk, this._onWritten);
      return;
    }
    if (this._handleWrites && this._useHandle(socket, chunk)) return;
    // Nothing buffered: Node almost always hands the bytes to the kernel at
    // once, and a write without a callback costs no tick.
    socket.write(chunk);
    if (this._buffered() > 0) this._watchDrain(socket);
  }

  /**
   * With nothing buffered in the Writable: write `chunk`, and every write
   * after it, straight to the handle where this socket and this Node allow.
   * The first such write of the process goes through `socket.write`, which
   * shows the request class. False when `chunk` is left to the caller.
   */
  private _useHandle(socket: net.Socket, chunk: Uint8Array): boolean {
    const handle = writableHandle(socket);
    if (handle === null || socket.connecting || socket.writableCorked > 0) return false;
    const known = handleWritesKnown();
    if (known === false) {
      this._handleWrites = false;
      return false;
    }
    if (known === undefined) {
      learnWriteRequest(socket, handle, chunk);
      if (this._buffered() > 0) this._watchDrain(socket);
      return true;
    }
    this._handle = handle;
    this._writeToHandle(handle, chunk);
    return true;
  }

  private _writeToHandle(handle: NonNullable<ReturnType<typeof writableHandle>>, chunk: Uint8Array): void {
    const err = writeToHandle(handle, chunk, this);
    if (err !== 0) this._failWrite(err);
    // Left (partly) in libuv's queue: drain is reported when a write completes with nothing left.
    else if (handle.writeQueueSize > 0) this._needDrain = true;
  }

  /** @internal a handle write libuv had queued is done */
  _handleWriteDone(status: number): void {
    if (this._state === State.Detached) return;
    if (status < 0) this._failWrite(status);
    else this._onWritten();
  }

  /**
   * A handle write failed: the socket ends with the error, as Node's own
   * failed write ends it, and the close is reported now rather than on
   * Node's 'close' tick (asyncio's transport closes at once on a failed
   * send): a task that writes and awaits an unpaused `drain()` in a loop runs
   * on microtasks alone, and would never let that tick come.
   */
  private _failWrite(errno: number): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    const error = writeError(errno);
    // Node's 'error' for it sets `_error` (for a close reported at start).
    socket.destroy(error);
    const events = this._events;
    if (this._state === State.Open && events !== null) {
      this._state = State.Closed;
      events.close(error);
    }
  }

  /**
   * This write was left (partly) buffered and carried no callback: have Node
   * emit 'drain' when its buffer empties, even if `write` returned true
   * (below its high-water mark, Node would not).
   */
  private _watchDrain(socket: net.Socket): void {
    this._needDrain = true;
    if (!this._drainListener) {
      this._drainListener = true;
      socket.on('drain', this._onWritten);
    }
    const state = this._writable;
    if (state !== undefined) state.needDrain = true;
  }

  get writeBufferSize(): number {
    if (this._state === State.Closed || this._state === State.Detached) return 0;
    const n = this._buffered();
    return n === 0 || this.socket.destroyed ? 0 : n;
  }

  /** Node's `writableLength` (without the getter), plus what libuv holds of handle writes. */
  private _buffered(): number {
    const state = this._writable;
    const n = state !== undefined ? state.length : this.socket.writableLength;
    const handle = this._handle;
    // Without `_needDrain`, no handle write has left bytes queued since the
    // queue was last seen empty: no need to ask the handle (a C++ accessor).
    if (handle === null || !this._needDrain || this.socket.destroyed) return n;
    const queued = handle.writeQueueSize;
    return queued > 0 ? n + queued : n;
  }

  writeEof(): void {
    if (this._state !== State.Open || !this.canWriteEof) return;
    if (!this.socket.writableEnded) this.socket.end();
  }

  close(): void {
    if (this._state !== State.Open) return;
    this._state = State.Closing;
    // Ends the write side after the queued bytes, then destroys the socket
    // once they are flushed (asyncio closes the socket when its buffer is empty).
    // Incoming bytes are still read, and dropped.
    this.socket.destroySoon();
    if (this._started && this._paused) this.socket.resume();
  }

  abort(): void {
    if (this._state === State.Closed || this._state === State.Detached) return;
    this._state = State.Closing;
    this._aborted = true;
    const tcp = this._info.transport ?? this.socket;
    resetAndDestroy(tcp);
    if (tcp !== this.socket) this.socket.destroy();
  }

  pauseReading(): void {
    if (this._paused) return;
    this._paused = true;
    if (this._started && this._state === State.Open) this.socket.pause();
  }

  resumeReading(): void {
    if (!this._paused) return;
    this._paused = false;
    if (this._started && this._state === State.Open) this.socket.resume();
  }

  getExtraInfo(name: string): unknown {
    switch (name) {
      case 'peername':
        return this._peername;
      case 'sockname':
        return this._sockname;
    }
    const socket = this.socket as tls.TLSSocket;
    if (socket.encrypted !== true) return undefined;
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
        // An adopted TLS socket's context is only on its handle.
        return this._info.secureContext ?? (socket as unknown as { _handle?: { _secureContext?: unknown } | null })._handle?._secureContext ?? null;
      case 'ssl_object':
        return socket;
      case 'compression':
        return null;
    }
    return undefined;
  }

  /**
   * @internal hand the socket over to a TLS layer: from now on this stream
   * reports nothing and leaves the socket alone. Throws if it is closing.
   */
  _detach(): DetachedSocket {
    if (this._state !== State.Open || this.socket.destroyed) {
      throw Object.assign(new Error('startTls: the connection is closed'), { code: 'EPIPE' });
    }
    this._state = State.Detached;
    const socket = this.socket;
    socket.off('data', this._onData);
    socket.off('end', this._onEnd);
    socket.off('close', this._onClose);
    socket.pause();
    if (this._sharedReads) stopSharedBufferReads(socket);
    const pending: Buffer[] = [];
    while (socket.readableLength > 0) {
      const chunk = socket.read() as Buffer | null;
      if (chunk === null) break;
      pending.push(chunk);
    }
    return { socket, pending, info: { sockname: this._sockname, peername: this._peername } };
  }

  private readonly _onData = (chunk: Buffer): void => this._deliver(chunk, false);

  private readonly _onHostData = (chunk: Buffer): void => this._deliver(chunk, true);

  /** Report read bytes; `fromHost`: called at the top of Node's read callback (see RawStreamEvents.hostData). */
  private _deliver(chunk: Buffer, fromHost: boolean): void {
    if (this._state !== State.Open || chunk.length === 0) return;
    const events = this._events!;
    if (fromHost && events.hostData !== undefined) events.hostData(chunk);
    else events.data(chunk);
  }

  private readonly _onEnd = (): void => {
    if (this._state !== State.Open) return;
    if (this._events === null) this._endBeforeStart = true;
    else this._events.end();
  };

  private readonly _onWritten = (err?: Error | null): void => {
    if (err != null || !this._needDrain) return;
    if (this._buffered() !== 0) return;
    this._needDrain = false;
    if (this._state === State.Open || this._state === State.Closing) this._events?.drain();
  };

  private readonly _onError = (err: Error): void => {
    this._error ??= err;
    // A plain socket is destroyed by Node after its error; a TLS socket that
    // fails to decrypt a record after the handshake is not, and would hang
    // with no 'close' (so no connectionLost) unless destroyed here.
    if ((this.socket as Partial<tls.TLSSocket>).encrypted === true && !this.socket.destroyed) this.socket.destroy();
  };

  private readonly _onClose = (): void => {
    if (--this._openSockets > 0) {
      // One of a TLS pair closed: make sure the other follows.
      this.socket.destroy();
      this._info.transport?.destroy();
      return;
    }
    if (this._state === State.Detached || this._state === State.Closed) return;
    if (this._events === null) return; // reported at start
    this._state = State.Closed;
    this._events.close(this._aborted ? null : this._error);
  };
}

function safeSockname(socket: net.Socket): PeerAddress | undefined {
  try {
    const a = socket.address() as Partial<net.AddressInfo>;
    return tcpAddress(a.address, a.port, a.family);
  } catch {
    return undefined;
  }
}

/** Close with a TCP reset (asyncio's abort on a socket with SO_LINGER 0); a unix socket cannot, it just closes. */
export function resetAndDestroy(socket: net.Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    // ERR_INVALID_HANDLE_TYPE: not a TCP handle (a unix socket)
    socket.destroy();
  }
}
