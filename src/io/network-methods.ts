import { CancelledError, EventLoopError, InvalidStateError } from '../errors.js';
import { EventLoop } from '../loop/event-loop.js';
import type { RawStream, SocketAddress } from '../loop/raw-stream.js';
import type { StreamDriver, StreamListener, StreamListenOptions, TlsSettings } from '../loop/stream-driver.js';
import { describeValue } from '../sync/describe-value.js';
import { codeError, formatAddress, parseAddress, parsePort, type AddressLike } from './addresses.js';
import { AI_PASSIVE, checkGetaddrinfoArgs, getaddrinfo, getnameinfo, parseFamily, resolveHost, type AddrInfo, type GetaddrinfoOptions } from './dns.js';
import { driverCall, streamDriver, yieldToLoop } from './driver-call.js';
import type { StreamProtocol } from './protocols.js';
import { recordStream } from './record/record-mode.js';
import { Server } from './server.js';
import { Socket } from './socket.js';
import { StreamTransport, type ClosableClient } from './stream-transport.js';
import { checkHandshakeTimeout, checkSsl, upgradeTls } from './tls-upgrade.js';
import type { Transport } from './transports.js';

/** asyncio's default listen backlog for servers. */
const DEFAULT_SERVER_BACKLOG = 100;

/** `createConnection`'s options (asyncio's keyword arguments). */
export interface CreateConnectionOptions {
  /** TLS: `true` (default CAs), Node TLS options, or a SecureContext. */
  ssl?: TlsSettings | null | false;
  /** The address family to resolve `host` to (default: both). */
  family?: 'IPv4' | 'IPv6' | 0 | 4 | 6;
  proto?: number;
  /** getaddrinfo flags (AI_*). */
  flags?: number;
  /** A connected Socket to use instead of `host` and `port`. */
  sock?: Socket | null;
  /** Bind to this local address (`[host, port]` or `{ address, port }`) before connecting. */
  localAddr?: AddressLike | null;
  /** The name the server's certificate must match (default: `host`; `''` checks none). */
  serverHostname?: string | null;
  /** ms the TLS handshake may take (default 60 s), then `ECONNABORTED`. */
  sslHandshakeTimeout?: number | null;
  /** Reorder the resolved addresses to alternate families, `interleave` of the first family first (asyncio's `interleave`). */
  interleave?: number | null;
}

/** `createServer`'s options. */
export interface CreateServerOptions {
  /** The family to resolve `host` to (default: both). */
  family?: 'IPv4' | 'IPv6' | 0 | 4 | 6;
  /** getaddrinfo flags (default AI_PASSIVE). */
  flags?: number;
  /** A bound or listening Socket to serve on instead of `host` and `port`. */
  sock?: Socket | null;
  /** Queue length of connections not yet accepted (default 100). */
  backlog?: number;
  /** TLS options or a SecureContext (`true` names no certificate: TypeError). */
  ssl?: TlsSettings | null | false;
  /** A no-op on Unix: libuv always sets SO_REUSEADDR on listening sockets. */
  reuseAddress?: boolean | null;
  /** SO_REUSEPORT. On Node below 22.12 `true` rejects with RangeError (Node would ignore it). */
  reusePort?: boolean | null;
  /** TCP keep-alive on accepted connections. */
  keepAlive?: boolean | null;
  /** ms each TLS handshake may take (default 60 s). */
  sslHandshakeTimeout?: number | null;
  /** Start accepting at once (default true); else call `startServing()` or `serveForever()`. */
  startServing?: boolean;
}

/** `createUnixConnection`'s options. */
export interface CreateUnixConnectionOptions {
  ssl?: TlsSettings | null | false;
  /** A connected unix Socket to use instead of `path`. */
  sock?: Socket | null;
  /** Required with `ssl` (there is no host name to default to). */
  serverHostname?: string | null;
  sslHandshakeTimeout?: number | null;
}

/** `createUnixServer`'s options. */
export interface CreateUnixServerOptions {
  /** A bound or listening unix Socket to serve on instead of `path`. */
  sock?: Socket | null;
  backlog?: number;
  ssl?: TlsSettings | null | false;
  sslHandshakeTimeout?: number | null;
  startServing?: boolean;
}

