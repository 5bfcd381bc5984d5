/**
 * A RawStream that carries TLS records with charges (the simulated
 * network's): each record counts for its charge, not its length, wherever
 * the network sizes things (buffers, windows, segments, bandwidth).
 */
export interface RecordWriter {
  writeRecords(records: readonly Uint8Array[], charges: readonly number[]): void;
}

/** Whether `stream` takes charged records. */
export function isRecordWriter(stream: unknown): stream is RecordWriter {
  return typeof (stream as Partial<RecordWriter> | null)?.writeRecords === 'function';
}

const HEADER = 5;
/** The longest TLS record a peer may send: 2^14 bytes of plaintext plus 2048 of expansion (RFC 5246, 6.2.3), and the header. */
const MAX_RECORD = HEADER + 16384 + 2048;
const CHANGE_CIPHER_SPEC = 20;
const APPLICATION_DATA = 23;
const HEARTBEAT = 24;

/**
 * What encryption adds to each application data record's plaintext, for a
 * negotiated protocol and cipher (OpenSSL or IANA name): TLS 1.3's inner
 * content type and AEAD tag; TLS 1.2's explicit nonce and tag. 0 where it is
 * not a constant (CBC suites): their records are charged whole, which still
 * depends on the plaintext length alone.
 */
export function recordOverhead(protocol: string | null, cipher: string | undefined): number {
  const name = (cipher ?? '').toUpperCase();
  const ccm8 = name.includes('CCM_8') || name.includes('CCM8');
  if (protocol === 'TLSv1.3') return ccm8 ? 1 + 8 : 1 + 16;
  if (protocol !== 'TLSv1.2') return 0;
  if (name.includes('CHACHA20')) return 16;
  if (ccm8) return 8 + 8;
  if (name.includes('GCM') || name.includes('CCM')) return 8 + 16;
  return 0;
}

/**
 * Cuts the ciphertext a TLS engine writes into whole records and charges
 * each one, so that a TLS connection's timing on the simulated network is
 * the same on every run: the engine's ciphertext lengths are not (an ECDSA
 * signature's DER length varies, and OpenSSL signs with real randomness), and
 * where its writes split records depends on its buffers. Until `secured`,
 * records (the handshake) are charged 0: a handshake costs round trips, not
 * bandwidth. After it, an application data record is charged its plaintext
 * length (what TLS 1.3 also carries that way, session tickets and alerts,
 * alike), other records 0. A stream that is not TLS records (never from
 * `node:tls`) passes through, charged its length.
 */
export class RecordFramer {
  /** Bytes of a record not complete yet. */
  private _partial: Uint8Array | null = null;
  /** Overhead subtracted from an application data record once secured; -1 before (everything is free). */
  private _overhead = -1;
  private _passthrough = false;

  /** The handshake is complete with `protocol` and `cipher`: application data is charged from now on. */
  secured(protocol: string | null, cipher: string | undefined): void {
    this._overhead = recordOverhead(protocol, cipher);
  }

  /** The whole records in `chunks` (with what was held from before) and their charges; an incomplete last record is held. */
  frame(chunks: readonly Uint8Array[]): { records: Uint8Array[]; charges: number[] } {
    const records: Uint8Array[] = [];
    const charges: number[] = [];
    for (const chunk of chunks) this._cut(chunk, records, charges);
    return { records, charges };
  }

  /** What is held (an incomplete record), as a chunk charged 0; null when nothing is. */
  takeRest(): Uint8Array | null {
    const rest = this._partial;
    this._partial = null;
    return rest;
  }

  private _cut(chunk: Uint8Array, records: Uint8Array[], charges: number[]): void {
    if (chunk.length === 0) return;
    let data = chunk;
    if (this._partial !== null) {
      data = new Uint8Array(this._partial.length + chunk.length);
      data.set(this._partial);
      data.set(chunk, this._partial.length);
      this._partial = null;
    }
    let at = 0;
    while (!this._passthrough && data.length - at >= HEADER) {
      const type = data[at]!;
      const length = HEADER + ((data[at + 3]! << 8) | data[at + 4]!);
      if (type < CHANGE_CIPHER_SPEC || type > HEARTBEAT || length > MAX_RECORD) {
        this._passthrough = true;
        break;
      }
      if (data.length - at < length) break;
      // A copy: the engine's buffer is not the network's to keep.
      records.push(new Uint8Array(data.subarray(at, at + length)));
      charges.push(this._charge(type, length));
      at += length;
    }
    if (at === data.length) return;
    if (this._passthrough) {
      records.push(new Uint8Array(data.subarray(at)));
      charges.push(data.length - at);
    } else {
      this._partial = new Uint8Array(data.subarray(at));
    }
  }

  private _charge(type: number, length: number): number {
    if (this._overhead < 0 || type !== APPLICATION_DATA) return 0;
    return Math.max(0, length - HEADER - this._overhead);
  }
}
