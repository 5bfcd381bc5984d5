import type { PeerAddress } from '../loop/raw-stream.js';
import type { DatagramTransport, SubprocessTransport, Transport } from './transports.js';

/**
 * asyncio's protocols: objects whose methods the loop calls, always from loop
 * callbacks, in order. Every method is optional; the classes below give
 * asyncio's no-op defaults for subclassing.
 */
export interface BaseProtocol {
  /** The connection is up; `transport` is how to write to it. */
  connectionMade?(transport: any): void;
  /** The connection is closed: `error` is null after a clean close (or EOF), else its cause. Called once. */
  connectionLost?(error: Error | null): void;
  /** The transport's write buffer went above its high-water mark. */
  pauseWriting?(): void;
  /** The transport's write buffer drained to its low-water mark. */
  resumeWriting?(): void;
}

/** A stream protocol (TCP, unix, TLS, pipes). */
export interface StreamProtocol extends BaseProtocol {
  connectionMade?(transport: Transport): void;
  /** Bytes arrived. */
  dataReceived?(data: Uint8Array): void;
  /**
   * The peer sent EOF. Return true to keep the transport open (to write
   * more); otherwise it closes itself (asyncio's rule).
   */
  eofReceived?(): boolean | void;
}

/** A datagram protocol (UDP). */
export interface DatagramProtocol extends BaseProtocol {
  connectionMade?(transport: DatagramTransport): void;
  /** A datagram arrived from `addr`. */
  datagramReceived?(data: Uint8Array, addr: PeerAddress): void;
  /** A send or receive failed (ICMP errors such as ECONNREFUSED on a connected socket). */
  errorReceived?(error: Error): void;
}

/** A subprocess protocol. */
export interface SubprocessProtocol extends BaseProtocol {
  connectionMade?(transport: SubprocessTransport): void;
  /** The child wrote `data` on file descriptor `fd` (1 stdout, 2 stderr). */
  pipeDataReceived?(fd: number, data: Uint8Array): void;
  /** The child's pipe `fd` closed (`error` null when cleanly). */
  pipeConnectionLost?(fd: number, error: Error | null): void;
  /** The child exited. */
  processExited?(): void;
}

/** A no-op base class for stream protocols (asyncio.Protocol). */
export class Protocol implements StreamProtocol {
  connectionMade(_transport: Transport): void {}
  connectionLost(_error: Error | null): void {}
  pauseWriting(): void {}
  resumeWriting(): void {}
  dataReceived(_data: Uint8Array): void {}
  eofReceived(): boolean | void {}
}

/** A no-op base class for datagram protocols (asyncio.DatagramProtocol). */
export class DatagramProtocolBase implements DatagramProtocol {
  connectionMade(_transport: DatagramTransport): void {}
  connectionLost(_error: Error | null): void {}
  pauseWriting(): void {}
  resumeWriting(): void {}
  datagramReceived(_data: Uint8Array, _addr: PeerAddress): void {}
  errorReceived(_error: Error): void {}
}

/** A no-op base class for subprocess protocols (asyncio.SubprocessProtocol). */
export class SubprocessProtocolBase implements SubprocessProtocol {
  connectionMade(_transport: SubprocessTransport): void {}
  connectionLost(_error: Error | null): void {}
  pauseWriting(): void {}
  resumeWriting(): void {}
  pipeDataReceived(_fd: number, _data: Uint8Array): void {}
  pipeConnectionLost(_fd: number, _error: Error | null): void {}
  processExited(): void {}
}
