import { lstatSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { PeerAddress, RawStream } from '../../loop/raw-stream.js';
import type {
  StartTlsOptions,
  StreamConnectOptions,
  StreamDriver,
  StreamListener,
  StreamListenHandlers,
  StreamListenOptions,
} from '../../loop/stream-driver.js';
import { asBuffer } from '../../io/streams/bytes.js';
import { NodeRawStream, type NodeStreamInfo } from './node-raw-stream.js';
import { finishServerHandshake, tlsClientOptions, tlsServerOptions } from '../../io/tls-settings.js';

/** Whether this Node's `server.listen` takes `reusePort` (added in 22.12 and 23.1). */
export function nodeSupportsReusePort(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/**
 * Stream connections on `node:net` and `node:tls`. Every socket is created
 * with `allowHalfOpen` (EOF handling is the transport's), TCP ones with
 * `noDelay` (asyncio sets TCP_NODELAY); accepted ones start paused, so
 * nothing is read before the transport starts them. TLS is always a layer
 * over a TCP or unix socket this driver holds (`tls.connect({ socket })` for
 * clients, a server-side `TLSSocket` for servers), which lets `abort` reset
 * the connection underneath and `startTls` upgrade any stream.
 */
export class NodeStreamDriver implements StreamDriver {
  connect(options: StreamConnectOptions): Promise<RawStream> {
    const { signal } = options;
    return new Promise<RawStream>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(signal.reason);
        return;
      }
      let socket: net.Socket;
      let info: NodeStreamInfo;
      if (options.path !== undefined) {
        socket = net.connect({ path: options.path, allowHalfOpen: true });
        info = { sockname: '', peername: options.path };
      } else {
        const family = net.isIP(options.host);
        socket = net.connect({
          host: options.host,
          port: options.port,
          localAddress: options.localAddress,
          localPort: options.localPort,
          family: family === 0 ? undefined : family,
          allowHalfOpen: true,
          noDelay: true,
          // Addresses are tried in order by the io layer, as asyncio does.
          autoSelectFamily: false,
        });
        info = {};
      }
      const cleanup = (): void => {
        socket.off('connect', onConnect);
        socket.off('error', onError);
        signal?.removeEventListener('abort', onAbort);
      };
      const onConnect = (): void => {
        cleanup();
        resolve(new NodeRawStream(socket, info));
      };
      const onError = (err: Error): void => {
        cleanup();
        socket.destroy();
        reject(err);
      };
      const onAbort = (): void => {
        cleanup();
        socket.on('error', noop);
        socket.destroy();
        reject(signal!.reason);
      };
      socket.on('connect', onConnect);
      socket.on('error', onError);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  listen(options: StreamListenOptions, handlers: StreamListenHandlers): Promise<StreamListener> {
    if (options.path === undefined && options.reusePort === true && !nodeSupportsReusePort()) {
      return Promise.reject(
        new RangeError(`createServer: reusePort needs Node 22.12 or later (this is Node ${process.versions.node}, which would ignore it)`),
      );
    }
    const path = options.path;
    if (path !== undefined) {
      try {
        removeStaleSocket(path);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const server = net.createServer({
      allowHalfOpen: true,
      pauseOnConnect: true,
      noDelay: path === undefined,
      keepAlive: options.keepAlive === true,
    });
    return new Promise<StreamListener>((resolve, reject) => {
      const onListenError = (err: Error): void => {
        server.close();
        reject(err);
      };
      server.once('error', onListenError);
      const listenOptions: net.ListenOptions & { reusePort?: boolean } =
        path !== undefined
          ? { path, backlog: options.backlog, exclusive: true }
          : { host: options.host, port: options.port, backlog: options.backlog, exclusive: true, ipv6Only: options.ipv6Only === true };
      if (path === undefined && options.reusePort === true) listenOptions.reusePort = true;
      server.listen(listenOptions, () => {
        server.off('error', onListenError);
        server.on('error', (err) => handlers.error?.(err));
        const bound = server.address();
        const address: PeerAddress =
          path !== undefined || typeof bound === 'string' || bound === null
            ? (path ?? (bound as string | null) ?? '')
            : { address: bound.address, port: bound.port, family: bound.family === 'IPv6' ? 'IPv6' : 'IPv4' };
        server.on('connection', (socket: net.Socket) => {
          handlers.connection(new NodeRawStream(socket, path !== undefined ? { sockname: address, peername: '' } : {}));
        });
        resolve(new NodeListener(server, address));
      });
    });
  }

  startTls(stream: RawStream, options: StartTlsOptions): Promise<RawStream> {
    if (!(stream instanceof NodeRawStream)) {
      return Promise.reject(new TypeError('startTls: the stream was not made by the Node stream driver'));
    }
    const { signal } = options;
    let detached;
    try {
      detached = stream._detach();
    } catch (e) {
      return Promise.reject(e);
    }
    const { socket, info } = detached;
    const pending = [...detached.pending, ...(options.pending ?? [])];
    return new Promise<RawStream>((resolve, reject) => {
      let tlsSocket: tls.TLSSocket;
      let secureContext: tls.SecureContext;
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        cleanup();
        tlsSocket?.on('error', noop);
        tlsSocket?.destroy();
        socket.on('error', noop);
        socket.destroy();
        reject(err);
      };
      try {
        if (options.serverSide) {
          const opts = tlsServerOptions(options.ssl);
          secureContext = opts.secureContext;
          tlsSocket = new tls.TLSSocket(socket, { ...opts, isServer: true });
        } else {
          const opts = tlsClientOptions(options.ssl, options.serverHostname);
          secureContext = opts.secureContext;
          tlsSocket = tls.connect({ ...opts, socket });
        }
      } catch (e) {
        fail(e);
        return;
      }
      const onSecure = (): void => {
        if (options.serverSide) {
          const verifyError = finishServerHandshake(tlsSocket);
          if (verifyError !== null) {
            fail(verifyError);
            return;
          }
        }
        if (settled) return;
        settled = true;
        cleanup();
        resolve(new NodeRawStream(tlsSocket, { ...info, transport: socket, secureContext }));
      };
      const onClose = (): void => {
        fail(Object.assign(new Error('TLS handshake failed: the connection closed before it completed'), { code: 'ECONNRESET' }));
      };
      const onAbort = (): void => fail(signal!.reason);
      const cleanup = (): void => {
        tlsSocket.off(options.serverSide ? 'secure' : 'secureConnect', onSecure);
        tlsSocket.off('error', fail);
        tlsSocket.off('_tlsError', fail);
        tlsSocket.off('close', onClose);
        tlsSocket.off('end', onClose);
        socket.off('close', onClose);
        signal?.removeEventListener('abort', onAbort);
      };
      tlsSocket.on(options.serverSide ? 'secure' : 'secureConnect', onSecure);
      tlsSocket.on('error', fail);
      // A server-side TLSSocket reports handshake errors as '_tlsError' until it releases control.
      tlsSocket.on('_tlsError', fail);
      tlsSocket.on('close', onClose);
      // Half-open sockets do not close on the peer's EOF by themselves.
      tlsSocket.on('end', onClose);
      socket.on('close', onClose);
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      if (pending.length > 0) {
        // The bytes a transport had read before the upgrade begin the TLS
        // stream (a ClientHello that arrived with the plaintext before it):
        // feed them to the TLS engine as if just read from the socket.
        const handle = (tlsSocket as unknown as TlsSocketInternals)._handle;
        if (typeof handle?.receive !== 'function') {
          fail(new Error('startTls: this Node cannot feed already-read bytes to TLS'));
          return;
        }
        for (const chunk of pending) handle.receive(asBuffer(chunk));
      }
    });
  }

  adopt(socket: unknown): RawStream | null {
    if (!(socket instanceof net.Socket)) return null;
    if (socket.destroyed || socket.connecting) return null;
    // EOF handling is the transport's: Node must not end the write side itself.
    socket.allowHalfOpen = true;
    const info: NodeStreamInfo = {};
    const parent = (socket as unknown as { _parent?: unknown })._parent;
    if ((socket as tls.TLSSocket).encrypted === true && parent instanceof net.Socket) info.transport = parent;
    if (socket.remoteAddress === undefined) {
      // A unix socket: Node knows no addresses there.
      info.sockname = '';
      info.peername = '';
    }
    return new NodeRawStream(socket, info);
  }
}

/** The internals of a TLSSocket that a server-side handshake outside tls.Server needs. */
interface TlsSocketInternals {
  _handle?: { receive?(chunk: Buffer): void } | null;
}

function noop(): void {}

/** asyncio's create_unix_server: a socket file left at `path` (a stale server's) is removed before binding. */
function removeStaleSocket(path: string): void {
  if (path.startsWith('\0')) return; // Linux abstract namespace: no file
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** A listening net.Server. */
class NodeListener implements StreamListener {
  private _closed: Promise<void> | null = null;

  constructor(
    private readonly _server: net.Server,
    readonly address: PeerAddress,
  ) {}

  close(): Promise<void> {
    this._closed ??= new Promise<void>((resolve) => {
      this._server.close(() => resolve());
    });
    return this._closed;
  }
}

