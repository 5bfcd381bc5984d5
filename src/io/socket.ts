import { InvalidStateError } from '../errors.js';
import type { EventLoop } from '../loop/event-loop.js';
import type { PeerAddress, RawStream } from '../loop/raw-stream.js';
import { getRunningLoop } from '../loop/running-loop.js';
import type { StreamDriver, StreamListener, StreamListenOptions } from '../loop/stream-driver.js';
import { describeValue } from '../sync/describe-value.js';
import { codeError, familyName, parseAddress, type AddressLike } from './addresses.js';
import { resolveHost } from './dns.js';
import { driverCall, streamDriver } from './driver-call.js';

/** A socket's address family: Node's names, and `'unix'` for unix sockets. */
export type SocketFamily = 'IPv4' | 'IPv6' | 'unix';
/** A socket's type. */
export type SocketKind = 'stream' | 'dgram';

/** `new Socket()`'s options: asyncio's `socket.socket(family, type)`. Defaults: IPv4, stream. */
export interface SocketOptions {
  family?: SocketFamily;
  type?: SocketKind;
}

const enum State {
  Fresh = 0,
  Bound = 1,
  Listening = 2,
  Connected = 3,
  Closed = 4,
}

/**
 * @internal What the loop's sock* methods keep on a socket: told when a
 * connection waits to be accepted (from any context) and when the socket is
 * closed. A socket with one cannot be handed to a transport.
 */
export interface SocketIo {
  accepted(): void;
  closed(): void;
}

/** Python's default listen() backlog on Linux (SOMAXCONN is larger; 128 is what socket.listen() picks). */
const DEFAULT_BACKLOG = 128;

/**
 * A socket as the loop's `sock*` methods, `createConnection({ sock })`,
 * `createServer({ sock })` and `connectAcceptedSocket` take it, on any
 * backend. It gets its backend from the running loop at its first `bind` or
 * `listen`. On Node a stream socket's address is taken when it listens (or
 * connects): `bind` records and resolves the address, `listen` binds and
 * listens, so `EADDRINUSE` rejects `listen` there (API.md).
 *
 * Transports and servers give theirs out (`getExtraInfo('socket')`,
 * `Server.sockets()`): those report their addresses, and `close()` on them
 * throws; close the transport or server instead.
 */
export class Socket {
  readonly family: SocketFamily;
  readonly type: SocketKind;
  /** @internal the loop whose backend holds the socket */ _loop: EventLoop | null = null;
  /** @internal */ _state: State = State.Fresh;
  /** @internal the address `bind` asked for */ _bound: PeerAddress | null = null;
  /** @internal */ _listener: StreamListener | null = null;
  /** @internal a connected stream socket's connection */ _stream: RawStream | null = null;
  /** @internal accepted connections nobody took yet (for `sockAccept`) */ _backlog: RawStream[] = [];
  /** @internal where accepted connections go once a server took the socket over */ _acceptor: ((stream: RawStream) => void) | null = null;
  /** @internal what owns the socket when not its creator: `'transport'` or `'server'` */ _owner: string | null = null;
  /** @internal the state the loop's sock* methods keep on the socket (sock-methods.ts), once one was used */ _io: SocketIo | null = null;

