import { EventLoopError } from '../errors.js';
import { EventLoop } from '../loop/event-loop.js';
import type { PipeDriver } from '../loop/pipe-driver.js';
import type { RawStream } from '../loop/raw-stream.js';
import { afterConnectionMade } from './connection-made.js';
import { ReadPipeTransport, WritePipeTransport } from './pipe-transports.js';
import type { StreamProtocol } from './protocols.js';

declare module '../loop/event-loop.js' {
  interface EventLoop {
    /**
     * asyncio's `connect_read_pipe`: read `pipe` (an fd, or a Node Readable
     * such as `process.stdin`, a `net.Socket`, an `fs` stream; a regular
     * file is read through an `fs` stream) with the protocol's
     * `dataReceived`/`eofReceived`/`connectionLost`. Resolves to
     * `[transport, protocol]` once `connectionMade` has run. The transport
     * owns the pipe: closing it closes the pipe.
     */
    connectReadPipe<P extends StreamProtocol>(protocolFactory: () => P, pipe: unknown): Promise<[ReadPipeTransport, P]>;
    /**
     * asyncio's `connect_write_pipe`: write to `pipe` (an fd, or a Node
     * Writable such as a child's stdin, a `net.Socket`, an `fs` stream)
     * with flow control. Resolves to `[transport, protocol]` once
     * `connectionMade` has run. The transport owns the pipe.
     */
    connectWritePipe<P extends StreamProtocol>(protocolFactory: () => P, pipe: unknown): Promise<[WritePipeTransport, P]>;
  }
}

function pipeDriver(loop: EventLoop, where: string): PipeDriver {
  const driver = loop._selector.pipes;
  if (driver === undefined) throw new TypeError(`${where}: this loop's selector has no pipe driver (Selector.pipes)`);
  return driver;
}


function connectPipe<P extends StreamProtocol, T extends { close(): void }>(
  loop: EventLoop,
  where: string,
  protocolFactory: () => P,
  open: (driver: PipeDriver) => RawStream,
  make: (raw: RawStream, protocol: P, ctx: ReturnType<EventLoop['_captureContext']>) => T,
): Promise<[T, P]> {
  if (typeof protocolFactory !== 'function') throw new TypeError(`${where}: protocolFactory must be a function, got ${typeof protocolFactory}`);
  if (loop.isClosed()) throw new EventLoopError('Event loop is closed');
  const driver = pipeDriver(loop, where);
  // Bad pipes throw here, at the call, before the protocol exists.
  const raw = open(driver);
  let protocol: P;
  try {
    protocol = protocolFactory();
  } catch (err) {
    raw.abort();
    throw err;
  }
  const ctx = loop._captureContext();
  const transport = make(raw, protocol, ctx);
  return afterConnectionMade(loop, ctx, () => transport.close()).then((): [T, P] => [transport, protocol]);
}

EventLoop.prototype.connectReadPipe = function connectReadPipe<P extends StreamProtocol>(this: EventLoop, protocolFactory: () => P, pipe: unknown) {
  return connectPipe(this, 'connectReadPipe', protocolFactory, (d) => d.openReadPipe(pipe), (raw, protocol, ctx) => new ReadPipeTransport(this, raw, protocol, ctx));
};

EventLoop.prototype.connectWritePipe = function connectWritePipe<P extends StreamProtocol>(this: EventLoop, protocolFactory: () => P, pipe: unknown) {
  return connectPipe(this, 'connectWritePipe', protocolFactory, (d) => d.openWritePipe(pipe), (raw, protocol, ctx) => new WritePipeTransport(this, raw, protocol, ctx));
};