/** `connectAcceptedSocket`'s options. */
export interface ConnectAcceptedSocketOptions {
  /** TLS as the server side of the connection. */
  ssl?: TlsSettings | null | false;
  sslHandshakeTimeout?: number | null;
}

/** `startTls`'s options. */
export interface StartTlsCallOptions {
  /** This end is the TLS server (default false). */
  serverSide?: boolean;
  /** Client side: the name the server's certificate must match (`''` checks none). */
  serverHostname?: string | null;
  sslHandshakeTimeout?: number | null;
}

declare module '../loop/event-loop.js' {
  interface EventLoop {
    /**
     * Open a stream connection to `host`:`port` (asyncio's
     * `create_connection`): resolve the name, try its addresses in order
     * until one connects, run the TLS handshake when `ssl` is given, then
     * call `protocolFactory()` and the protocol's `connectionMade`. Resolves
     * to `[transport, protocol]`; rejects with the connect error (`code`
     * `'ECONNREFUSED'`, ...; one error naming all when several addresses
     * failed differently), the TLS error, or `ECONNABORTED` when the
     * handshake outlasted `sslHandshakeTimeout`.
     */
    createConnection<P extends StreamProtocol>(
      protocolFactory: () => P,
      host?: string | null,
      port?: number | string | null,
      opts?: CreateConnectionOptions,
    ): Promise<[Transport, P]>;
    /**
     * Listen on `host` (a name, an address, a list of them, or null/`''` for
     * every interface) and `port` (0: a free port, the same one for every
     * address) and serve each connection with a new protocol (asyncio's
     * `create_server`). Rejects with `EADDRINUSE`, ...
     */
    createServer(
      protocolFactory: () => StreamProtocol,
      host?: string | readonly string[] | null,
      port?: number | string | null,
      opts?: CreateServerOptions,
    ): Promise<Server>;
    /** `createConnection` to a unix socket at `path`. */
    createUnixConnection<P extends StreamProtocol>(protocolFactory: () => P, path?: string | null, opts?: CreateUnixConnectionOptions): Promise<[Transport, P]>;
    /** `createServer` on a unix socket at `path` (a socket file already there is replaced, as asyncio does). */
    createUnixServer(protocolFactory: () => StreamProtocol, path?: string | null, opts?: CreateUnixServerOptions): Promise<Server>;
    /**
     * Serve a connection accepted elsewhere: a connected simloop Socket, or
     * the backend's own socket (a Node `net.Socket`). TLS runs as the server side.
     */
    connectAcceptedSocket<P extends StreamProtocol>(protocolFactory: () => P, sock: Socket | unknown, opts?: ConnectAcceptedSocketOptions): Promise<[Transport, P]>;
    /**
     * Upgrade a connection to TLS (asyncio's `start_tls`): `transport` is
     * handed over (it reports nothing more), the handshake runs, and the
     * returned transport carries the connection, reporting to `protocol`
     * (whose `connectionMade` is not called again). On failure the
     * connection is closed and `protocol` hears nothing.
     */
    startTls(transport: Transport, protocol: StreamProtocol, ssl: TlsSettings, opts?: StartTlsCallOptions): Promise<Transport>;
    /**
     * Resolve `host` and `port` as asyncio's `getaddrinfo`: without `type`, a
     * `'stream'` (proto 6) and a `'dgram'` (proto 17) entry per address, in
     * the resolver's order; `canonname` is `''`.
     */
    getaddrinfo(host: string | null | undefined, port: number | string | null | undefined, opts?: GetaddrinfoOptions): Promise<AddrInfo[]>;
    /** An address as `[host, service]` (asyncio's `getnameinfo`), with NI_* flags. */
    getnameinfo(addr: AddressLike, flags?: number): Promise<[host: string, service: string]>;
  }
}

// ---------------------------------------------------------------- checks

function checkOpen(loop: EventLoop): void {
  if (loop.isClosed()) throw new EventLoopError('Event loop is closed');
}

