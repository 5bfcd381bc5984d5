import { Duplex } from 'node:stream';
import { asBuffer } from '../../../io/streams/bytes.js';
import type { RawStream } from '../../../loop/raw-stream.js';
import type { EngineWatch } from './engine-watch.js';
import { isRecordWriter, RecordFramer, type RecordWriter } from './record-framer.js';

function epipe(): Error {
  return Object.assign(new Error('write EPIPE: the connection under TLS is closed'), { code: 'EPIPE' });
}

/**
 * A simulated connection's RawStream (the ciphertext) as the Node Duplex that
 * `node:tls` runs on. Backpressure goes both ways: a write is finished only
 * once the RawStream's buffer is empty again (so the plaintext waits in the
 * TLS socket's buffer, where the plaintext stream counts it), and when the TLS
 * side stops reading, the RawStream is paused until it reads again. Every
 * byte in or out is a pulse of the engine watch. Destroying the Duplex closes
 * the RawStream (`reset()` first makes it a reset). On the simulated network
 * (a RecordWriter) the ciphertext goes as whole records, charged by their
 * plaintext (RecordFramer), so its timing is the same on every run.
 */
export class CipherDuplex extends Duplex {
  /** The RawStream reported `close`. */
  rawClosed = false;
  /** Its error (null after a clean close). */
  rawError: Error | null = null;
  /** Told when the RawStream reports `close`. */
  onRawClose: ((error: Error | null) => void) | null = null;
  private _rawPaused = false;
  /** close() or abort() was called on the RawStream. */
  private _rawReleased = false;
  private _resetting = false;
  private _eof = false;
  /** The callback of the write waiting for the RawStream to drain. */
  private _waiting: ((error?: Error | null) => void) | null = null;
  /** The RawStream when it takes charged records (then `_framer` cuts them), else null: bytes go as they are. */
  private readonly _records: RecordWriter | null;
  private readonly _framer = new RecordFramer();

  constructor(
    private readonly _raw: RawStream,
    private readonly _watch: EngineWatch,
  ) {
    // Half-open, as the TLS socket on it then is: EOF handling is the transport's.
    super({ allowHalfOpen: true, decodeStrings: true });
    this._records = isRecordWriter(_raw) ? _raw : null;
  }

  /** The handshake is done with `protocol` and `cipher`: application data records are charged from now on. */
  secured(protocol: string | null, cipher: string | undefined): void {
    this._framer.secured(protocol, cipher);
  }

  /**
   * Begin carrying the RawStream: `pending` (bytes the transport had read and
   * not consumed) come first, then what the RawStream reports from its start.
   */
  open(pending: readonly Uint8Array[]): void {
    for (const chunk of pending) if (chunk.length > 0) this._onData(chunk);
    this._raw.start({
      data: (chunk) => this._onData(chunk),
      end: () => {
        this._watch.pulse();
        this._pushEof();
      },
      drain: () => {
        this._watch.pulse();
        this._finishWrite(null);
      },
      close: (error) => this._onClose(error),
    });
  }

  /** Make the coming close a reset (the connection is aborted). */
  reset(): void {
    this._resetting = true;
    this._releaseRaw();
  }

  /**
   * Close the connection now, after what TLS wrote to it (its close_notify):
   * TLS shut down its side and the socket is going away.
   */
  closeRaw(): void {
    this._releaseRaw();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._send([chunk], callback);
  }

  /** TLS hands over several records at once (corked): they go out together, not one drain apart. */
  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this._send(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this._watch.pulse();
    callback();
  }

  override _read(): void {
    if (!this._rawPaused) return;
    this._rawPaused = false;
    if (!this.rawClosed) this._raw.resumeReading();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this._watch.pulse();
    this._releaseRaw();
    this._finishWrite(error ?? this.rawError);
    callback(error);
  }

  private _send(chunks: Buffer[], callback: (error?: Error | null) => void): void {
    this._watch.pulse();
    if (this.rawClosed || this._rawReleased) {
      callback(this.rawError ?? epipe());
      return;
    }
    const writer = this._records;
    if (writer === null) {
      for (const chunk of chunks) this._raw.write(chunk);
    } else {
      const { records, charges } = this._framer.frame(chunks);
      if (records.length > 0) writer.writeRecords(records, charges);
    }
    if (this._raw.writeBufferSize > 0) this._waiting = callback;
    else callback();
  }

  private _releaseRaw(): void {
    if (this._rawReleased || this.rawClosed) return;
    this._rawReleased = true;
    if (this._resetting) {
      this._raw.abort();
      return;
    }
    // The engine writes whole records: a rest is only there if it wrote something else.
    const rest = this._records === null ? null : this._framer.takeRest();
    if (rest !== null) this._records!.writeRecords([rest], [rest.length]);
    this._raw.close();
  }

  private _onData(chunk: Uint8Array): void {
    if (this.destroyed || this._eof) return;
    this._watch.pulse();
    const buffer = asBuffer(chunk);
    if (!this.push(buffer) && !this._rawPaused && !this.rawClosed) {
      this._rawPaused = true;
      this._raw.pauseReading();
    }
  }

  private _pushEof(): void {
    if (this._eof || this.destroyed) return;
    this._eof = true;
    this.push(null);
  }

  private _finishWrite(error: Error | null): void {
    const callback = this._waiting;
    if (callback === null) return;
    this._waiting = null;
    callback(error);
  }

  private _onClose(error: Error | null): void {
    this.rawClosed = true;
    this.rawError = error;
    this._watch.pulse();
    this._finishWrite(error);
    this.onRawClose?.(error);
    if (this.destroyed) return;
    if (error !== null) {
      // A broken connection loses what was not read yet, as a reset socket does.
      this.destroy(error);
      return;
    }
    // Closed cleanly: what arrived before still reaches TLS, then the stream ends.
    this._pushEof();
    if (this.readableEnded) this.destroy();
    else this.once('end', () => this.destroy());
  }
}
