import { InvalidStateError, SendfileNotAvailableError } from '../errors.js';
import { EventLoop } from '../loop/event-loop.js';
import type { PeerAddress } from '../loop/raw-stream.js';
import { describeValue } from '../sync/describe-value.js';
import { codeError, familyName, parseAddress, type AddressLike } from './addresses.js';
import { resolveHost } from './dns.js';
import { driverCall, streamDriver } from './driver-call.js';
import { recordStream } from './record/record-mode.js';
import { checkSendfileArgs, streamFile, type SendfileOptions, type SendfileSource } from './sendfile.js';
import { SockIo } from './sock-io.js';
import { Socket } from './socket.js';
import { copyBytes } from './streams/bytes.js';

const encoder = new TextEncoder();

declare module '../loop/event-loop.js' {
  interface EventLoop {
    /**
     * Connect a fresh (or bound) stream socket to `addr` (`[host, port]`,
     * `{ address, port }`, or a path for a unix socket); a name is resolved
     * first. Rejects with the Node error (`ECONNREFUSED`, ...).
     */
    sockConnect(sock: Socket, addr: AddressLike | string): Promise<void>;
    /** Accept a connection on a listening socket: a new connected Socket and the peer's address. */
    sockAccept(sock: Socket): Promise<[Socket, PeerAddress]>;
    /** Receive up to `n` bytes (at least one, waiting for them); an empty array at EOF. */
    sockRecv(sock: Socket, n: number): Promise<Uint8Array>;
    /** Receive into `buf` (up to its length); resolves to the bytes read, 0 at EOF. */
    sockRecvInto(sock: Socket, buf: Uint8Array): Promise<number>;
    /** Send all of `data` (a string as UTF-8); resolves once every byte was handed to the OS. */
    sockSendall(sock: Socket, data: Uint8Array | string): Promise<void>;
    /** `sendfile` on a connected socket: the file in 64 KiB chunks, each sent before the next is read. */
    sockSendfile(sock: Socket, file: SendfileSource, offset?: number, count?: number | null, opts?: SendfileOptions): Promise<number>;
    /**
     * Call `cb(...args)` (a loop callback) whenever `sock` has something to
     * read: data, EOF or an error on a connected socket, a connection to
     * accept on a listening one. Level-triggered: once per loop iteration
     * while that lasts. Replaces the socket's reader, if any.
     */
    addReader<A extends unknown[]>(sock: Socket, cb: (...args: A) => unknown, ...args: A): void;
    /** Stop the socket's reader; whether there was one. */
    removeReader(sock: Socket): boolean;
    /**
     * Call `cb(...args)` (a loop callback) whenever the connected `sock` can
     * be written: its write buffer is empty (or the connection is gone, so
     * that a write reports the error). Level-triggered; replaces the
     * socket's writer, if any.
     */
    addWriter<A extends unknown[]>(sock: Socket, cb: (...args: A) => unknown, ...args: A): void;
    /** Stop the socket's writer; whether there was one. */
    removeWriter(sock: Socket): boolean;
  }
}

/**
 * A socket the sock* methods may use: a simloop stream Socket owned by no
 * transport or server (asyncio refuses sock_* on a transport's socket:
 * `InvalidStateError`), not closed.
 */
function checkSocket(value: unknown, where: string): Socket {
  if (!(value instanceof Socket)) throw new TypeError(`${where}: sock must be a simloop Socket, got ${describeValue(value)}`);
  if (value._owner !== null) throw new InvalidStateError(`${where}: the socket is used by a ${value._owner}; use the ${value._owner} instead`);
  if (value.type !== 'stream') throw new RangeError(`${where}: a stream socket was expected, got ${String(value)}`);
  return value;
}

function connected(loop: EventLoop, value: unknown, where: string): SockIo {
  const sock = checkSocket(value, where);
  if (sock._stage === 'closed') throw codeError('EBADF', `${where}: the socket is closed`);
  if (sock._stage !== 'connected') throw codeError('ENOTCONN', `${where}: the socket is not connected`);
  return SockIo.of(sock._loop ?? loop, sock);
}

EventLoop.prototype.sockConnect = async function sockConnect(this: EventLoop, sock, addr) {
  const s = checkSocket(sock, 'sockConnect');
  let target: { path: string } | { host: string; port: number };
  if (s.family === 'unix') {
    if (typeof addr !== 'string' || addr === '') throw new TypeError(`sockConnect: a unix socket connects to a path, got ${describeValue(addr)}`);
    target = { path: addr };
  } else {
    target = parseAddress(addr, 'sockConnect: addr');
  }
  const driver = streamDriver(this, 'sockConnect');
  const stage = s._stage;
  if (stage === 'closed') throw codeError('EBADF', 'sockConnect: the socket is closed');
  if (stage === 'connected') throw codeError('EISCONN', 'sockConnect: the socket is already connected');
  if (stage === 'listening') throw codeError('EINVAL', 'sockConnect: the socket is listening');
  let options: Parameters<typeof driver.connect>[0];
  if ('path' in target) {
    options = { path: target.path };
  } else {
    const version = s.family === 'IPv6' ? 6 : 4;
    const found = await resolveHost(this, target.host, version, 0, 'sockConnect');
    const first = found[0];
    if (first === undefined) throw codeError('EAI_ADDRFAMILY', `sockConnect: ${target.host} has no ${familyName(version)} address`);
    const bound = s._boundAddress;
    options =
      bound !== null && typeof bound !== 'string'
        ? { host: first.address, port: target.port, localAddress: bound.address, localPort: bound.port === 0 ? undefined : bound.port }
        : { host: first.address, port: target.port };
  }
  const stream = await driverCall(this, (signal) => driver.connect({ ...options, signal }), {
    label: `sockConnect(${'path' in target ? target.path : `${target.host}:${target.port}`})`,
    discard: (st) => st.abort(),
  });
  if (s._stage !== 'fresh') {
    stream.abort();
    throw codeError('EBADF', 'sockConnect: the socket was closed meanwhile');
  }
  s._connected(this, recordStream(this, stream));
};