function checkFactory(factory: unknown, where: string): void {
  if (typeof factory !== 'function') throw new TypeError(`${where}: protocolFactory must be a function, got ${describeValue(factory)}`);
}

function checkOptions<T extends object>(opts: T | undefined | null, where: string): Partial<T> {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object') throw new TypeError(`${where}: opts must be an object, got ${describeValue(opts)}`);
  return opts;
}

function checkHost(host: unknown, where: string): string | null {
  if (host === undefined || host === null) return null;
  if (typeof host !== 'string') throw new TypeError(`${where}: host must be a string or null, got ${describeValue(host)}`);
  return host;
}

function checkPath(path: unknown, where: string): string | null {
  if (path === undefined || path === null) return null;
  if (typeof path !== 'string' || path === '') throw new TypeError(`${where}: path must be a non-empty string, got ${describeValue(path)}`);
  return path;
}

function checkBool(value: unknown, name: string, where: string): boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'boolean') throw new TypeError(`${where}: ${name} must be a boolean, got ${describeValue(value)}`);
  return value;
}

function checkBacklog(value: unknown, where: string): number {
  if (value === undefined || value === null) return DEFAULT_SERVER_BACKLOG;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new TypeError(`${where}: backlog must be a non-negative integer, got ${describeValue(value)}`);
  }
  return value;
}

function checkServerHostname(value: unknown, where: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new TypeError(`${where}: serverHostname must be a string or null, got ${describeValue(value)}`);
  return value;
}

function checkSock(value: unknown, where: string): Socket | null {
  if (value === undefined || value === null) return null;
  if (!(value instanceof Socket)) throw new TypeError(`${where}: sock must be a simloop Socket, got ${describeValue(value)}`);
  return value;
}

function isCancellation(e: unknown): boolean {
  return e instanceof CancelledError;
}

// ---------------------------------------------------------------- connecting

/** asyncio's `_interleave_addrinfos`: alternate families, `first` of the first family to begin. */
function interleave(infos: AddrInfo[], first: number): AddrInfo[] {
  const byFamily = new Map<string, AddrInfo[]>();
  for (const i of infos) {
    const list = byFamily.get(i.family);
    if (list === undefined) byFamily.set(i.family, [i]);
    else list.push(i);
  }
  const lists = [...byFamily.values()];
  const out: AddrInfo[] = [];
  if (lists.length > 0 && first > 1) out.push(...lists[0]!.splice(0, first - 1));
  for (let i = 0; lists.some((l) => l.length > 0); i++) {
    for (const l of lists) {
      const x = l.shift();
      if (x !== undefined) out.push(x);
    }
  }
  return out;
}

/** The errors of every address tried, as asyncio raises them: one, or one naming all. */
function combinedError(errors: Error[]): Error {
  if (errors.length === 1) return errors[0]!;
  const model = errors[0]!.message;
  if (errors.every((e) => e.message === model)) return errors[0]!;
  const codes = new Set(errors.map((e) => (e as { code?: unknown }).code));
  const err = new Error(`Multiple exceptions: ${errors.map((e) => e.message).join(', ')}`);
  const [code] = codes;
  return Object.assign(err, codes.size === 1 && typeof code === 'string' ? { code } : {}, { errors });
}

