import type { SocketAddress } from './raw-stream.js';

/**
 * How to open one datagram socket. Addresses are already resolved to IP
 * literals by the io layer (a driver never does name resolution), and
 * `localAddr`/`remoteAddr` are both of `family` when given.
 */
export interface DatagramOpenOptions {
  family: 'IPv4' | 'IPv6';
  /** Bind here; null: the family's wildcard address on a port the OS picks. */
  localAddr: SocketAddress | null;
  /** Connect here (a connected socket sends only there and receives only from there); null: unconnected. */
  remoteAddr: SocketAddress | null;
  /** `SO_REUSEADDR` (asyncio refuses true for UDP; the io layer passes what it accepted). */
  reuseAddress: boolean;
  /** `SO_REUSEPORT`; a driver that cannot set it rejects with a RangeError. */
  reusePort: boolean;
  /** `SO_BROADCAST`. */
  allowBroadcast: boolean;
}

/**
 * What a raw datagram socket reports. Like RawStreamEvents, a backend may call
 * these from a Node event handler or from a loop callback; the io layer moves
 * them into the loop, in order. After `close`, nothing more is reported.
 */
export interface RawDatagramEvents {
  /** A datagram arrived (possibly empty) from `from`. */
  message(data: Uint8Array, from: SocketAddress): void;
  /**
   * A send failed, or the OS reported an error for the socket (an ICMP port
   * unreachable on a connected socket: `code` `'ECONNREFUSED'`). The socket
   * stays open (asyncio's `error_received`).
   */
  error(error: Error): void;
  /** `sendBufferSize` fell to 0 after having been above 0. */
  drain(): void;
  /** The socket is closed for good: `error` null after `close`/`abort`, else the cause. */
  close(error: Error | null): void;
}

/**
 * One bound (and possibly connected) datagram socket of a backend. The io
 * layer builds asyncio's datagram transport on it.
 */
export interface RawDatagramSocket {
  /** Begin reporting events (call once); datagrams that arrived before are held until then. */
  start(events: RawDatagramEvents): void;
  /**
   * Queue one datagram, to `addr` (null: the connected peer). Failures are
   * reported through `events.error`, never thrown; after `close`/`abort` the
   * datagram is dropped.
   */
  send(data: Uint8Array, addr: SocketAddress | null): void;
  /** Bytes of the datagrams accepted by `send` and not yet handed to the OS. */
  readonly sendBufferSize: number;
  /** The bound address. */
  sockname(): SocketAddress;
  /** The connected peer, or null for an unconnected socket. */
  peername(): SocketAddress | null;
  /** Close once the queued datagrams are sent; `close(null)` is reported then. Idempotent. */
  close(): void;
  /** Close at once, dropping queued datagrams; `close(null)` is reported. Idempotent. */
  abort(): void;
  /** Backend-specific extra info (`'socket'`: the backend's socket object); `undefined` when unknown. */
  getExtraInfo(name: string): unknown;
}

/** Datagram sockets (UDP): the backend half of `loop.createDatagramEndpoint`. */
export interface DatagramDriver {
  /**
   * Make a socket, bind it (to `localAddr`, else the wildcard address) and
   * connect it to `remoteAddr` if given. Rejects with the Node error (with
   * `code`, e.g. `'EADDRINUSE'`) when that fails, having released the socket.
   */
  open(options: DatagramOpenOptions): Promise<RawDatagramSocket>;
}
