import type { PeerAddress, RawStreamEvents } from '../../../loop/raw-stream.js';
import { copyBytes } from '../../../io/streams/bytes.js';
import { ByteCountDetail } from './byte-count-detail.js';
import { ChunkQueue } from './chunk-queue.js';
import { netError } from './hosts.js';
import type { NetworkCore } from './network-core.js';
import type { TcpConnection } from './tcp-connection.js';
import type { TcpDirection } from './tcp-direction.js';

const enum State {
  Open = 0,
  /** close() called: the sender's buffer is still flushing; arriving bytes are read and dropped. */
  Closing = 1,
  /** Gone: the socket is closed (bytes that arrive now are answered with a reset). */
  Closed = 2,
}

/** Who wants to know when an end is gone (a listener's close waits for its connections). */
export interface EndOwner {
  endFinished(end: TcpEnd): void;
}

/**
 * One end of a simulated connection: the socket the code (or a peer) holds.
 * It keeps what arrived and is unread (its receive buffer: held while
 * reading is paused, stopped by a fault, or not yet started), reports data,
 * EOF, drain and close as Node's sockets do, and answers what a real socket
 * answers: bytes for a closed socket get a reset; a reset noticed while
 * reading closes it with `ECONNRESET`, and a write after a reset nobody read
 * closes it with `EPIPE`. Close reports come in a loop callback of their own.
 */
export class TcpEnd {
  out!: TcpDirection;
  in!: TcpDirection;
  /** The connect attempt waiting for this (client) end's SYN-ACK. */
  onSynAck: (() => void) | null = null;
  /** The listener that accepted this end, told when it is gone. */
  owner: EndOwner | null = null;
  /** The RawStream that reports for this end now (a new one after startTls). */
  facade: object | null = null;
  /** The end holds an ephemeral local port, released when it is gone. */
  holdsPort = false;
  private _events: RawStreamEvents | null = null;
  private _state = State.Open;
  private _appPaused = false;
  private _eofWritten = false;
  private readonly _recv = new ChunkQueue();
  private _eof = false;
  private _eofReported = false;
  private _resetPending = false;
  /** The error `close` reports (set when the end finished). */
  private _closeError: Error | null = null;
  private _flushing = false;
  private _flushScheduled = false;
  /** `conn#<id> <this end> -> <the other>` (and the way back), for traces. */
  private readonly _outTag: string;
  private readonly _sent: ByteCountDetail;
  private readonly _received: ByteCountDetail;

  constructor(
    private readonly _core: NetworkCore,
    readonly conn: TcpConnection,
    readonly local: PeerAddress,
    readonly remote: PeerAddress,
    /** The host the end is on (null: a unix socket). */
    readonly host: string | null,
    localName: string,
    remoteName: string,
  ) {
    this._outTag = `conn#${conn.id} ${localName} -> ${remoteName}`;
    this._sent = new ByteCountDetail(this._outTag);
    this._received = new ByteCountDetail(`conn#${conn.id} ${remoteName} -> ${localName}`);
  }

  /** The end's own port (0 for a unix socket). */
  get port(): number {
    return typeof this.local === 'string' ? 0 : this.local.port;
  }

  /** Whether the end is gone. */
  get finished(): boolean {
    return this._state === State.Closed;
  }

  /** Bytes arrived and not read (they count against the sender's window). */
  get unreadBytes(): number {
    return this._recv.bytes;
  }

  get writeBufferSize(): number {
    return this._state === State.Closed ? 0 : this.out.userBytes;
  }

  // ------------------------------------------------------------ what the holder does

  /** Begin reporting to `events`: what arrived before comes first, in a loop callback. */
  start(events: RawStreamEvents): void {
    this._events = events;
    if (this._state === State.Closed) {
      this._core.soon(this._reportClose, [events, true]);
      return;
    }
    this.scheduleFlush();
  }

  /** Stop reporting (startTls hands the end to a new RawStream, started later). */
  detach(): void {
    this._events = null;
    this._appPaused = false;
  }

  write(chunk: Uint8Array): void {
    if (chunk.length === 0 || !this._writable()) return;
    if (!this.conn.tls) this._core.trace('send', this._sent.of(chunk.length));
    // The caller may reuse its buffer: the kernel copies too.
    this.out.write(copyBytes(chunk));
  }

  /**
   * Write TLS records, each counting for its charge rather than its length
   * (TcpDirection.writeCharged); the chunks become the network's. Not traced:
   * the TLS layer traces plaintext.
   */
  writeCharged(chunks: readonly Uint8Array[], charges: readonly number[]): void {
    if (chunks.length === 0 || !this._writable()) return;
    this.out.writeCharged(chunks, charges);
  }

  /** Whether a write may go on; a reset nobody read makes it fail with `EPIPE` instead. */
  private _writable(): boolean {
    if (this._state !== State.Open || this._eofWritten) return false;
    if (!this._resetPending) return true;
    // A reset came while nobody read: the write is what notices it.
    this.out.discardQueued();
    this._finish(netError('EPIPE', 'write'));
    return false;
  }

  writeEof(): void {
    if (this._state !== State.Open || this._eofWritten) return;
    this._eofWritten = true;
    this._core.trace('close', `${this._outTag} eof`);
    this.out.requestFin();
  }

