import type { ConnectionOptions, SecureContext, TlsOptions } from 'node:tls';
import type { PeerAddress, RawStream } from './raw-stream.js';

/**
 * TLS settings as asyncio's `ssl` argument takes them: `true` (a client with
 * the default CAs and hostname checking), Node's TLS options (`key`, `cert`,
 * `ca`, `rejectUnauthorized`, `requestCert`, `ALPNProtocols`, ...), or a
 * `tls.SecureContext`. A server needs options or a context (`true` names no
 * certificate).
 */
export type TlsSettings = true | ConnectionOptions | TlsOptions | SecureContext;

/** Where `StreamDriver.connect` connects: an IP address (already resolved) and port, or a unix socket path. */
export type StreamConnectOptions = (
  | {
      /** An IP address: name resolution is the io layer's (`getaddrinfo`), not the driver's. */
      host: string;
      port: number;
      /** Bind the socket to this local IP address and/or port before connecting. */
      localAddress?: string;
      localPort?: number;
      path?: undefined;
    }
  | { path: string; host?: undefined }
) & {
  /** Aborting gives up the attempt: the driver releases the socket and rejects with `signal.reason`. */
  signal?: AbortSignal;
};

/** What `StreamDriver.listen` listens on: an IP address and port (0: any free port), or a unix socket path. */
export type StreamListenOptions = (
  | {
      /** An IP address (`'0.0.0.0'`, `'::'`, `'127.0.0.1'`, ...). */
      host: string;
      port: number;
      /** For an IPv6 address: accept IPv6 only (asyncio sets IPV6_V6ONLY on every IPv6 listening socket). */
      ipv6Only?: boolean;
      /** Share the port with other sockets that set it too (SO_REUSEPORT); a backend that cannot rejects with `RangeError`. */
      reusePort?: boolean;
      path?: undefined;
    }
  | { path: string; host?: undefined }
) & {
  /** The length of the queue of connections not yet accepted. */
  backlog: number;
  /** Enable TCP keep-alive on the accepted connections. */
  keepAlive?: boolean;
};

/** Where a listener's accepted connections and accept errors go. Called from any context (see RawStreamEvents). */
export interface StreamListenHandlers {
  /** A connection was accepted: a RawStream not yet started. */
  connection(stream: RawStream): void;
  /** Accepting failed (out of file descriptors, ...); the listener goes on. */
  error?(error: Error): void;
}

/** A listening socket of a driver. */
export interface StreamListener {
  /** The address it listens on: the real port when 0 was asked for, or the unix path. */
  readonly address: PeerAddress;
  /**
   * Stop accepting at once (the address is free again). Resolves once the
   * backend has released the listening socket and every connection it
   * accepted has closed (Node's `server.close` callback).
   */
  close(): Promise<void>;
}

/** How `StreamDriver.startTls` runs the TLS handshake. */
export interface StartTlsOptions {
  /** true: this end is the TLS server (it needs a certificate in `ssl`). */
  serverSide: boolean;
  ssl: TlsSettings;
  /**
   * Client side: the name the server's certificate must match, also sent as
   * SNI unless it is an IP address; `''` checks no name. `null`: the name in
   * `ssl.servername`/`ssl.host`, if any.
   */
  serverHostname?: string | null;
  /**
   * Bytes already read from the stream (by the transport that owned it) and
   * not consumed: they are the start of what the peer sent over TLS.
   */
  pending?: readonly Uint8Array[];
  /** Aborting fails the handshake: the driver closes the connection and rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Stream connections (TCP, unix sockets, TLS): connect, listen, startTls,
 * adopting a backend-native socket. Name resolution, timeouts and protocol
 * logic are the io layer's; a driver only moves bytes. Results are promises
 * that a driver may settle from any context (Node event handlers, or a
 * simulation's loop callbacks); the io layer carries them into the loop.
 */
export interface StreamDriver {
  /**
   * Connect; resolves when the connection is established, with a RawStream
   * not yet started (bytes that arrive meanwhile are held). Rejects with a
   * Node-style `Error` carrying `code` (`'ECONNREFUSED'`, `'ETIMEDOUT'`,
   * `'EADDRINUSE'` for a taken `localPort`, `'ENOENT'` for a missing unix path).
   */
  connect(options: StreamConnectOptions): Promise<RawStream>;
  /**
   * Listen; resolves once listening. Accepted connections go to
   * `handlers.connection` from then on (none before the promise resolves is
   * lost: they are reported as they come). Rejects with `EADDRINUSE`,
   * `EADDRNOTAVAIL`, `EACCES`, ... A unix path that names a stale socket file
   * is the io layer's to remove (asyncio removes any socket file there).
   */
  listen(options: StreamListenOptions, handlers: StreamListenHandlers): Promise<StreamListener>;
  /**
   * Run a TLS handshake over `stream` (one this driver made, not closed, its
   * transport detached). From the call on, `stream` reports nothing more: on
   * success the returned RawStream (not yet started, `canWriteEof` false)
   * carries the connection; on failure the connection is closed and the
   * promise rejects with the TLS error (`'ERR_TLS_CERT_ALTNAME_INVALID'`,
   * `'DEPTH_ZERO_SELF_SIGNED_CERT'`, `'ECONNRESET'`, ...).
   */
  startTls(stream: RawStream, options: StartTlsOptions): Promise<RawStream>;
  /**
   * Take over a connected socket of this backend (on Node, a `net.Socket` or
   * `tls.TLSSocket`), for `connectAcceptedSocket`: a RawStream not yet
   * started, or null when `socket` is nothing this driver knows.
   */
  adopt(socket: unknown): RawStream | null;
}
