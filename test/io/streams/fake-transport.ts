import { getRunningLoop, type EventLoop } from '../../../src/index.js';
import type { StreamProtocol } from '../../../src/io/protocols.js';
import type { Transport } from '../../../src/io/transports.js';

/**
 * A Transport in memory for unit tests: it records what is written and the
 * flow-control calls, and reports to its protocol from loop callbacks as a
 * real transport does (close -> connectionLost(null) on a later iteration).
 */
export class FakeTransport implements Transport {
  readonly written: Uint8Array[] = [];
  readonly extra = new Map<string, unknown>();
  eofWritten = false;
  reading = true;
  pauseCalls = 0;
  resumeCalls = 0;
  canEof = true;
  private _closing = false;
  private _protocol: StreamProtocol | null = null;
  private readonly _loop: EventLoop;

  constructor(loop: EventLoop = getRunningLoop()) {
    this._loop = loop;
  }

  /** Bind `protocol` and call its connectionMade, as a loop's createConnection does. */
  connect(protocol: StreamProtocol): this {
    this._protocol = protocol;
    protocol.connectionMade?.(this);
    return this;
  }

  /** Everything written so far, as one UTF-8 string. */
  text(): string {
    return Buffer.concat(this.written).toString('utf8');
  }

  // --- the peer's side: what a backend would report

  receive(data: string | Uint8Array): void {
    this._protocol!.dataReceived?.(typeof data === 'string' ? Buffer.from(data) : data);
  }

  receiveEof(): boolean | void {
    return this._protocol!.eofReceived?.();
  }

  /** Lose the connection (null: cleanly) now. */
  lose(error: Error | null): void {
    this._closing = true;
    const p = this._protocol;
    this._protocol = null;
    p?.connectionLost?.(error);
  }

  /** The write buffer went above its high-water mark. */
  pauseProtocolWriting(): void {
    this._protocol!.pauseWriting?.();
  }

  resumeProtocolWriting(): void {
    this._protocol!.resumeWriting?.();
  }

  // --- Transport

  write(data: Uint8Array | string): void {
    this.written.push(typeof data === 'string' ? Buffer.from(data) : data);
  }
  writelines(list: Iterable<Uint8Array | string>): void {
    for (const d of list) this.write(d);
  }
  writeEof(): void {
    this.eofWritten = true;
  }
  canWriteEof(): boolean {
    return this.canEof;
  }
  close(): void {
    if (this._closing) return;
    this._closing = true;
    this._loop.callSoon(() => this.lose(null));
  }
  abort(): void {
    this.close();
  }
  isClosing(): boolean {
    return this._closing;
  }
  getExtraInfo<T = unknown>(name: string, defaultValue?: T): T | undefined {
    return this.extra.has(name) ? (this.extra.get(name) as T) : defaultValue;
  }
  getProtocol(): unknown {
    return this._protocol;
  }
  setProtocol(protocol: unknown): void {
    this._protocol = protocol as StreamProtocol;
  }
  pauseReading(): void {
    this.reading = false;
    this.pauseCalls++;
  }
  resumeReading(): void {
    this.reading = true;
    this.resumeCalls++;
  }
  isReading(): boolean {
    return this.reading;
  }
  setWriteBufferLimits(): void {}
  getWriteBufferLimits(): [number, number] {
    return [16384, 65536];
  }
  getWriteBufferSize(): number {
    return 0;
  }
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}