async function connectByName(
  loop: EventLoop,
  driver: StreamDriver,
  host: string | null,
  port: number | string | null,
  opts: Partial<CreateConnectionOptions>,
): Promise<RawStream> {
  const family = parseFamily(opts.family, 'createConnection: family');
  const ai: GetaddrinfoOptions = { family, type: 'stream', proto: opts.proto ?? 0, flags: opts.flags ?? 0 };
  let infos = await getaddrinfo(loop, host, port, ai);
  if (infos.length === 0) throw codeError('ENOTFOUND', 'getaddrinfo() returned empty list');
  let local: AddrInfo[] | null = null;
  if (opts.localAddr !== undefined && opts.localAddr !== null) {
    const { host: lhost, port: lport } = parseAddress(opts.localAddr, 'createConnection: localAddr');
    local = await getaddrinfo(loop, lhost, lport, ai);
    if (local.length === 0) throw codeError('ENOTFOUND', 'getaddrinfo() returned empty list');
  }
  if (opts.interleave !== undefined && opts.interleave !== null && opts.interleave > 0) infos = interleave(infos, opts.interleave);
  const errors: Error[] = [];
  for (const info of infos) {
    let localAddress: string | undefined;
    let localPort: number | undefined;
    if (local !== null) {
      const l = local.find((x) => x.family === info.family);
      if (l === undefined) {
        errors.push(new Error(`no matching local address with family=${info.family} found`));
        continue;
      }
      localAddress = l.address.address;
      localPort = l.address.port === 0 ? undefined : l.address.port;
    }
    const target = info.address;
    try {
      return await driverCall(
        loop,
        (signal) => driver.connect({ host: target.address, port: target.port, localAddress, localPort, signal }),
        { label: `connect(${formatAddress(target)})`, discard: (s) => s.abort() },
      );
    } catch (e) {
      // asyncio goes on to the next address after an OSError; anything else is a bug to surface.
      if (isCancellation(e) || !(e instanceof Error) || typeof (e as { code?: unknown }).code !== 'string') throw e;
      errors.push(e);
    }
  }
  throw combinedError(errors);
}

/** A connected stream: make the protocol, run TLS if asked, then the transport (connectionMade). */
async function finishConnection<P extends StreamProtocol>(
  loop: EventLoop,
  driver: StreamDriver,
  stream: RawStream,
  protocolFactory: () => P,
  tls: { ssl: TlsSettings | null; serverSide: boolean; serverHostname: string | null; timeoutMs: number },
): Promise<[Transport, P]> {
  stream = recordStream(loop, stream);
  let protocol: P;
  try {
    protocol = protocolFactory();
    if (protocol === null || typeof protocol !== 'object') {
      throw new TypeError(`protocolFactory must return a protocol object, got ${describeValue(protocol)}`);
    }
  } catch (e) {
    stream.abort();
    throw e;
  }
  let s = stream;
  if (tls.ssl !== null) {
    s = await upgradeTls(loop, driver, stream, {
      serverSide: tls.serverSide,
      ssl: tls.ssl,
      serverHostname: tls.serverHostname,
      timeoutMs: tls.timeoutMs,
    });
  }
  const transport = new StreamTransport(loop, s, protocol);
  try {
    await transport._ready;
  } catch (e) {
    transport.close();
    throw e;
  }
  return [transport, protocol];
}

function createConnection<P extends StreamProtocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  host: unknown,
  port: unknown,
  options: CreateConnectionOptions | undefined,
): Promise<[Transport, P]> {
  const where = 'createConnection';
  checkOpen(loop);
  checkFactory(protocolFactory, where);
  const opts = checkOptions(options, where);
  const h = checkHost(host, where);
  const p = port === undefined || port === null ? null : parsePort(port, `${where}: port`);
  const ssl = checkSsl(opts.ssl, where, false);
  let serverHostname = checkServerHostname(opts.serverHostname, where);
  if (serverHostname !== null && ssl === null) throw new RangeError(`${where}: serverHostname is only meaningful with ssl`);
  if (serverHostname === null && ssl !== null) {
    if (h === null || h === '') throw new RangeError(`${where}: you must set serverHostname when using ssl without a host ('' checks no name)`);
    serverHostname = h;
  }
  const timeoutMs = checkHandshakeTimeout(opts.sslHandshakeTimeout, ssl, where);
  const sock = checkSock(opts.sock, where);
  parseFamily(opts.family, `${where}: family`);
  checkGetaddrinfoArgs(p, { type: 'stream', proto: opts.proto ?? 0, flags: opts.flags ?? 0 });
  if (opts.localAddr !== undefined && opts.localAddr !== null) parseAddress(opts.localAddr, `${where}: localAddr`);
  const il = opts.interleave;
  if (il !== undefined && il !== null && (typeof il !== 'number' || !Number.isInteger(il) || il < 0)) {
    throw new TypeError(`${where}: interleave must be a non-negative integer, got ${describeValue(il)}`);
  }
  const driver = streamDriver(loop, where);
  if (h !== null || p !== null) {
    if (sock !== null) throw new RangeError(`${where}: host/port and sock can not be specified at the same time`);
  } else if (sock === null) {
    throw new RangeError(`${where}: host and port was not specified and no sock specified`);
  }
  const tls = { ssl, serverSide: false, serverHostname, timeoutMs };
  if (sock !== null) return finishConnection(loop, driver, sock._takeStream(where), protocolFactory, tls);
  return (async () => finishConnection(loop, driver, await connectByName(loop, driver, h, p, opts), protocolFactory, tls))();
}

