import type { RawStream } from '../../../loop/raw-stream.js';
import type {
  StartTlsOptions,
  StreamConnectOptions,
  StreamDriver,
  StreamListener,
  StreamListenHandlers,
  StreamListenOptions,
} from '../../../loop/stream-driver.js';
import { startSimTls } from '../sim-tls.js';
import type { NetworkCore } from './network-core.js';
import { SimRawStream } from './sim-raw-stream.js';
import { connectIp, connectUnix } from './tcp-connect.js';
import type { TcpEnd } from './tcp-end.js';
import { openListener, type ListenPlace } from './tcp-listener.js';
import { describeEnd as describe, normalizeAddress } from './hosts.js';

/**
 * The simulated network's StreamDriver: what `createConnection`,
 * `createServer`, the unix variants, `startTls` and the sock* methods use
 * inside a simulation. Everything happens in virtual time; errors are the
 * Node driver's (`ECONNREFUSED`, `ETIMEDOUT`, `ENOENT`, `EADDRINUSE`).
 * `keepAlive` and `backlog` change nothing here; `reusePort` shares a port
 * among listeners that all set it (connections take turns).
 */
export class SimStreamDriver implements StreamDriver {
  constructor(private readonly _core: NetworkCore) {}

  async connect(options: StreamConnectOptions): Promise<RawStream> {
    const core = this._core;
    const end =
      options.path !== undefined
        ? await connectUnix(core, options.path, options.signal)
        : await connectIp(core, {
            host: options.host,
            port: options.port,
            localAddress: options.localAddress,
            localPort: options.localPort,
            signal: options.signal,
            code: true,
          });
    return new SimRawStream(end);
  }

  async listen(options: StreamListenOptions, handlers: StreamListenHandlers): Promise<StreamListener> {
    const place: ListenPlace =
      options.path !== undefined
        ? { path: options.path }
        : { host: normalizeAddress(options.host), port: options.port, ipv6Only: options.ipv6Only, reusePort: options.reusePort };
    const acceptor = { accepting: () => true, accept: (end: TcpEnd) => handlers.connection(new SimRawStream(end)) };
    return openListener(this._core, place, acceptor, true).asStreamListener();
  }

  async startTls(stream: RawStream, options: StartTlsOptions): Promise<RawStream> {
    if (!(stream instanceof SimRawStream)) throw new TypeError('startTls: the stream was not made by the simulated network');
    const handed = stream._handOver();
    const end = handed._end;
    const core = this._core;
    end.conn.tls = true;
    const out = `conn#${end.conn.id} ${describe(end.local)} -> ${describe(end.remote)}`;
    const back = `conn#${end.conn.id} ${describe(end.remote)} -> ${describe(end.local)}`;
    // Traces keep plaintext byte counts, never ciphertext (API.md).
    const plain = {
      sent: (n: number) => core.trace('send', `${out} ${n}B`),
      received: (n: number) => core.trace('recv', `${back} ${n}B`),
    };
    return startSimTls(core.ctx, handed, options, plain);
  }

  adopt(socket: unknown): RawStream | null {
    return socket instanceof SimRawStream && socket._fresh ? socket : null;
  }
}
