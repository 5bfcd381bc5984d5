import type { EventLoop } from '../../loop/event-loop.js';
import { getRunningLoop } from '../../loop/running-loop.js';
import '../network-methods.js';
import type { CreateConnectionOptions, CreateServerOptions, CreateUnixConnectionOptions, CreateUnixServerOptions } from '../network-methods.js';
import type { Server } from '../server.js';
import type { Transport } from '../transports.js';
import { checkLimit, DEFAULT_LIMIT, StreamReader } from './stream-reader.js';
import { StreamReaderProtocol, type ClientConnectedCallback } from './stream-reader-protocol.js';
import { StreamWriter } from './stream-writer.js';

/** The option every stream function takes besides those of the loop method it calls. */
export interface StreamLimitOptions {
  /** The StreamReader's buffer limit in bytes (default 64 KiB). */
  limit?: number;
}

/** `openConnection`'s options: `limit` and `createConnection`'s. */
export type OpenConnectionOptions = StreamLimitOptions & CreateConnectionOptions;
/** `startServer`'s options: `limit` and `createServer`'s. */
export type StartServerOptions = StreamLimitOptions & CreateServerOptions;
/** `openUnixConnection`'s options: `limit` and `createUnixConnection`'s. */
export type OpenUnixConnectionOptions = StreamLimitOptions & CreateUnixConnectionOptions;
/** `startUnixServer`'s options: `limit` and `createUnixServer`'s. */
export type StartUnixServerOptions = StreamLimitOptions & CreateUnixServerOptions;

/** Split `limit` from the options the loop method gets. */
function splitOptions<O extends StreamLimitOptions>(opts: O | undefined, where: string): [number, Omit<O, 'limit'>] {
  if (opts === undefined) return [DEFAULT_LIMIT, {} as Omit<O, 'limit'>];
  if (opts === null || typeof opts !== 'object') throw new TypeError(`${where}: opts must be an object`);
  const { limit, ...rest } = opts;
  return [limit === undefined ? DEFAULT_LIMIT : checkLimit(limit, where), rest];
}

function checkCallback(cb: unknown, where: string): asserts cb is ClientConnectedCallback {
  if (typeof cb !== 'function') throw new TypeError(`${where}: clientConnected must be a function`);
}

async function connectStreams(
  loop: EventLoop,
  limit: number,
  connect: (factory: () => StreamReaderProtocol) => Promise<[Transport, StreamReaderProtocol]>,
): Promise<[StreamReader, StreamWriter]> {
  const reader = new StreamReader({ limit, loop });
  const protocol = new StreamReaderProtocol(reader, null, { loop });
  const [transport] = await connect(() => protocol);
  return [reader, new StreamWriter(transport, protocol, reader, loop)];
}

function serverFactory(loop: EventLoop, clientConnected: ClientConnectedCallback, limit: number): () => StreamReaderProtocol {
  return () => new StreamReaderProtocol(new StreamReader({ limit, loop }), clientConnected, { loop });
}

/**
 * asyncio.open_connection: connect over TCP (TLS with `ssl`) through
 * `loop.createConnection` on the running loop, and resolve to a
 * `[reader, writer]` pair. Takes `limit` and every option of
 * `createConnection`; rejects as it does.
 */
export function openConnection(host?: string | null, port?: number | string | null, opts?: OpenConnectionOptions): Promise<[StreamReader, StreamWriter]> {
  const loop = getRunningLoop();
  const [limit, rest] = splitOptions(opts, 'openConnection');
  return connectStreams(loop, limit, (factory) => loop.createConnection(factory, host, port, rest));
}

/**
 * asyncio.start_server: serve TCP (TLS with `ssl`) through
 * `loop.createServer` on the running loop. Each connection gets a reader and
 * a writer, and `clientConnected(reader, writer)` is called with them: an
 * async function runs as a task (when it fails, the error goes to the loop's
 * exception handler and the connection is closed; when it is cancelled, the
 * connection is closed). Takes `limit` and every option of `createServer`;
 * resolves to the Server.
 */
export function startServer(
  clientConnected: ClientConnectedCallback,
  host?: string | readonly string[] | null,
  port?: number | string | null,
  opts?: StartServerOptions,
): Promise<Server> {
  checkCallback(clientConnected, 'startServer');
  const loop = getRunningLoop();
  const [limit, rest] = splitOptions(opts, 'startServer');
  return loop.createServer(serverFactory(loop, clientConnected, limit), host, port, rest);
}

/** asyncio.open_unix_connection: `openConnection` to the unix socket at `path` (`loop.createUnixConnection`). */
export function openUnixConnection(path?: string | null, opts?: OpenUnixConnectionOptions): Promise<[StreamReader, StreamWriter]> {
  const loop = getRunningLoop();
  const [limit, rest] = splitOptions(opts, 'openUnixConnection');
  return connectStreams(loop, limit, (factory) => loop.createUnixConnection(factory, path, rest));
}

/** asyncio.start_unix_server: `startServer` on the unix socket at `path` (`loop.createUnixServer`). */
export function startUnixServer(clientConnected: ClientConnectedCallback, path?: string | null, opts?: StartUnixServerOptions): Promise<Server> {
  checkCallback(clientConnected, 'startUnixServer');
  const loop = getRunningLoop();
  const [limit, rest] = splitOptions(opts, 'startUnixServer');
  return loop.createUnixServer(serverFactory(loop, clientConnected, limit), path, rest);
}