function createUnixConnection<P extends StreamProtocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  path: unknown,
  options: CreateUnixConnectionOptions | undefined,
): Promise<[Transport, P]> {
  const where = 'createUnixConnection';
  checkOpen(loop);
  checkFactory(protocolFactory, where);
  const opts = checkOptions(options, where);
  const p = checkPath(path, where);
  const ssl = checkSsl(opts.ssl, where, false);
  const serverHostname = checkServerHostname(opts.serverHostname, where);
  if (ssl !== null && serverHostname === null) throw new RangeError(`${where}: you have to pass serverHostname when using ssl ('' checks no name)`);
  if (ssl === null && serverHostname !== null) throw new RangeError(`${where}: serverHostname is only meaningful with ssl`);
  const timeoutMs = checkHandshakeTimeout(opts.sslHandshakeTimeout, ssl, where);
  const sock = checkSock(opts.sock, where);
  const driver = streamDriver(loop, where);
  const tls = { ssl, serverSide: false, serverHostname, timeoutMs };
  if (p === null) {
    if (sock === null) throw new RangeError(`${where}: no path and sock were specified`);
    if (sock.family !== 'unix') throw new RangeError(`${where}: a UNIX domain stream socket was expected, got ${String(sock)}`);
    return finishConnection(loop, driver, sock._takeStream(where), protocolFactory, tls);
  }
  if (sock !== null) throw new RangeError(`${where}: path and sock can not be specified at the same time`);
  return (async () => {
    const stream = await driverCall(loop, (signal) => driver.connect({ path: p, signal }), {
      label: `connect(${p})`,
      discard: (s) => s.abort(),
    });
    return finishConnection(loop, driver, stream, protocolFactory, tls);
  })();
}

function connectAcceptedSocket<P extends StreamProtocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  sock: unknown,
  options: ConnectAcceptedSocketOptions | undefined,
): Promise<[Transport, P]> {
  const where = 'connectAcceptedSocket';
  checkOpen(loop);
  checkFactory(protocolFactory, where);
  const opts = checkOptions(options, where);
  const ssl = checkSsl(opts.ssl, where, true);
  const timeoutMs = checkHandshakeTimeout(opts.sslHandshakeTimeout, ssl, where);
  const driver = streamDriver(loop, where);
  let stream: RawStream | null;
  if (sock instanceof Socket) stream = sock._takeStream(where);
  else {
    stream = driver.adopt(sock);
    if (stream === null) {
      throw new TypeError(`${where}: sock must be a connected simloop Socket or a connected socket of the loop's backend, got ${describeValue(sock)}`);
    }
  }
  return finishConnection(loop, driver, stream, protocolFactory, { ssl, serverSide: true, serverHostname: null, timeoutMs });
}

// ---------------------------------------------------------------- serving

function listenLabel(o: StreamListenOptions): string {
  return o.path !== undefined ? `listen(${o.path})` : `listen(${formatAddress({ address: o.host, port: o.port, family: o.host.includes(':') ? 'IPv6' : 'IPv4' })})`;
}

function listen(loop: EventLoop, driver: StreamDriver, server: Server, options: StreamListenOptions): Promise<StreamListener> {
  return driverCall(loop, () => driver.listen(options, server._handlers), {
    label: listenLabel(options),
    discard: (l) => void l.close().catch(() => {}),
  });
}

/**
 * Listen on every address, sharing the port when 0 was asked for: the first
 * listener picks it and the others take the same one (so `localhost`'s
 * IPv4 and IPv6 addresses, or the wildcards of both families, serve one
 * port), retrying with a fresh port if another program holds it on a later
 * address. An address whose family the machine lacks is skipped (asyncio,
 * bpo-30945).
 */
