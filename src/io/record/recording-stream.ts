import type { RawStream, RawStreamEvents } from '../../loop/raw-stream.js';
import type { ConnectionRecording } from './connection-recording.js';

/**
 * A RawStream that records what passes through it (record mode) and
 * otherwise behaves exactly as the stream it wraps: every call and event is
 * passed on unchanged, in order. After a TLS upgrade a new RecordingStream
 * wraps the TLS stream with the same recording, so the transcript holds the
 * plaintext.
 */
export class RecordingStream implements RawStream {
  constructor(
    /** @internal the backend's stream (what a TLS upgrade is given) */
    readonly _inner: RawStream,
    /** @internal */
    readonly _recording: ConnectionRecording,
  ) {}

  start(events: RawStreamEvents): void {
    const rec = this._recording;
    this._inner.start({
      data: (chunk) => {
        rec.received(chunk);
        events.data(chunk);
      },
      end: () => {
        rec.peerEof();
        events.end();
      },
      drain: () => events.drain(),
      close: (error) => {
        rec.streamClosed(error);
        events.close(error);
      },
    });
  }

  write(chunk: Uint8Array): void {
    this._recording.sent(chunk);
    this._inner.write(chunk);
  }

  get writeBufferSize(): number {
    return this._inner.writeBufferSize;
  }

  get canWriteEof(): boolean {
    return this._inner.canWriteEof;
  }

  writeEof(): void {
    if (this._inner.canWriteEof) this._recording.codeEnded('eof');
    this._inner.writeEof();
  }

  close(): void {
    this._recording.codeEnded('close');
    this._inner.close();
  }

  abort(): void {
    this._recording.codeEnded('reset');
    this._inner.abort();
  }

  pauseReading(): void {
    this._inner.pauseReading();
  }

  resumeReading(): void {
    this._inner.resumeReading();
  }

  getExtraInfo(name: string): unknown {
    return this._inner.getExtraInfo(name);
  }
}
