import { isCancelledError } from '../../../errors.js';
import type { StreamReader } from '../../../io/streams/stream-reader.js';

/** How much a read takes at once. */
const READ_CHUNK = 64 * 1024;
/** Consumed bytes kept for context in messages. */
const RECENT = 24;

/**
 * The byte stream a scripted peer receives, as one sequence whatever its
 * chunking: what arrived and was not consumed yet (`buffered`), how far the
 * peer has consumed (`offset`), and how the stream ended, if it did.
 */
export class Incoming {
  /** Received, not consumed yet. */
  buffered: Buffer = Buffer.alloc(0);
  /** Bytes consumed so far: the stream position of `buffered[0]`. */
  offset = 0;
  /** Null while the stream is open; `'eof'` after a clean end; else the error it ended with (a reset). */
  ended: 'eof' | Error | null = null;
  /** The last few bytes consumed, for context. */
  recent: Buffer = Buffer.alloc(0);

  constructor(private readonly _reader: StreamReader) {}

  /** Wait for more bytes and add them to `buffered`; false (and `ended` set) when the stream ended instead. */
  async fill(): Promise<boolean> {
    if (this.ended !== null) return false;
    let chunk: Uint8Array;
    try {
      chunk = await this._reader.read(READ_CHUNK);
    } catch (e) {
      // A lost connection: the reader throws the error it was lost to (ECONNRESET, a TLS error).
      if (isCancelledError(e) || !(e instanceof Error)) throw e;
      this.ended = e;
      return false;
    }
    if (chunk.length === 0) {
      this.ended = 'eof';
      return false;
    }
    this.buffered = this.buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffered, chunk]);
    return true;
  }

  /** Consume the first `n` buffered bytes. */
  consume(n: number): void {
    const taken = this.buffered.subarray(0, n);
    this.recent = Buffer.concat([this.recent, taken]).subarray(-RECENT);
    this.buffered = this.buffered.subarray(n);
    this.offset += n;
  }

  /** How the stream ended, for messages: `<EOF>` or `<reset: ECONNRESET>`. */
  endingLabel(): string {
    const e = this.ended;
    if (e === null) return '';
    if (e === 'eof') return '<EOF>';
    return `<${(e as { code?: string }).code === 'ECONNRESET' ? 'reset' : 'error'}: ${(e as { code?: string }).code ?? e.message}>`;
  }

  /** How the stream ended, in words. */
  endingWords(): string {
    const e = this.ended;
    if (e === 'eof') return 'the code under test closed its side (EOF)';
    if (e === null) return 'the stream is still open';
    return `the connection was lost (${(e as { code?: string }).code ?? e.message})`;
  }
}