async function listenAll(
  loop: EventLoop,
  driver: StreamDriver,
  server: Server,
  addresses: { address: string; family: 4 | 6 }[],
  port: number,
  base: { backlog: number; reusePort: boolean; keepAlive: boolean },
): Promise<void> {
  const attempts = port === 0 && addresses.length > 1 ? 5 : 1;
  for (let attempt = 1; ; attempt++) {
    const made: StreamListener[] = [];
    let p = port;
    try {
      for (const a of addresses) {
        let listener: StreamListener;
        try {
          listener = await listen(loop, driver, server, {
            host: a.address,
            port: p,
            ipv6Only: a.family === 6,
            backlog: base.backlog,
            reusePort: base.reusePort,
            keepAlive: base.keepAlive,
          });
        } catch (e) {
          const code = (e as { code?: unknown }).code;
          if (addresses.length > 1 && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) continue;
          throw e;
        }
        made.push(listener);
        if (p === 0) p = (listener.address as SocketAddress).port;
      }
    } catch (e) {
      await Promise.all(made.map((l) => l.close().catch(() => {})));
      if ((e as { code?: unknown }).code === 'EADDRINUSE' && attempt < attempts) continue;
      throw e;
    }
    if (made.length === 0) {
      throw codeError('EADDRNOTAVAIL', `could not bind on any address out of [${addresses.map((a) => formatAddress({ address: a.address, port, family: a.family === 6 ? 'IPv6' : 'IPv4' })).join(', ')}]`);
    }
    for (const l of made) server._addListener(l);
    return;
  }
}

/** Serve on a user's Socket: take over its listener, or listen on its bound address. */
async function serveOnSocket(loop: EventLoop, driver: StreamDriver, server: Server, sock: Socket, backlog: number, where: string): Promise<void> {
  const taken = sock._takeListener(where, server._handlers.connection);
  if (taken !== null) {
    server._addListener(taken);
    return;
  }
  const bound = sock.getsockname();
  const options: StreamListenOptions =
    typeof bound === 'string' ? { path: bound, backlog } : { host: bound.address, port: bound.port, backlog, ipv6Only: bound.family === 'IPv6' };
  const listener = await listen(loop, driver, server, options);
  sock._listening(listener);
  server._addListener(listener);
}

function createServer(
  loop: EventLoop,
  protocolFactory: () => StreamProtocol,
  host: unknown,
  port: unknown,
  options: CreateServerOptions | undefined,
): Promise<Server> {
  const where = 'createServer';
  checkOpen(loop);
  checkFactory(protocolFactory, where);
  const opts = checkOptions(options, where);
  let hosts: (string | null)[] | null = null;
  if (host !== undefined && host !== null) {
    if (typeof host === 'string') hosts = [host === '' ? null : host];
    else if (typeof (host as Iterable<unknown>)[Symbol.iterator] === 'function') {
      hosts = [...(host as Iterable<unknown>)].map((x) => {
        if (typeof x !== 'string') throw new TypeError(`${where}: host must be a string, a list of strings or null, got a list holding ${describeValue(x)}`);
        return x === '' ? null : x;
      });
    } else throw new TypeError(`${where}: host must be a string, a list of strings or null, got ${describeValue(host)}`);
  }
  const p = port === undefined || port === null ? null : parsePort(port, `${where}: port`);
  const ssl = checkSsl(opts.ssl, where, true);
  const sslHandshakeTimeout = checkHandshakeTimeout(opts.sslHandshakeTimeout, ssl, where);
  const backlog = checkBacklog(opts.backlog, where);
  checkBool(opts.reuseAddress, 'reuseAddress', where); // a no-op: libuv sets SO_REUSEADDR itself
  const reusePort = checkBool(opts.reusePort, 'reusePort', where) === true;
  const keepAlive = checkBool(opts.keepAlive, 'keepAlive', where) === true;
  const startServing = checkBool(opts.startServing, 'startServing', where) ?? true;
  const family = parseFamily(opts.family, `${where}: family`);
  const flags = opts.flags ?? AI_PASSIVE;
  const sock = checkSock(opts.sock, where);
  if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < 0) throw new TypeError(`${where}: flags must be a non-negative integer, got ${describeValue(flags)}`);
  if (hosts !== null || p !== null) {
    if (sock !== null) throw new RangeError(`${where}: host/port and sock can not be specified at the same time`);
  } else {
    if (sock === null) throw new RangeError(`${where}: neither host/port nor sock were specified`);
    if (sock.family === 'unix') throw new RangeError(`${where}: sock is a unix socket; use createUnixServer`);
  }
  const driver = streamDriver(loop, where);
  return serve(loop, new Server(loop, protocolFactory, { driver, ssl, sslHandshakeTimeout }), startServing, async (server) => {
    if (sock === null) {
      const seen = new Set<string>();
      const addresses: { address: string; family: 4 | 6 }[] = [];
      for (const h of hosts ?? [null]) {
        for (const a of await resolveHost(loop, h, family, flags | AI_PASSIVE, where)) {
          const key = `${a.family}/${a.address}`;
          if (!seen.has(key)) {
            seen.add(key);
            addresses.push(a);
          }
        }
      }
      if (addresses.length === 0) throw codeError('ENOTFOUND', 'getaddrinfo() returned empty list');
      await listenAll(loop, driver, server, addresses, p ?? 0, { backlog, reusePort, keepAlive });
    } else {
      await serveOnSocket(loop, driver, server, sock, backlog, where);
    }
  });
}

