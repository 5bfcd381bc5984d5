import type { CapturedContext } from '../loop/async-context.js';
import type { EventLoop } from '../loop/event-loop.js';
import type { RawStream } from '../loop/raw-stream.js';
import { LoopTransportBase } from './loop-transport-base.js';
import { checkLimits } from './write-buffer-limits.js';
import type { StreamProtocol } from './protocols.js';
import type { ReadTransport, WriteTransport } from './transports.js';

/** After this many writes to a lost pipe, each one logs a warning (asyncio's LOG_THRESHOLD_FOR_CONNLOST_WRITES). */
const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

/**
 * asyncio's `_UnixReadPipeTransport`: `dataReceived` for each chunk, then at
 * EOF `eofReceived` (its return value is ignored: a read pipe has nothing to
 * keep open) and `connectionLost(null)`. `close()` stops reading at once.
 * Extra info `'pipe'`: the fd or Node stream given to `connectReadPipe`.
 */
export class ReadPipeTransport extends LoopTransportBase<StreamProtocol, RawStream> implements ReadTransport {
  private paused = false;
  /**
   * Events that reached the loop while reading was paused: the Node stream
   * stops at once, but chunks it had already handed over wait here, so that
   * no `dataReceived` runs between `pauseReading` and `resumeReading`, as in
   * asyncio. EOF and a clean close queue behind them to keep the order.
   */
  private backlog: PipeEvent[] = [];
  private flushScheduled = false;
  private userClosed = false;

  /** @internal use `loop.connectReadPipe` */
  constructor(loop: EventLoop, raw: RawStream, protocol: StreamProtocol, ctx: CapturedContext) {
    super(loop, raw, protocol, ctx);
    raw.start({
      data: (chunk) => this.schedule(() => this.deliver({ kind: 'data', chunk })),
      end: () => this.schedule(() => this.deliver({ kind: 'eof' })),
      drain: () => {},
      close: (error) => this.schedule(() => this.deliver({ kind: 'close', error })),
    });
  }

  private deliver(ev: PipeEvent): void {
    if (ev.kind === 'close' && (this.userClosed || ev.error !== null || !this.backlog.some((e) => e.kind === 'eof'))) {
      // Closed by the user or by an error: what is still held is dropped.
      this.backlog = [];
      this.connectionLost(ev.error);
      return;
    }
    if (this.paused || this.backlog.length > 0) {
      this.backlog.push(ev);
      return;
    }
    this.handle(ev);
  }

  private handle(ev: PipeEvent): void {
    if (ev.kind === 'data') {
      // Nothing is delivered once close() was called; EOF sets closing only
      // after the data before it was delivered.
      if (!this.closing) this.protocol.dataReceived?.(ev.chunk);
    } else if (ev.kind === 'eof') {
      this.onEof();
    } else {
      this.connectionLost(ev.error);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.backlog.length > 0 && !this.paused) this.handle(this.backlog.shift()!);
  }

  private onEof(): void {
    if (this.closing) return;
    this.closing = true;
    try {
      this.protocol.eofReceived?.();
    } finally {
      this.raw.close();
    }
  }

  /** Stop calling `dataReceived` until `resumeReading`; the pipe is no longer read from. */
  pauseReading(): void {
    if (this.closing || this.paused) return;
    this.paused = true;
    this.raw.pauseReading();
  }

  /** Deliver what arrived meanwhile (on a later loop iteration), then read on. */
  resumeReading(): void {
    if (this.closing || !this.paused) return;
    this.paused = false;
    if (this.backlog.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      this.schedule(() => this.flush());
    }
    this.raw.resumeReading();
  }

  isReading(): boolean {
    return !this.paused && !this.closing;
  }

