import { isIP } from 'node:net';
import type { CapturedContext } from '../loop/async-context.js';
import type { RawDatagramSocket } from '../loop/datagram-driver.js';
import type { EventLoop } from '../loop/event-loop.js';
import type { PeerAddress, SocketAddress } from '../loop/raw-stream.js';
import { LoopTransportBase } from './loop-transport-base.js';
import type { DatagramProtocol } from './protocols.js';
import { checkLimits, DEFAULT_HIGH_WATER } from './write-buffer-limits.js';
import type { DatagramTransport } from './transports.js';


/**
 * An address as a caller may pass it for a datagram: `{ address, port }`
 * (`family` optional) or asyncio's `[host, port]`. The host must be an IP
 * literal or `'localhost'` here: `sendto` is synchronous, so it cannot
 * resolve names.
 */
export function datagramAddress(addr: unknown, where: string, preferFamily: 'IPv4' | 'IPv6' | null): SocketAddress {
  const { host, port } = splitAddress(addr, where);
  if (host === 'localhost') {
    return preferFamily === 'IPv6' ? { address: '::1', port, family: 'IPv6' } : { address: '127.0.0.1', port, family: 'IPv4' };
  }
  const v = isIP(host);
  if (v === 0) throw new TypeError(`${where}: host must be an IP address or 'localhost' here, got ${JSON.stringify(host)}`);
  return { address: host, port, family: v === 6 ? 'IPv6' : 'IPv4' };
}

/** `{ address, port }` or `[host, port]` -> host and a checked port. */
export function splitAddress(addr: unknown, where: string): { host: string; port: number } {
  let host: unknown;
  let port: unknown;
  if (Array.isArray(addr)) {
    if (addr.length !== 2) throw new TypeError(`${where}: an address array must be [host, port], got ${addr.length} items`);
    [host, port] = addr;
  } else if (addr !== null && typeof addr === 'object' && 'address' in addr) {
    host = (addr as { address: unknown }).address;
    port = (addr as { port?: unknown }).port;
  } else {
    throw new TypeError(`${where}: must be { address, port } or [host, port], got ${addr === null ? 'null' : typeof addr}`);
  }
  if (typeof host !== 'string') throw new TypeError(`${where}: host must be a string, got ${typeof host}`);
  if (typeof port !== 'number' || Number.isNaN(port)) throw new TypeError(`${where}: port must be a number, got ${String(port)}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`${where}: port must be an integer in 0..65535, got ${port}`);
  return { host, port };
}

function toBytes(data: unknown, where: string): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return data;
  throw new TypeError(`${where}: data must be a Uint8Array or a string, got ${data === null ? 'null' : typeof data}`);
}

/**
 * asyncio's `_SelectorDatagramTransport` on a backend's RawDatagramSocket.
 * Protocol methods run in loop callbacks, in the order the socket reported
 * the events, in the async context of the code that created the endpoint;
 * `connectionMade` first and `connectionLost` once, last.
 */
export class LoopDatagramTransport extends LoopTransportBase<DatagramProtocol, RawDatagramSocket> implements DatagramTransport {
  private protocolPaused = false;
  private high = DEFAULT_HIGH_WATER;
  private low = DEFAULT_HIGH_WATER / 4;
  private readonly sockname: SocketAddress;
  private readonly peername: SocketAddress | null;

  /** @internal use `loop.createDatagramEndpoint` */
  constructor(loop: EventLoop, raw: RawDatagramSocket, protocol: DatagramProtocol, ctx: CapturedContext) {
    super(loop, raw, protocol, ctx);
    this.sockname = raw.sockname();
    this.peername = raw.peername();
    raw.start({
      // Checked when the callback runs: as asyncio stops reading at close(),
      // no datagram is delivered after it, even one already on its way;
      // send errors still reach the protocol until connectionLost.
      message: (data, from) =>
        this.schedule(() => {
          if (!this.closing) this.protocol.datagramReceived?.(data, from);
        }),
      error: (error) =>
        this.schedule(() => {
          if (!this.lost) this.protocol.errorReceived?.(error);
        }),
      drain: () => {
        if (this.protocolPaused) this.schedule(() => this.maybeResume());
      },
      close: (error) => this.schedule(() => this.connectionLost(error)),
    });
  }

  /**
   * Send `data` (a string goes as UTF-8) as one datagram to `addr`. On a
   * connected endpoint `addr` must be omitted (or null) or equal the remote
   * address, else RangeError (asyncio's ValueError). An unconnected endpoint
   * needs `addr` (TypeError without). Send failures reach the protocol's
   * `errorReceived`; after `close()` or `abort()` the datagram is dropped.
   */
  sendto(data: Uint8Array | string, addr?: PeerAddress | [string, number] | null): void {
    const bytes = toBytes(data, 'sendto');
    let dest: SocketAddress | null = null;
    if (addr !== undefined && addr !== null) {
      dest = datagramAddress(addr, 'sendto: addr', this.sockname.family);
    }
    const peer = this.peername;
    if (peer !== null) {
      if (dest !== null && (dest.address !== peer.address || dest.port !== peer.port)) {
        throw new RangeError(`sendto: invalid address: must be null or ${peer.address}:${peer.port} (the endpoint is connected), got ${dest.address}:${dest.port}`);
      }
      dest = null;
    } else if (dest === null) {
      throw new TypeError('sendto: addr is required on an endpoint without remoteAddr');
    }
    if (this.closing) return;
    this.raw.send(bytes, dest);
    this.maybePause();
  }

  /** Bytes of the datagrams queued and not yet handed to the OS. */
  getWriteBufferSize(): number {
    return this.raw.sendBufferSize;
  }

  /** Flow-control marks (asyncio's `set_write_buffer_limits`): defaults 64 KiB and a quarter of `high`. */
  setWriteBufferLimits(high?: number, low?: number): void {
    const [h, l] = checkLimits(high, low);
    this.high = h;
    this.low = l;
    this.maybePause();
  }

  getWriteBufferLimits(): [low: number, high: number] {
    return [this.low, this.high];
  }

  private maybePause(): void {
    if (this.protocolPaused || this.getWriteBufferSize() <= this.high) return;
    this.protocolPaused = true;
    this.callProtocol('pauseWriting');
  }

  private maybeResume(): void {
    if (!this.protocolPaused || this.getWriteBufferSize() > this.low) return;
    this.protocolPaused = false;
    if (!this.lost) this.callProtocol('resumeWriting');
  }

  private callProtocol(name: 'pauseWriting' | 'resumeWriting'): void {
    try {
      this.protocol[name]?.();
    } catch (exception) {
      this.loop.callExceptionHandler({ message: `protocol.${name}() failed`, exception, transport: this, protocol: this.protocol });
    }
  }

  /** Close once the queued datagrams are sent; then `connectionLost(null)`. Idempotent. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.raw.close();
  }

  /** Close at once, dropping queued datagrams; then `connectionLost(null)`. */
  abort(): void {
    this.closing = true;
    this.raw.abort();
  }

  /**
   * `'sockname'` (the bound address), `'peername'` (the remote address, null
   * when unconnected), `'socket'` (the backend's socket: a `node:dgram`
   * Socket on Node); else `defaultValue`.
   */
  override getExtraInfo<T = unknown>(name: string, defaultValue?: T): T | undefined {
    if (name === 'sockname') return { ...this.sockname } as T;
    if (name === 'peername') return (this.peername === null ? null : { ...this.peername }) as T;
    return super.getExtraInfo(name, defaultValue);
  }
}