/** Set `server` up with `listen(server)`, closing it on failure, then start serving if asked. */
async function serve(loop: EventLoop, server: Server, startServing: boolean, listen: (server: Server) => Promise<void>): Promise<Server> {
  try {
    await listen(server);
  } catch (e) {
    server.close();
    throw e;
  }
  if (startServing) {
    server._startServing();
    await yieldToLoop(loop);
  }
  return server;
}

function createUnixServer(
  loop: EventLoop,
  protocolFactory: () => StreamProtocol,
  path: unknown,
  options: CreateUnixServerOptions | undefined,
): Promise<Server> {
  const where = 'createUnixServer';
  checkOpen(loop);
  checkFactory(protocolFactory, where);
  const opts = checkOptions(options, where);
  const p = checkPath(path, where);
  const ssl = checkSsl(opts.ssl, where, true);
  const sslHandshakeTimeout = checkHandshakeTimeout(opts.sslHandshakeTimeout, ssl, where);
  const backlog = checkBacklog(opts.backlog, where);
  const startServing = checkBool(opts.startServing, 'startServing', where) ?? true;
  const sock = checkSock(opts.sock, where);
  if (p !== null) {
    if (sock !== null) throw new RangeError(`${where}: path and sock can not be specified at the same time`);
  } else {
    if (sock === null) throw new RangeError(`${where}: path was not specified, and no sock specified`);
    if (sock.family !== 'unix') throw new RangeError(`${where}: a UNIX domain stream socket was expected, got ${String(sock)}`);
  }
  const driver = streamDriver(loop, where);
  return serve(loop, new Server(loop, protocolFactory, { driver, ssl, sslHandshakeTimeout }), startServing, async (server) => {
    if (sock === null) server._addListener(await listen(loop, driver, server, { path: p!, backlog }));
    else await serveOnSocket(loop, driver, server, sock, backlog, where);
  });
}

// ---------------------------------------------------------------- TLS

