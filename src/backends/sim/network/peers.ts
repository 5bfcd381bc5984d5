import { ScriptMismatchError } from '../../../errors.js';
import { driverCall } from '../../../io/driver-call.js';
import { StreamTransport } from '../../../io/stream-transport.js';
import { StreamReader } from '../../../io/streams/stream-reader.js';
import { StreamReaderProtocol } from '../../../io/streams/stream-reader-protocol.js';
import { StreamWriter } from '../../../io/streams/stream-writer.js';
import type { SocketAddress } from '../../../loop/raw-stream.js';
import type { Task } from '../../../tasks/task.js';
import { runScript, Script } from '../scripted-peer.js';
import { describeEnd, socketAddress } from './hosts.js';
import type { NetworkCore } from './network-core.js';
import { SimRawStream } from './sim-raw-stream.js';
import { connectIp } from './tcp-connect.js';
import type { TcpEnd } from './tcp-end.js';
import { openListener } from './tcp-listener.js';

/** A peer written as code: what `startServer`'s clientConnected is, run on the peer's end of each connection. */
export type StreamHandler = (reader: StreamReader, writer: StreamWriter) => Promise<void> | void;

/** What `network.listen` serves each connection with: a handler, a script for every connection, or one script per connection. */
export type ListenPeer = StreamHandler | Script | readonly Script[];

/** A peer's listening socket (`network.listen`). */
export interface PeerListener {
  /** Where it listens (the real port when 0 was asked for). */
  readonly address: SocketAddress;
  readonly port: number;
  /**
   * Stop listening at once (later connections are refused); resolves once
   * every connection it accepted is closed. Connections stay open.
   */
  close(): Promise<void>;
}

interface PeerStreams {
  reader: StreamReader;
  writer: StreamWriter;
  transport: StreamTransport;
}

/** The peer's reader and writer on its end, made with the io layer's classes so peers see asyncio's semantics. */
function peerStreams(core: NetworkCore, end: TcpEnd): PeerStreams {
  const loop = core.loop;
  const reader = new StreamReader({ loop });
  const protocol = new StreamReaderProtocol(reader, null, { loop });
  const transport = new StreamTransport(loop, new SimRawStream(end), protocol);
  const writer = new StreamWriter(transport, protocol, reader, loop);
  return { reader, writer, transport };
}

/** Errors that only say the peer's connection broke (a fault, the code's reset): the peer's end, not a bug. */
const CONNECTION_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

function isConnectionError(e: unknown): boolean {
  return e instanceof Error && CONNECTION_ERRORS.has((e as { code?: unknown }).code as string);
}

/**
 * Run `body` on a peer's streams as a world task (never counted as leaked)
 * on `host` (its `Date` shows that host's clock skew):
 * a body that throws is reported to the loop's exception handler (a strict
 * world fails the run) and its connection closed, as `startServer` does,
 * unless it threw because its connection broke (`ECONNRESET`, `EPIPE`,
 * `ECONNABORTED`: the peer just ends); a cancelled one (the run is over)
 * closes its connection.
 */
function runPeer(core: NetworkCore, host: string, name: string, streams: PeerStreams, body: StreamHandler): Task<void> {
  const task = core.clocks.onHost(host, () =>
    core.ctx.spawn(name, async () => {
      await streams.transport._ready;
      await body(streams.reader, streams.writer);
    }),
  );
  task.addDoneCallback((t) => {
    if (t.cancelled()) {
      streams.transport.close();
      return;
    }
    const exception = t.exception();
    if (exception === null) return;
    if (!isConnectionError(exception)) {
      core.loop.callExceptionHandler({ message: `Unhandled exception in the network peer ${name}`, exception, transport: streams.transport });
    }
    streams.transport.close();
  });
  return task;
}

function scriptBody(core: NetworkCore, script: Script, where: string): StreamHandler {
  return (reader, writer) => runScript(core.ctx, script, reader, writer, where);
}

/**
 * A peer listens on `host`:`port` (0: a free port). Each connection runs
 * the handler, the script, or the next script of the list (a connection
 * past the last is refused) as a world task on the peer's end. A scripted
 * listener that no connection reached (or a script of the list that none
 * reached) fails the run at its end with a ScriptMismatchError.
 */
export function listenPeer(core: NetworkCore, host: string, port: number, peer: ListenPeer): PeerListener {
  let count = 0;
  let label = `${host}:${port}`;
  const list = Array.isArray(peer) ? (peer as readonly Script[]) : null;
  const entry = openListener(
    core,
    { host, port },
    {
      accepting: () => list === null || count < list.length,
      accept: (end) => {
        const n = ++count;
        const where = `network.listen(${label}) connection ${n}`;
        const body =
          typeof peer === 'function' ? peer : scriptBody(core, list !== null ? list[n - 1]! : (peer as Script), list !== null ? `${where} (script ${n} of ${list.length})` : where);
        runPeer(core, host, `peer ${label} #${n}`, peerStreams(core, end), body);
      },
    },
    false,
  );
  label = describeEnd(entry.boundAddress);
  if (typeof peer !== 'function') {
    const wanted = list === null ? 1 : list.length;
    core.ctx.onRunEnd(() => {
      if (count >= wanted) return null;
      const which = list === null ? 'its script' : `script ${count + 1} of ${list.length}`;
      return new ScriptMismatchError(`network.listen(${label}): no connection ever reached ${which} (${count} connection${count === 1 ? '' : 's'} arrived)`);
    });
  }
  const address = socketAddress(entry.address, entry.port);
  return { address, port: entry.port, close: () => entry.close() };
}

/**
 * A peer client: connect from `from` (and `fromPort`, 0: a free one) to
 * the code under test at `host`:`port`, then run `peer` on the connection.
 * The world task (on host `from`: its `Date` shows that host's clock skew)
 * resolves when the peer is done, and rejects as a real client would
 * (`ECONNREFUSED`, `ETIMEDOUT`).
 */
export function connectPeer(core: NetworkCore, from: string, fromPort: number, host: string, port: number, peer: Script | StreamHandler): Task<void> {
  const label = `${describeEnd(socketAddress(host, port))}`;
  const run = async (): Promise<void> => {
    const end = await driverCall(
      core.loop,
      (signal) => connectIp(core, { host, port, localAddress: from, localPort: fromPort, signal, code: false }),
      { label: `network.connect(${label})`, discard: (e) => e.abort() },
    );
    const streams = peerStreams(core, end);
    try {
      await streams.transport._ready;
      const body = peer instanceof Script ? scriptBody(core, peer, `network.connect(${label})`) : peer;
      await body(streams.reader, streams.writer);
    } catch (e) {
      streams.transport.close();
      throw e;
    }
  };
  return core.clocks.onHost(from, () => core.ctx.spawn(`peer client ${describeEnd(socketAddress(from, fromPort))} -> ${label}`, run));
}