  close(): void {
    if (this._state !== State.Open) return;
    this._state = State.Closing;
    this._core.trace('close', this._outTag);
    // Node reads on while closing and drops what it reads: the window opens.
    this._dropUnread();
    if (this._resetPending) {
      this.out.discardQueued();
      this._finish(null);
      return;
    }
    this.out.requestFin();
    if (this.out.userBytes === 0) this._finish(null);
  }

  abort(): void {
    if (this._state === State.Closed) return;
    this._dropUnread();
    if (this.host === null) {
      // A unix socket cannot send a reset: it closes, the peer sees EOF.
      this._core.trace('close', this._outTag);
      this.out.discardQueued();
      this.out.requestFin();
    } else {
      this._core.trace('reset', this._outTag);
      this.out.sendReset();
    }
    this._finish(null);
  }

  pauseReading(): void {
    this._appPaused = true;
  }

  resumeReading(): void {
    if (!this._appPaused) return;
    this._appPaused = false;
    this.scheduleFlush();
  }

  /** Deliver what is held, in a loop callback of its own (reading may have become possible). */
  scheduleFlush(): void {
    if (this._flushScheduled) return;
    this._flushScheduled = true;
    this._core.soon(this._scheduledFlush);
  }

  // ------------------------------------------------------------ what the network does

  /** Bytes arrived; `charge`: a segment of TLS records that counts for `charge` bytes (unread, against the sender's window). */
  receiveData(bytes: Uint8Array, charge?: number): void {
    if (this._state === State.Closed) {
      this._replyReset();
      return;
    }
    if (this._state === State.Closing) {
      this.in.advance();
      return;
    }
    if (charge === undefined) this._recv.push(bytes);
    else this._recv.pushCharged(bytes, charge);
    this._flush();
  }

  receiveFin(): void {
    if (this._state !== State.Open) return;
    this._eof = true;
    this._flush();
  }

  /** A reset arrived; `pendingWrite`: a write was waiting in the sender's buffer. */
  receiveReset(pendingWrite = this.out.userBytes > 0): void {
    if (this._state === State.Closed) return;
    this.out.discardQueued();
    if (this._state === State.Closing) {
      this._finish(this._resetError());
      return;
    }
    this._resetPending = true;
    // A write waiting in the sender's buffer fails at once (its poll sees the error).
    if (this._events !== null && !this._reading() && pendingWrite) {
      this._finish(netError('EPIPE', 'write'));
      return;
    }
    this._flush();
  }

  receiveSynAck(): void {
    const cb = this.onSynAck;
    this.onSynAck = null;
    cb?.();
  }

  /** The sender's buffer fell to 0: report drain; a closing end is now closed. */
  onDrained(): void {
    if (this._state === State.Closed) return;
    this._events?.drain();
    if (this._state === State.Closing) this._finish(null);
  }

  // ------------------------------------------------------------ internals

  private _reading(): boolean {
    return this._events !== null && !this._appPaused && !this._core.isStopped(this.host, this.port);
  }

  private _resetError(): Error {
    // A unix socket's peer closed: writing to it is EPIPE, there are no resets.
    return this.host === null ? netError('EPIPE', 'write') : netError('ECONNRESET', 'read');
  }

  private _replyReset(): void {
    if (this.out.rstSent) return;
    this._core.trace('reset', this._outTag);
    this.out.sendReset();
  }

  private _dropUnread(): void {
    if (this._recv.size === 0) return;
    this._recv.clear();
    this.in.advance();
  }

  private readonly _scheduledFlush = (): void => {
    this._flushScheduled = false;
    this._flush();
  };

  private _flush(): void {
    if (this._flushing || this._state !== State.Open) return;
    this._flushing = true;
    let consumed = false;
    try {
      const recv = this._recv;
      while (recv.size > 0 && this._reading()) {
        const chunk = recv.shift()!;
        consumed = true;
        if (!this.conn.tls) this._core.trace('recv', this._received.of(chunk.length));
        this._events!.data(chunk);
        if (this._state !== State.Open) return;
      }
      if (recv.size > 0 || !this._reading()) return;
      if (this._eof && !this._eofReported) {
        this._eofReported = true;
        this._events!.end();
      }
      if (this._resetPending && this._state === State.Open) this._finish(this._resetError());
    } finally {
      this._flushing = false;
      if (consumed && !this.finished) this.in.advance();
    }
  }

  /** The end is gone: report `close(error)` in a loop callback (at start if not started). */
  private _finish(error: Error | null): void {
    if (this._state === State.Closed) return;
    this._state = State.Closed;
    this._closeError = error;
    this._recv.clear();
    this._core.endGone(this);
    this.owner?.endFinished(this);
    const events = this._events;
    if (events !== null) this._core.soon(this._reportClose, [events, false]);
  }

  private readonly _reportClose = (events: RawStreamEvents, atStart: boolean): void => {
    if (this._events !== events) return;
    const error = this._closeError;
    // Node reports an EOF that came before start, then the close.
    if (atStart && error === null && this._eof && !this._eofReported) {
      this._eofReported = true;
      events.end();
    }
    events.close(error);
  };
}
