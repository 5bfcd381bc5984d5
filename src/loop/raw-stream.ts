/**
 * A socket address as simloop returns it (Node's shape). A unix socket's
 * address is its path, a string.
 */
export interface SocketAddress {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

/** Where a stream's end is: an IP address or a unix socket path. */
export type PeerAddress = SocketAddress | string;

/**
 * What a raw stream reports. A backend may call these from outside loop
 * callbacks (a Node event handler) or from inside them (a simulation's
 * network events); the io layer moves them into the loop either way, keeping
 * their order. After `close`, nothing more is reported.
 */
export interface RawStreamEvents {
  /** Bytes arrived (never empty). */
  data(chunk: Uint8Array): void;
  /**
   * As `data`, from the top of a host I/O callback: no host JavaScript below
   * it on the stack and no microtask running, so the receiver may run its
   * loop's callbacks (and their microtask checkpoints) before it returns.
   * Optional on both sides: a backend that cannot promise that calls `data`.
   */
  hostData?(chunk: Uint8Array): void;
  /** The peer half-closed its side: no more data will come (EOF). */
  end(): void;
  /** `writeBufferSize` fell to 0 after having been above 0. */
  drain(): void;
  /**
   * The stream is closed for good: `error` is null after a clean close, else
   * the cause, a Node `Error` with `code` (`'ECONNRESET'`, `'EPIPE'`, ...).
   */
  close(error: Error | null): void;
}

/**
 * One bidirectional byte stream of a backend: a TCP or unix socket, a TLS
 * session, a pipe. The io layer builds asyncio's transports on it, so both
 * backends give protocols the same behaviour. Writes are buffered by the
 * backend, which reports its buffer's size (asyncio's transport write buffer:
 * bytes not yet handed to the OS) for flow control.
 */
export interface RawStream {
  /** Begin reporting events (call once); data that arrived before is held until then. */
  start(events: RawStreamEvents): void;
  /** Queue bytes for sending, in order. Never throws for a stream that closed: the bytes are dropped. */
  write(chunk: Uint8Array): void;
  /** Bytes accepted by `write` and not yet handed to the OS. */
  readonly writeBufferSize: number;
  /** Whether `writeEof` is supported (false for TLS, as in asyncio). */
  readonly canWriteEof: boolean;
  /** Half-close: send EOF after the queued bytes; reading goes on. */
  writeEof(): void;
  /** Close after the queued bytes are sent; `close(null)` is reported then. */
  close(): void;
  /** Close at once, dropping queued bytes (a reset where the OS allows); `close` is reported. */
  abort(): void;
  /** Stop reporting data until `resumeReading` (the backend stops reading from the OS). */
  pauseReading(): void;
  resumeReading(): void;
  /**
   * asyncio's transport extra info: `'peername'`, `'sockname'` (a
   * PeerAddress), `'peercert'`, `'cipher'`, `'sslcontext'` for TLS,
   * `'socket'` (a simloop Socket, where the io layer provides one), `'pipe'`;
   * `undefined` when unknown.
   */
  getExtraInfo(name: string): unknown;
}
