import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EventLoop } from '../../loop/event-loop.js';
import type { PeerAddress } from '../../loop/raw-stream.js';
import { serializeTranscript, TRANSCRIPT_VERSION, type TranscriptDirection, type TranscriptEvent, type TranscriptKind, type TranscriptPeer } from '../transcript.js';

/** An event being recorded: data chunks of one direction and one ms are merged into one event. */
interface Pending {
  t: number;
  dir: TranscriptDirection;
  chunks: Buffer[] | null;
  kind: TranscriptKind | null;
}

/** The transcript peer of a connection, from its peer name (a unix socket's accepting end has none: its own path). */
export function transcriptPeer(peername: PeerAddress | undefined, sockname: PeerAddress | undefined): TranscriptPeer {
  if (typeof peername === 'string' || (peername === undefined && typeof sockname === 'string')) {
    const path = typeof peername === 'string' && peername !== '' ? peername : typeof sockname === 'string' ? sockname : '';
    return { path: path === '' ? '(unnamed)' : path };
  }
  return { host: peername?.address ?? '?', port: peername?.port ?? 0 };
}

/** The file name of connection `n` to `peer`: `<n>-<host>-<port>.json`, or `<n>-unix.json`. */
export function recordingFileName(n: number, peer: TranscriptPeer): string {
  return 'path' in peer ? `${n}-unix.json` : `${n}-${peer.host}-${peer.port}.json`;
}

/**
 * The transcript of one connection as it happens, from the recorded code's
 * view: what it wrote (`sent`), what came from the peer (`received`), and
 * how each side ended, with `t` in whole ms since the connection was
 * established. Written to its file when the connection closes (and by
 * `flush` while it is open).
 */
export class ConnectionRecording {
  /** The file the transcript goes to. */
  readonly file: string;
  /** Whether the connection is TLS (recorded as the plaintext above it). */
  tls = false;
  private readonly _events: Pending[] = [];
  private readonly _t0: number;
  /** The code closed or reset its side: nothing after that reaches it. */
  private _codeEnded = false;
  private _peerEof = false;
  private _finished = false;

  constructor(
    private readonly _loop: EventLoop,
    dir: string,
    n: number,
    readonly peer: TranscriptPeer,
    private readonly _onFinish: (r: ConnectionRecording) => void,
  ) {
    this.file = join(dir, recordingFileName(n, peer));
    this._t0 = _loop.time();
  }

  /** The code wrote `chunk`. */
  sent(chunk: Uint8Array): void {
    if (!this._codeEnded) this._data('sent', chunk);
  }

  /** The peer's bytes reached the code. */
  received(chunk: Uint8Array): void {
    if (!this._codeEnded) this._data('received', chunk);
  }

  /** The code half-closed (`eof`), closed or reset (`close`, `reset`) its side. */
  codeEnded(kind: TranscriptKind): void {
    if (this._codeEnded || this._finished) return;
    this._push('sent', null, kind);
    if (kind !== 'eof') this._codeEnded = true;
  }

  /** The peer half-closed. */
  peerEof(): void {
    if (this._codeEnded || this._peerEof) return;
    this._peerEof = true;
    this._push('received', null, 'eof');
  }

  /**
   * Bytes recorded as received were not plaintext after all: the start of
   * a TLS handshake that the transport held when it handed the connection
   * over (`startTls`). Drop the last `count` received bytes.
   */
  unreceive(count: number): void {
    for (let i = this._events.length - 1; i >= 0 && count > 0; i--) {
      const ev = this._events[i]!;
      if (ev.dir !== 'received' || ev.chunks === null) continue;
      while (ev.chunks.length > 0 && count > 0) {
        const last = ev.chunks[ev.chunks.length - 1]!;
        if (last.length <= count) {
          count -= last.length;
          ev.chunks.pop();
        } else {
          ev.chunks[ev.chunks.length - 1] = last.subarray(0, last.length - count);
          count = 0;
        }
      }
      if (ev.chunks.length === 0) this._events.splice(i, 1);
    }
  }

  /**
   * The connection is closed for good (`error`: what it was lost to): a
   * reset or close by the peer is recorded unless the code had ended it
   * first, and the transcript is written.
   */
  streamClosed(error: Error | null): void {
    if (this._finished) return;
    if (!this._codeEnded) {
      if (error !== null) this._push('received', null, 'reset');
      else if (!this._peerEof) this._push('received', null, 'close');
    }
    this.finish();
  }

  /** Nothing more will be recorded (a failed TLS handshake closed the connection): write the transcript. */
  finish(): void {
    if (this._finished) return;
    this._codeEnded = true;
    this._finished = true;
    this.flush();
    this._onFinish(this);
  }

  /** Write the transcript as it stands (the directory is made if missing). */
  flush(): void {
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(this.file, serializeTranscript({ version: TRANSCRIPT_VERSION, peer: this.peer, tls: this.tls, events: this._transcriptEvents() }));
    } catch (e) {
      // Never thrown into the connection's event path: reported as a callback's error would be.
      this._loop.callExceptionHandler({ message: `record mode: could not write ${this.file}`, exception: e });
    }
  }

  private _transcriptEvents(): TranscriptEvent[] {
    return this._events.map((e) => (e.chunks !== null ? { t: e.t, dir: e.dir, data: Buffer.concat(e.chunks) } : { t: e.t, dir: e.dir, kind: e.kind! }));
  }

  private _now(): number {
    return Math.max(0, Math.round(this._loop.time() - this._t0));
  }

  private _data(dir: TranscriptDirection, chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    // A copy: the writer may reuse its buffer once write returns.
    const copy = Buffer.from(chunk);
    const t = this._now();
    const last = this._events[this._events.length - 1];
    if (last !== undefined && last.dir === dir && last.chunks !== null && last.t === t) last.chunks.push(copy);
    else this._events.push({ t, dir, chunks: [copy], kind: null });
  }

  private _push(dir: TranscriptDirection, chunks: Buffer[] | null, kind: TranscriptKind | null): void {
    this._events.push({ t: this._now(), dir, chunks, kind });
  }
}
