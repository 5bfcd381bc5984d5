import type { PeerAddress } from '../loop/raw-stream.js';

/** What every transport has (asyncio.BaseTransport). */
export interface BaseTransport {
  /** Close: buffered data is still sent, then the protocol's `connectionLost(null)` runs. Idempotent. */
  close(): void;
  /** True once closing or closed. */
  isClosing(): boolean;
  /** asyncio's extra info (`'peername'`, `'sockname'`, `'peercert'`, `'socket'`, ...), or `defaultValue`. */
  getExtraInfo<T = unknown>(name: string, defaultValue?: T): T | undefined;
  /** The protocol the transport reports to, and replacing it. */
  getProtocol(): unknown;
  setProtocol(protocol: unknown): void;
}

/** The read side (asyncio.ReadTransport). */
export interface ReadTransport extends BaseTransport {
  /** Stop calling `dataReceived` until `resumeReading`. */
  pauseReading(): void;
  resumeReading(): void;
  isReading(): boolean;
}

/** The write side (asyncio.WriteTransport), with flow control. */
export interface WriteTransport extends BaseTransport {
  /** Queue bytes (a string is sent as UTF-8). */
  write(data: Uint8Array | string): void;
  writelines(list: Iterable<Uint8Array | string>): void;
  /** Half-close after the queued bytes. */
  writeEof(): void;
  canWriteEof(): boolean;
  /** Close at once, dropping queued bytes; `connectionLost(null)` runs. */
  abort(): void;
  /** Flow-control marks in bytes: defaults 64 KiB and a quarter of `high`. */
  setWriteBufferLimits(high?: number, low?: number): void;
  getWriteBufferLimits(): [low: number, high: number];
  getWriteBufferSize(): number;
}

/** A stream transport (asyncio.Transport). */
export interface Transport extends ReadTransport, WriteTransport, AsyncDisposable {}

/** A datagram transport (asyncio.DatagramTransport). */
export interface DatagramTransport extends BaseTransport, AsyncDisposable {
  /** Send a datagram, to `addr` (or the connected peer when omitted). */
  sendto(data: Uint8Array | string, addr?: PeerAddress | [string, number]): void;
  abort(): void;
  getWriteBufferSize(): number;
}

/** A subprocess transport (asyncio.SubprocessTransport). */
export interface SubprocessTransport extends BaseTransport {
  getPid(): number;
  /** The exit code (minus the signal's number when killed by one), or null while running. */
  getReturncode(): number | null;
  /** The transport of the child's pipe `fd` (0 stdin, 1 stdout, 2 stderr), or null when not piped. */
  getPipeTransport(fd: number): WriteTransport | ReadTransport | null;
  sendSignal(signal: NodeJS.Signals | number): void;
  terminate(): void;
  kill(): void;
}
