import type { RawStream } from './raw-stream.js';

/**
 * Pipes: wrapping a file descriptor or a Node stream as a RawStream for
 * `loop.connectReadPipe` / `loop.connectWritePipe`. What a "pipe" is depends
 * on the backend (on Node: an fd, or a Node Readable/Writable stream).
 */
export interface PipeDriver {
  /**
   * A RawStream that reads `pipe` (`write` drops bytes, as the pipe has no
   * write side). `close()` releases the pipe at once. Throws a TypeError
   * when `pipe` is not something this backend can read, a RangeError for
   * an fd it cannot use as a pipe.
   */
  openReadPipe(pipe: unknown): RawStream;
  /**
   * A RawStream that writes `pipe` (it never reports data). `writeEof()` and
   * `close()` both close the pipe once the queued bytes are written. When the
   * reader goes away, the stream closes with an `'EPIPE'` error if bytes were
   * still queued or a write failed, else cleanly. Throws as `openReadPipe`.
   */
  openWritePipe(pipe: unknown): RawStream;
}