EventLoop.prototype.sockAccept = async function sockAccept(this: EventLoop, sock) {
  const s = checkSocket(sock, 'sockAccept');
  if (s._stage === 'closed') throw codeError('EBADF', 'sockAccept: the socket is closed');
  if (s._stage !== 'listening') throw codeError('EINVAL', 'sockAccept: the socket is not listening');
  const io = SockIo.of(s._loop ?? this, s);
  await io.waitAcceptable();
  const accepted = s._backlog.shift();
  if (accepted === undefined) throw codeError('EBADF', 'sockAccept: the socket was closed meanwhile');
  const stream = recordStream(s._loop ?? this, accepted);
  const peer = stream.getExtraInfo('peername') as PeerAddress | undefined;
  const conn = new Socket({ family: s.family, type: 'stream' });
  conn._connected(s._loop ?? this, stream);
  return [conn, peer ?? ''];
};

EventLoop.prototype.sockRecv = async function sockRecv(this: EventLoop, sock, n) {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new TypeError(`sockRecv: n must be a non-negative integer, got ${describeValue(n)}`);
  const io = connected(this, sock, 'sockRecv');
  if (n === 0) return new Uint8Array(0);
  await io.waitReadable();
  return io.take(n);
};

EventLoop.prototype.sockRecvInto = async function sockRecvInto(this: EventLoop, sock, buf) {
  if (!(buf instanceof Uint8Array)) throw new TypeError(`sockRecvInto: buf must be a Uint8Array, got ${describeValue(buf)}`);
  const io = connected(this, sock, 'sockRecvInto');
  if (buf.length === 0) return 0;
  await io.waitReadable();
  const got = io.take(buf.length);
  buf.set(got);
  return got.length;
};

EventLoop.prototype.sockSendall = async function sockSendall(this: EventLoop, sock, data) {
  let bytes: Uint8Array;
  if (data instanceof Uint8Array) bytes = data;
  else if (typeof data === 'string') bytes = encoder.encode(data);
  else throw new TypeError(`sockSendall: data must be a Uint8Array or a string, got ${describeValue(data)}`);
  const io = connected(this, sock, 'sockSendall');
  // The caller may reuse its buffer once this resolves, but the stream may hold it until then only: copy.
  await io.sendall(copyBytes(bytes));
};

EventLoop.prototype.sockSendfile = async function sockSendfile(this: EventLoop, sock, file, offset = 0, count = null, opts = {}) {
  const io = connected(this, sock, 'sockSendfile');
  const args = checkSendfileArgs(file, offset, count, opts, 'sockSendfile', this);
  if (!args.fallback) throw new SendfileNotAvailableError('sockSendfile: Node has no zero-copy sendfile and fallback is false');
  return streamFile(this, file, args.offset, args.count, (chunk) => io.sendall(chunk), 'sockSendfile');
};

function watched(loop: EventLoop, value: unknown, where: string): SockIo {
  const sock = checkSocket(value, where);
  if (sock._stage === 'closed') throw codeError('EBADF', `${where}: the socket is closed`);
  return SockIo.of(sock._loop ?? loop, sock);
}

function checkCallback(cb: unknown, where: string): void {
  if (typeof cb !== 'function') throw new TypeError(`${where}: cb must be a function, got ${describeValue(cb)}`);
}

EventLoop.prototype.addReader = function addReader(this: EventLoop, sock: Socket, cb: (...a: any[]) => unknown, ...args: unknown[]) {
  checkCallback(cb, 'addReader');
  const io = watched(this, sock, 'addReader');
  if (sock._stage === 'fresh') throw codeError('ENOTCONN', 'addReader: the socket is neither connected nor listening');
  io.setReader(cb, args);
};

EventLoop.prototype.removeReader = function removeReader(this: EventLoop, sock: Socket): boolean {
  const s = checkSocket(sock, 'removeReader');
  return (s._io as SockIo | null)?.removeReader() ?? false;
};

EventLoop.prototype.addWriter = function addWriter(this: EventLoop, sock: Socket, cb: (...a: any[]) => unknown, ...args: unknown[]) {
  checkCallback(cb, 'addWriter');
  const io = watched(this, sock, 'addWriter');
  if (sock._stage !== 'connected') throw codeError('ENOTCONN', 'addWriter: the socket is not connected');
  io.setWriter(cb, args);
};

EventLoop.prototype.removeWriter = function removeWriter(this: EventLoop, sock: Socket): boolean {
  const s = checkSocket(sock, 'removeWriter');
  return (s._io as SockIo | null)?.removeWriter() ?? false;
};
