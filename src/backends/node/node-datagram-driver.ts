import dgram from 'node:dgram';
import type { DatagramDriver, DatagramOpenOptions, RawDatagramEvents, RawDatagramSocket } from '../../loop/datagram-driver.js';
import type { SocketAddress } from '../../loop/raw-stream.js';
import { realSetImmediate } from '../../loop/real-primitives.js';

/** Whether this Node's dgram takes `reusePort` (added in 22.12 and 23.1). */
function nodeHasReusePort(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

function toAddress(info: { address: string; port: number; family: string | number }): SocketAddress {
  const family = info.family === 'IPv6' || info.family === 6 ? 'IPv6' : 'IPv4';
  return { address: info.address, port: info.port, family };
}

type Held = { kind: 'message'; data: Uint8Array; from: SocketAddress } | { kind: 'error'; error: Error };

/**
 * A `node:dgram` socket as a RawDatagramSocket. Sends go straight to Node
 * (which hands them to libuv at once or queues them); `sendBufferSize`
 * counts the bytes whose send callback has not come back yet, so that
 * `close()` can wait for them: closing the handle earlier would cancel them.
 */
class NodeRawDatagram implements RawDatagramSocket {
  private events: RawDatagramEvents | null = null;
  private held: Held[] = [];
  private pending = 0;
  private pendingCount = 0;
  private closing = false;
  private closed = false;
  private readonly peer: SocketAddress | null;

  constructor(private readonly socket: dgram.Socket, peer: SocketAddress | null) {
    this.peer = peer;
    socket.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => this.report({ kind: 'message', data: msg, from: toAddress(rinfo) }));
    socket.on('error', (error: Error) => this.report({ kind: 'error', error }));
  }

  private report(item: Held): void {
    if (this.closed) return;
    const ev = this.events;
    if (ev === null) {
      this.held.push(item);
      return;
    }
    if (item.kind === 'message') ev.message(item.data, item.from);
    else ev.error(item.error);
  }

  start(events: RawDatagramEvents): void {
    if (this.events !== null) throw new Error('RawDatagramSocket.start: already started');
    this.events = events;
    const held = this.held;
    this.held = [];
    for (const item of held) this.report(item);
  }

  get sendBufferSize(): number {
    // After abort the queued datagrams are dropped, whatever their callbacks say later.
    return this.closed ? 0 : this.pending;
  }

  send(data: Uint8Array, addr: SocketAddress | null): void {
    if (this.closing) return;
    // Node keeps a reference to the bytes until libuv sent them: copy, so a
    // caller reusing its buffer cannot change a datagram already accepted
    // (asyncio copies what it buffers too).
    const buf = Buffer.from(data);
    const size = buf.length;
    this.pending += size;
    this.pendingCount++;
    const done = (err: Error | null): void => {
      this.pending -= size;
      this.pendingCount--;
      if (this.closed) return;
      if (err) this.report({ kind: 'error', error: err });
      if (this.pendingCount === 0) {
        if (this.closing) this.finish();
        else this.events?.drain();
      }
    };
    try {
      if (addr === null) this.socket.send(buf, done);
      else this.socket.send(buf, addr.port, addr.address, done);
    } catch (err) {
      // dgram throws synchronously for bad arguments (a port out of range,
      // a socket it considers closed): report it like a failed send.
      done(err as Error);
    }
  }

  sockname(): SocketAddress {
    return toAddress(this.socket.address());
  }

  peername(): SocketAddress | null {
    return this.peer;
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.pendingCount === 0) this.finish();
  }

  abort(): void {
    this.closing = true;
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    const socket = this.socket;
    // A late 'error' (a cancelled send) must not become an uncaught exception.
    socket.removeAllListeners('error');
    socket.on('error', () => {});
    socket.removeAllListeners('message');
    const events = this.events;
    // dgram emits 'close' on the next tick, while libuv still holds the
    // handle until its closing phase: report only after that phase has run
    // (two check phases later, whichever phase close() was called in), so
    // that connectionLost means the socket is gone from the process.
    const report = (): void => {
      realSetImmediate(() => realSetImmediate(() => events?.close(null)));
    };
    try {
      socket.close(report);
    } catch {
      // already closed by someone holding the socket ('socket' extra info)
      report();
    }
  }

  getExtraInfo(name: string): unknown {
    if (name === 'socket') return this.socket;
    return undefined;
  }
}

/** Bind (and connect) `socket`; reject with Node's error. */
function setUp(socket: dgram.Socket, options: DatagramOpenOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    const local = options.localAddr;
    const bindOpts: dgram.BindOptions = local !== null ? { address: local.address, port: local.port } : { port: 0 };
    socket.bind(bindOpts, () => {
      try {
        if (options.allowBroadcast) socket.setBroadcast(true);
      } catch (err) {
        socket.removeListener('error', onError);
        reject(err);
        return;
      }
      const remote = options.remoteAddr;
      if (remote === null) {
        socket.removeListener('error', onError);
        resolve();
        return;
      }
      socket.connect(remote.port, remote.address, (err?: Error) => {
        socket.removeListener('error', onError);
        if (err) reject(err);
        else resolve();
      });
    });
  });
}

/** Datagram sockets on `node:dgram` (UDP over IPv4 and IPv6). */
export class NodeDatagramDriver implements DatagramDriver {
  async open(options: DatagramOpenOptions): Promise<RawDatagramSocket> {
    if (options.reusePort && !nodeHasReusePort()) {
      throw new RangeError(`createDatagramEndpoint: reusePort is not supported on Node ${process.versions.node} (needs 22.12 or later)`);
    }
    const socketOptions: dgram.SocketOptions = {
      type: options.family === 'IPv6' ? 'udp6' : 'udp4',
      reuseAddr: options.reuseAddress,
    };
    if (options.reusePort) (socketOptions as { reusePort?: boolean }).reusePort = true;
    const socket = dgram.createSocket(socketOptions);
    try {
      await setUp(socket, options);
    } catch (err) {
      socket.on('error', () => {});
      await new Promise<void>((resolve) => {
        const released = (): void => {
          realSetImmediate(() => realSetImmediate(resolve));
        };
        try {
          socket.close(released);
        } catch {
          released();
        }
      });
      throw err;
    }
    const peer = options.remoteAddr === null ? null : toAddress(socket.remoteAddress());
    return new NodeRawDatagram(socket, peer);
  }
}