  constructor(opts: SocketOptions = {}) {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`Socket: opts must be an object, got ${describeValue(opts)}`);
    const family = opts.family ?? 'IPv4';
    const type = opts.type ?? 'stream';
    if (family !== 'IPv4' && family !== 'IPv6' && family !== 'unix') {
      throw new TypeError(`Socket: family must be 'IPv4', 'IPv6' or 'unix', got ${describeValue(family)}`);
    }
    if (type !== 'stream' && type !== 'dgram') throw new TypeError(`Socket: type must be 'stream' or 'dgram', got ${describeValue(type)}`);
    this.family = family;
    this.type = type;
  }

  /** @internal the socket of a transport's connection */
  static _forStream(loop: EventLoop, stream: RawStream): Socket {
    const name = (stream.getExtraInfo('sockname') ?? stream.getExtraInfo('peername')) as PeerAddress | undefined;
    const family: SocketFamily = typeof name === 'string' ? 'unix' : (name?.family ?? 'IPv4');
    const sock = new Socket({ family, type: 'stream' });
    sock._loop = loop;
    sock._state = State.Connected;
    sock._stream = stream;
    sock._owner = 'transport';
    return sock;
  }

  /** @internal a server's listening socket */
  static _forListener(loop: EventLoop, listener: StreamListener): Socket {
    const a = listener.address;
    const sock = new Socket({ family: typeof a === 'string' ? 'unix' : a.family, type: 'stream' });
    sock._loop = loop;
    sock._state = State.Listening;
    sock._listener = listener;
    sock._owner = 'server';
    return sock;
  }

  /**
   * Bind to `addr`: a unix path for a unix socket, else `[host, port]` or
   * `{ address, port }` (a name is resolved; `''` is every interface; port 0
   * picks a free port when the socket listens or connects).
   */
  bind(addr: AddressLike | string): Promise<void> {
    if (this.family === 'unix') {
      if (typeof addr !== 'string' || addr === '') throw new TypeError(`bind: a unix socket binds to a path, got ${describeValue(addr)}`);
    }
    const parsed = this.family === 'unix' ? null : parseAddress(addr, 'bind: addr');
    if (this._state === State.Closed) return Promise.reject(codeError('EBADF', 'bind: the socket is closed'));
    if (this._state !== State.Fresh) return Promise.reject(codeError('EINVAL', 'bind: the socket is already bound'));
    const loop = this._useLoop();
    if (parsed === null) {
      this._bound = addr as string;
      this._state = State.Bound;
      return Promise.resolve();
    }
    return this._bindIp(loop, parsed.host, parsed.port);
  }

  private async _bindIp(loop: EventLoop, host: string, port: number): Promise<void> {
    const version = this.family === 'IPv6' ? 6 : 4;
    const found = await resolveHost(loop, host === '' ? null : host, version, 1 /* AI_PASSIVE */, 'Socket.bind');
    const first = found[0];
    if (first === undefined) throw codeError('EAI_ADDRFAMILY', `bind: ${host} has no ${this.family} address`);
    this._checkOpen('bind');
    if (this._state !== State.Fresh) throw codeError('EINVAL', 'bind: the socket is already bound');
    this._bound = { address: first.address, port, family: familyName(first.family) };
    this._state = State.Bound;
  }

  /**
   * Listen for connections (a stream socket), on the address `bind` gave, or
   * on every interface and a free port. Accepted connections wait for
   * `sockAccept` or for a server that takes the socket (`createServer({ sock })`).
   */
  listen(backlog: number = DEFAULT_BACKLOG): Promise<void> {
    if (typeof backlog !== 'number' || !Number.isInteger(backlog) || backlog < 0) {
      throw new TypeError(`listen: backlog must be a non-negative integer, got ${describeValue(backlog)}`);
    }
    try {
      this._checkOpen('listen');
      if (this.type !== 'stream') throw codeError('EOPNOTSUPP', 'listen: a datagram socket cannot listen');
      if (this._state === State.Listening) return Promise.resolve();
      if (this._state === State.Connected) throw codeError('EINVAL', 'listen: the socket is connected');
      if (this.family === 'unix' && typeof this._bound !== 'string') throw codeError('EINVAL', 'listen: bind a unix socket to a path first');
    } catch (e) {
      return Promise.reject(e);
    }
    const loop = this._useLoop();
    const driver = streamDriver(loop, 'Socket.listen');
    let options: StreamListenOptions;
    const bound = this._bound;
    if (typeof bound === 'string') {
      options = { path: bound, backlog };
    } else {
      options = { host: bound?.address ?? (this.family === 'IPv6' ? '::' : '0.0.0.0'), port: bound?.port ?? 0, backlog };
    }
    return this._listen(loop, driver, options);
  }

  private async _listen(loop: EventLoop, driver: StreamDriver, options: StreamListenOptions): Promise<void> {
    const listener = await driverCall(
      loop,
      () =>
        driver.listen(options, {
          connection: (stream) => this._accepted(stream),
          error: (error) => loop.callExceptionHandler({ message: 'socket.accept() failed', exception: error, socket: this }),
        }),
      { label: 'Socket.listen', discard: (l) => void l.close() },
    );
    if (this._state === State.Closed) {
      void listener.close();
      throw codeError('EBADF', 'listen: the socket was closed meanwhile');
    }
    this._listener = listener;
    this._state = State.Listening;
  }

  /** This end's address: the bound or listening one (the real port once listening), a connection's own. */
  getsockname(): PeerAddress {
    switch (this._state) {
      case State.Listening:
        return this._listener!.address;
      case State.Connected: {
        const a = this._stream!.getExtraInfo('sockname') as PeerAddress | undefined;
        if (a !== undefined) return a;
        break;
      }
      case State.Bound:
        return this._bound!;
    }
    if (this.family === 'unix') return '';
    return this.family === 'IPv6' ? { address: '::', port: 0, family: 'IPv6' } : { address: '0.0.0.0', port: 0, family: 'IPv4' };
  }

  /** The peer's address; an `ENOTCONN` error when not connected. */
  getpeername(): PeerAddress {
    const a = this._state === State.Connected ? (this._stream!.getExtraInfo('peername') as PeerAddress | undefined) : undefined;
    if (a === undefined) throw codeError('ENOTCONN', 'getpeername: the socket is not connected');
    return a;
  }

  /**
   * Close: stop listening (dropping connections not yet accepted), close
   * the connection. Idempotent. `InvalidStateError` on a transport's or
   * server's socket (close that instead).
   */
  close(): void {
    if (this._owner !== null) {
      throw new InvalidStateError(`close: this Socket belongs to a ${this._owner}; close the ${this._owner} instead`);
    }
    if (this._state === State.Closed) return;
    this._state = State.Closed;
    this._io?.closed();
    const listener = this._listener;
    this._listener = null;
    listener?.close().catch(() => {});
    for (const s of this._backlog.splice(0)) s.abort();
    const stream = this._stream;
    this._stream = null;
    stream?.close();
  }

  toString(): string {
    const states = ['fresh', 'bound', 'listening', 'connected', 'closed'];
    return `<Socket ${this.family} ${this.type} ${states[this._state]}>`;
  }

  /** @internal take a connected socket's connection (createConnection, connectAcceptedSocket) */
  _takeStream(where: string): RawStream {
    if (this._owner !== null) throw new InvalidStateError(`${where}: sock already belongs to a ${this._owner}`);
    if (this.type !== 'stream') throw new RangeError(`${where}: a stream socket was expected, got ${String(this)}`);
    if (this._state !== State.Connected || this._stream === null) throw new RangeError(`${where}: sock must be a connected socket, got ${String(this)}`);
    if (this._io !== null) throw new InvalidStateError(`${where}: sock is in use by the loop's sock* methods`);
    this._owner = 'transport';
    return this._stream;
  }

  /**
   * @internal a server takes the socket over: accepted connections (those
   * waiting too) go to `acceptor`. Returns the listener, or null when the
   * socket is only bound (the server then listens and calls `_listening`).
   */
  _takeListener(where: string, acceptor: (stream: RawStream) => void): StreamListener | null {
    if (this._owner !== null) throw new InvalidStateError(`${where}: sock already belongs to a ${this._owner}`);
    if (this.type !== 'stream') throw new RangeError(`${where}: a stream socket was expected, got ${String(this)}`);
    if (this._state !== State.Listening && this._state !== State.Bound) {
      throw new RangeError(`${where}: sock must be a bound or listening socket, got ${String(this)}`);
    }
    this._owner = 'server';
    this._acceptor = acceptor;
    for (const s of this._backlog.splice(0)) acceptor(s);
    return this._listener;
  }

  /** @internal a server listened on this bound socket's address */
  _listening(listener: StreamListener): void {
    this._listener = listener;
    this._state = State.Listening;
  }

  private _accepted(stream: RawStream): void {
    if (this._state === State.Closed) stream.abort();
    else if (this._acceptor !== null) this._acceptor(stream);
    else {
      this._backlog.push(stream);
      this._io?.accepted();
    }
  }

  /** @internal `sockConnect`/`sockAccept` made this fresh or bound socket a connected one */
  _connected(loop: EventLoop, stream: RawStream): void {
    this._loop = loop;
    this._state = State.Connected;
    this._stream = stream;
  }

  /** @internal whether the socket is fresh or bound (may connect), listening, connected, closed */
  get _stage(): 'fresh' | 'listening' | 'connected' | 'closed' {
    if (this._state === State.Listening) return 'listening';
    if (this._state === State.Connected) return 'connected';
    if (this._state === State.Closed) return 'closed';
    return 'fresh';
  }

  /** @internal the address `bind` recorded, if any */
  get _boundAddress(): PeerAddress | null {
    return this._bound;
  }

  private _checkOpen(where: string): void {
    if (this._state === State.Closed) throw codeError('EBADF', `${where}: the socket is closed`);
  }

  private _useLoop(): EventLoop {
    this._loop ??= getRunningLoop();
    return this._loop;
  }
}