function startTls(
  loop: EventLoop,
  transport: unknown,
  protocol: unknown,
  sslArg: unknown,
  options: StartTlsCallOptions | undefined,
): Promise<Transport> {
  const where = 'startTls';
  checkOpen(loop);
  if (!(transport instanceof StreamTransport)) throw new TypeError(`${where}: transport ${describeValue(transport)} is not supported by startTls()`);
  if (protocol === null || typeof protocol !== 'object') throw new TypeError(`${where}: protocol must be a protocol object, got ${describeValue(protocol)}`);
  const opts = checkOptions(options, where);
  const serverSide = checkBool(opts.serverSide, 'serverSide', where) ?? false;
  const ssl = checkSsl(sslArg, where, serverSide);
  if (ssl === null) throw new TypeError(`${where}: ssl must be true, TLS options or a SecureContext, got ${describeValue(sslArg)}`);
  const serverHostname = checkServerHostname(opts.serverHostname, where);
  if (!serverSide && serverHostname === null && !namesServer(ssl)) {
    throw new RangeError(`${where}: pass serverHostname, the name the server's certificate must match ('' checks no name)`);
  }
  const timeoutMs = checkHandshakeTimeout(opts.sslHandshakeTimeout ?? undefined, ssl, where);
  const driver = streamDriver(loop, where);
  if (transport.isClosing()) throw new InvalidStateError(`${where}: the transport is closing`);
  return upgradeTransport(loop, driver, transport, protocol as StreamProtocol, { serverSide, ssl, serverHostname, timeoutMs });
}

async function upgradeTransport(
  loop: EventLoop,
  driver: StreamDriver,
  transport: StreamTransport,
  protocol: StreamProtocol,
  tls: { serverSide: boolean; ssl: TlsSettings; serverHostname: string | null; timeoutMs: number },
): Promise<Transport> {
  const { serverSide, ssl, serverHostname, timeoutMs } = tls;
  // The handshake counts as a connection of the transport's server (closeClients reaches it).
  const controller = new AbortController();
  const abort = (): void => controller.abort(codeError('ECONNABORTED', 'TLS handshake aborted'));
  const handshake: ClosableClient = { close: abort, abort };
  const owner = transport._owner;
  owner?._attach(handshake);
  let tlsStream: RawStream;
  let server;
  try {
    const detached = transport._detachForTls();
    server = detached.server;
    tlsStream = await upgradeTls(loop, driver, detached.raw, { serverSide, ssl, serverHostname, pending: detached.pending, timeoutMs, controller });
  } catch (e) {
    owner?._detach(handshake);
    throw e;
  }
  const tlsTransport = new StreamTransport(loop, tlsStream, protocol, { server, connectionMade: false });
  owner?._detach(handshake);
  try {
    await tlsTransport._ready;
  } catch (e) {
    tlsTransport.close();
    throw e;
  }
  return tlsTransport;
}

/** Whether TLS client settings name the server themselves (or check no certificate). */
function namesServer(ssl: TlsSettings): boolean {
  if (ssl === true) return false;
  const o = ssl as { servername?: unknown; host?: unknown; rejectUnauthorized?: unknown; checkServerIdentity?: unknown };
  return typeof o.servername === 'string' || typeof o.host === 'string' || o.rejectUnauthorized === false || typeof o.checkServerIdentity === 'function';
}

// ---------------------------------------------------------------- registration

// The loop layer imports nothing above it; the io layer fills in the loop's
// network methods when it loads (DESIGN.md, "registration hook").
EventLoop.prototype.createConnection = function (this: EventLoop, protocolFactory, host, port, opts) {
  return createConnection(this, protocolFactory, host, port, opts);
};
EventLoop.prototype.createServer = function (this: EventLoop, protocolFactory, host, port, opts) {
  return createServer(this, protocolFactory, host, port, opts);
};
EventLoop.prototype.createUnixConnection = function (this: EventLoop, protocolFactory, path, opts) {
  return createUnixConnection(this, protocolFactory, path, opts);
};
EventLoop.prototype.createUnixServer = function (this: EventLoop, protocolFactory, path, opts) {
  return createUnixServer(this, protocolFactory, path, opts);
};
EventLoop.prototype.connectAcceptedSocket = function (this: EventLoop, protocolFactory, sock, opts) {
  return connectAcceptedSocket(this, protocolFactory, sock, opts);
};
EventLoop.prototype.startTls = function (this: EventLoop, transport, protocol, ssl, opts) {
  return startTls(this, transport, protocol, ssl, opts);
};
EventLoop.prototype.getaddrinfo = function (this: EventLoop, host, port, opts) {
  checkOpen(this);
  return getaddrinfo(this, host, port, opts);
};
EventLoop.prototype.getnameinfo = function (this: EventLoop, addr, flags) {
  checkOpen(this);
  return getnameinfo(this, addr, flags);
};