  /** Stop reading and release the pipe; `connectionLost(null)` follows. Idempotent. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.userClosed = true;
    this.raw.close();
  }
}

type PipeEvent = { kind: 'data'; chunk: Uint8Array } | { kind: 'eof' } | { kind: 'close'; error: Error | null };

/**
 * asyncio's `_UnixWritePipeTransport`: buffered writes with flow control
 * (`pauseWriting` when the buffer goes above the high-water mark,
 * `resumeWriting` once it has drained), `writeEof`/`close` closing the pipe
 * after the queued bytes, and `connectionLost(error)` when the reader went
 * away (`error.code` `'EPIPE'` when bytes were lost). Extra info `'pipe'`:
 * the fd or Node stream given to `connectWritePipe`.
 */
export class WritePipeTransport extends LoopTransportBase<StreamProtocol, RawStream> implements WriteTransport {
  private protocolPaused = false;
  private high = 64 * 1024;
  private low = 16 * 1024;
  private lostWrites = 0;

  /** @internal use `loop.connectWritePipe` */
  constructor(loop: EventLoop, raw: RawStream, protocol: StreamProtocol, ctx: CapturedContext) {
    super(loop, raw, protocol, ctx);
    raw.start({
      data: () => {},
      end: () => {},
      drain: () => {
        if (this.protocolPaused) this.schedule(() => this.maybeResume());
      },
      close: (error) => this.schedule(() => this.connectionLost(error)),
    });
  }

  /** Queue `data` (a string as UTF-8). Dropped (with a warning after a few) once closing or lost. */
  write(data: Uint8Array | string): void {
    let bytes: Uint8Array;
    if (typeof data === 'string') bytes = Buffer.from(data, 'utf8');
    else if (data instanceof Uint8Array) bytes = data;
    else throw new TypeError(`write: data must be a Uint8Array or a string, got ${data === null ? 'null' : typeof data}`);
    if (bytes.length === 0) return;
    if (this.closing || this.lost) {
      if (++this.lostWrites >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) this.loop.logger.warn('pipe closed by peer or os.write(pipe, data) raised exception.');
      return;
    }
    this.raw.write(bytes);
    this.maybePause();
  }

  writelines(list: Iterable<Uint8Array | string>): void {
    if (list === null || typeof (list as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
      throw new TypeError('writelines: list must be an iterable of Uint8Array or string');
    }
    for (const item of list) this.write(item);
  }

  /** Close the pipe once the queued bytes are written (a pipe has one direction); `connectionLost(null)` follows. */
  writeEof(): void {
    if (this.closing) return;
    this.closing = true;
    this.raw.close();
  }

  /** Always true: a write pipe's EOF is closing it. */
  canWriteEof(): boolean {
    return true;
  }

  /** As `writeEof()`. Idempotent. */
  close(): void {
    this.writeEof();
  }

  /** Close at once, dropping queued bytes; `connectionLost(null)` follows. */
  abort(): void {
    this.closing = true;
    this.raw.abort();
  }

  /** Flow-control marks in bytes: defaults 64 KiB and a quarter of `high`; RangeError unless high >= low >= 0. */
  setWriteBufferLimits(high?: number, low?: number): void {
    const [h, l] = checkLimits(high, low);
    this.high = h;
    this.low = l;
    this.maybePause();
  }

  getWriteBufferLimits(): [low: number, high: number] {
    return [this.low, this.high];
  }

  /** Bytes queued and not yet handed to the OS. */
  getWriteBufferSize(): number {
    return this.raw.writeBufferSize;
  }

  private maybePause(): void {
    if (this.protocolPaused || this.raw.writeBufferSize <= this.high) return;
    this.protocolPaused = true;
    this.callFlow('pauseWriting');
  }

  private maybeResume(): void {
    if (!this.protocolPaused || this.raw.writeBufferSize > this.low) return;
    this.protocolPaused = false;
    if (!this.lost) this.callFlow('resumeWriting');
  }

  private callFlow(name: 'pauseWriting' | 'resumeWriting'): void {
    try {
      this.protocol[name]?.();
    } catch (exception) {
      this.loop.callExceptionHandler({ message: `protocol.${name}() failed`, exception, transport: this, protocol: this.protocol });
    }
  }
}
