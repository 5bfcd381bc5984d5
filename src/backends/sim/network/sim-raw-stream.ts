import type { PeerAddress, RawStream, RawStreamEvents } from '../../../loop/raw-stream.js';
import type { RecordWriter } from '../tls/record-framer.js';
import { netError } from './hosts.js';
import type { TcpEnd } from './tcp-end.js';

function copy(addr: PeerAddress): PeerAddress {
  return typeof addr === 'string' ? addr : { ...addr };
}

/**
 * One end of a simulated TCP or unix connection as a RawStream, with the
 * Node driver's semantics (see TcpEnd): data arrives in segments of at most
 * 64 KiB, `writeBufferSize` is what the network has not accepted yet (the
 * send buffer full), `abort` resets the connection (a unix socket just
 * closes), `getExtraInfo` gives `'peername'` and `'sockname'` as Node does.
 * `startTls` moves the end to a fresh RawStream: this one then reports and
 * does nothing more.
 */
export class SimRawStream implements RawStream, RecordWriter {
  readonly canWriteEof = true;
  private _started = false;

  /** @internal made by the simulated network for one end */
  constructor(readonly _end: TcpEnd) {
    _end.facade = this;
  }

  /** Whether this stream still carries its end (not handed to TLS). */
  private get _live(): boolean {
    return this._end.facade === this;
  }

  start(events: RawStreamEvents): void {
    if (this._started) throw new Error('RawStream.start: called twice');
    this._started = true;
    if (this._live) this._end.start(events);
  }

  write(chunk: Uint8Array): void {
    if (this._live) this._end.write(chunk);
  }

  /**
   * Write TLS records that count for `charges[i]` bytes each wherever the
   * network sizes things (RecordWriter: what the TLS layer writes its
   * ciphertext with); the chunks become the network's.
   */
  writeRecords(records: readonly Uint8Array[], charges: readonly number[]): void {
    if (this._live) this._end.writeCharged(records, charges);
  }

  get writeBufferSize(): number {
    return this._live ? this._end.writeBufferSize : 0;
  }

  writeEof(): void {
    if (this._live) this._end.writeEof();
  }

  close(): void {
    if (this._live) this._end.close();
  }

  abort(): void {
    if (this._live) this._end.abort();
  }

  pauseReading(): void {
    if (this._live) this._end.pauseReading();
  }

  resumeReading(): void {
    if (this._live) this._end.resumeReading();
  }

  getExtraInfo(name: string): unknown {
    switch (name) {
      case 'peername':
        return copy(this._end.remote);
      case 'sockname':
        return copy(this._end.local);
    }
    return undefined;
  }

  /** Whether the stream was never started (what `adopt` may take). */
  get _fresh(): boolean {
    return !this._started && this._live && !this._end.finished;
  }

  /**
   * @internal hand the end to a new, not yet started RawStream (for TLS):
   * this one reports nothing more; bytes that arrive meanwhile are held for
   * the new one. Throws `EPIPE` when the end is closed or already handed on.
   */
  _handOver(): SimRawStream {
    if (!this._live || this._end.finished) throw Object.assign(netError('EPIPE', 'startTls'), { message: 'startTls: the connection is closed' });
    this._end.detach();
    return new SimRawStream(this._end);
  }
}
