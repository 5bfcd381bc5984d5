import type { EventLoop } from '../../loop/event-loop.js';
import { getRunningLoop } from '../../loop/running-loop.js';
import type { Future } from '../../tasks/future.js';
import { gather } from '../../tasks/gather.js';
import '../../tasks/loop-methods.js';
import type { SubprocessProtocol } from '../protocols.js';
import { FlowControlProtocol } from '../streams/flow-control.js';
import { DEFAULT_LIMIT, StreamReader, checkLimit } from '../streams/stream-reader.js';
import { StreamWriter } from '../streams/stream-writer.js';
import type { ReadTransport, SubprocessTransport, WriteTransport } from '../transports.js';
import { checkExec, checkShell, processDriver, spawnOptions, startSubprocess, type SubprocessOptions } from './subprocess-methods.js';
import type { BaseSubprocessTransport } from './subprocess-transport.js';

/** Options of `createSubprocessExec`/`createSubprocessShell`: as the loop methods', with the readers' limit. */
export interface ProcessOptions extends SubprocessOptions {
  /** The stdout/stderr readers' buffer limit in bytes (default 64 KiB). */
  limit?: number;
}

/**
 * asyncio's `SubprocessStreamProtocol`: the child's stdout and stderr feed
 * StreamReaders, its stdin is a StreamWriter with `drain()` backpressure,
 * and once the child has exited and its output pipes are closed the
 * transport is closed.
 */
export class SubprocessStreamProtocol extends FlowControlProtocol implements SubprocessProtocol {
  /** The child's stdin as a stream, once connected (null when not piped). */
  stdin: StreamWriter<WriteTransport> | null = null;
  /** The child's stdout as a stream, once connected (null when not piped). */
  stdout: StreamReader | null = null;
  /** The child's stderr as a stream, once connected (null when not piped or merged into stdout). */
  stderr: StreamReader | null = null;
  private _transport: SubprocessTransport | null = null;
  private _processExited = false;
  private readonly _pipeFds: number[] = [];
  private readonly _stdinClosed: Future<void>;

  constructor(
    private readonly _limit: number,
    loop: EventLoop,
  ) {
    super({ loop });
    this._stdinClosed = loop.createFuture<void>();
  }

  // `any`: the base class is a stream protocol, whose connectionMade takes a stream Transport.
  override connectionMade(transport: any): void {
    const t = transport as SubprocessTransport;
    this._transport = t;
    const out = t.getPipeTransport(1) as ReadTransport | null;
    if (out !== null) {
      this.stdout = new StreamReader({ limit: this._limit, loop: this._loop });
      this.stdout._setTransport(out);
      this._pipeFds.push(1);
    }
    const err = t.getPipeTransport(2) as ReadTransport | null;
    if (err !== null) {
      this.stderr = new StreamReader({ limit: this._limit, loop: this._loop });
      this.stderr._setTransport(err);
      this._pipeFds.push(2);
    }
    const stdin = t.getPipeTransport(0) as WriteTransport | null;
    if (stdin !== null) this.stdin = new StreamWriter<WriteTransport>(stdin, this, null, this._loop);
  }

  pipeDataReceived(fd: number, data: Uint8Array): void {
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    if (reader === null) return;
    // A pipe transport's chunk is nobody else's once delivered: the reader
    // keeps it without a copy (as StreamReaderProtocol does). A string is copied.
    if (data instanceof Uint8Array) reader._feedOwned(data);
    else reader.feedData(data);
  }

  pipeConnectionLost(fd: number, error: Error | null): void {
    if (fd === 0) {
      this.stdin?.close();
      this.connectionLost(error);
      if (error === null) {
        this._stdinClosed.setResult();
      } else {
        this._stdinClosed.setException(error);
        // waitClosed() need not be called: an error nobody asked for is not reported.
        this._stdinClosed._markRetrieved();
      }
      return;
    }
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    if (reader !== null) {
      if (error === null) reader.feedEof();
      else reader.setException(error);
    }
    const i = this._pipeFds.indexOf(fd);
    if (i >= 0) this._pipeFds.splice(i, 1);
    this._maybeCloseTransport();
  }

  processExited(): void {
    this._processExited = true;
    this._maybeCloseTransport();
  }

  private _maybeCloseTransport(): void {
    if (this._pipeFds.length === 0 && this._processExited && this._transport !== null) {
      this._transport.close();
      this._transport = null;
    }
  }

  /** @internal what `stdin.waitClosed()` awaits. */
  _getCloseWaiter(_writer: StreamWriter<any>): Future<void> {
    return this._stdinClosed;
  }
}

/** Errors of a child that stopped reading: `communicate` ignores them (asyncio's BrokenPipeError, ConnectionResetError). */
function isBrokenPipe(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ECONNRESET';
}

/**
 * asyncio.subprocess.Process: a child started by `createSubprocessExec` or
 * `createSubprocessShell`, with its pipes as streams (`null` where not
 * piped). `returncode` is null until it exits, minus the signal's number
 * when a signal ended it.
 */
export class Process implements AsyncDisposable {
  /** The child's stdin, when `stdin: PIPE`. */
  readonly stdin: StreamWriter<WriteTransport> | null;
  /** The child's stdout, when `stdout: PIPE`. */
  readonly stdout: StreamReader | null;
  /** The child's stderr, when `stderr: PIPE`. */
  readonly stderr: StreamReader | null;
  private readonly _transport: BaseSubprocessTransport;

  /** @internal made by createSubprocessExec/createSubprocessShell */
  constructor(transport: BaseSubprocessTransport, protocol: SubprocessStreamProtocol) {
    this._transport = transport;
    this.stdin = protocol.stdin;
    this.stdout = protocol.stdout;
    this.stderr = protocol.stderr;
  }

  /** The child's process id. */
  get pid(): number {
    return this._transport.getPid();
  }

  /** The exit status, minus the signal's number when a signal ended the child, or null while it runs. */
  get returncode(): number | null {
    return this._transport.getReturncode();
  }

  /**
   * Wait for the child to exit and return its returncode. As in asyncio, a
   * child that fills a pipe nobody reads can block forever: use
   * `communicate` then.
   */
  wait(): Promise<number> {
    return this._transport._wait();
  }

  /**
   * Send `input` (if any) to stdin and close it, read stdout and stderr to
   * EOF, wait for the child to exit; resolves to `[stdout, stderr]`, each
   * null when not piped. A child that stops reading its stdin (`EPIPE`) is
   * not an error.
   */
  async communicate(input?: Uint8Array | string | null): Promise<[stdout: Uint8Array | null, stderr: Uint8Array | null]> {
    if (input !== undefined && input !== null && typeof input !== 'string' && !(input instanceof Uint8Array)) {
      throw new TypeError(`communicate: input must be a Uint8Array, a string or null, got ${typeof input}`);
    }
    const [, stdout, stderr] = await gather([
      () => (this.stdin !== null ? this._feedStdin(this.stdin, input ?? null) : null),
      () => this._readStream(1),
      () => this._readStream(2),
    ]);
    await this.wait();
    return [stdout, stderr];
  }

  private async _feedStdin(stdin: StreamWriter<WriteTransport>, input: Uint8Array | string | null): Promise<null> {
    try {
      if (input !== null) {
        stdin.write(input);
        await stdin.drain();
      }
    } catch (e) {
      if (!isBrokenPipe(e)) throw e;
    }
    stdin.close();
    return null;
  }

  private async _readStream(fd: 1 | 2): Promise<Uint8Array | null> {
    const stream = fd === 1 ? this.stdout : this.stderr;
    if (stream === null) return null;
    const output = await stream.read();
    this._transport.getPipeTransport(fd)?.close();
    return output;
  }

  /** Send `signal` (a Node name such as `'SIGTERM'`, or its number); nothing once the child has exited. */
  sendSignal(signal: NodeJS.Signals | number): void {
    this._transport.sendSignal(signal);
  }

  /** SIGTERM. */
  terminate(): void {
    this._transport.terminate();
  }

  /** SIGKILL. */
  kill(): void {
    this._transport.kill();
  }

  /** Close the pipes, kill the child if it still runs, and wait until it has exited and Node released it. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this._transport[Symbol.asyncDispose]();
  }

  toString(): string {
    return `<Process ${this.pid}>`;
  }
}

function checkProcessOptions(opts: unknown, where: string): number {
  if (opts === undefined || opts === null || typeof opts !== 'object') return DEFAULT_LIMIT;
  const limit = (opts as ProcessOptions).limit;
  return limit === undefined ? DEFAULT_LIMIT : checkLimit(limit, where);
}

async function startProcess(loop: EventLoop, limit: number, start: (factory: () => SubprocessStreamProtocol) => Promise<[BaseSubprocessTransport, SubprocessStreamProtocol]>): Promise<Process> {
  const [transport, protocol] = await start(() => new SubprocessStreamProtocol(limit, loop));
  return new Process(transport, protocol);
}

/**
 * asyncio's `create_subprocess_exec`: start `program` with `args` (no
 * shell) on the running loop. Each stdio defaults to `null`, inheriting this
 * process's; pass `PIPE` to get a stream. Rejects with the Node error
 * (`ENOENT`, ...) when the program cannot start; bad arguments throw.
 */
export function createSubprocessExec(program: string, args: readonly string[] = [], opts?: ProcessOptions): Promise<Process> {
  const where = 'createSubprocessExec';
  const loop = getRunningLoop();
  const argv = checkExec(program, args, where);
  const options = spawnOptions(program, argv, false, opts, where, 'inherit');
  const limit = checkProcessOptions(opts, where);
  const driver = processDriver(loop, where);
  return startProcess(loop, limit, (factory) => startSubprocess(loop, driver, factory, options));
}

/** asyncio's `create_subprocess_shell`: as `createSubprocessExec`, running `cmd` with the shell (`/bin/sh -c`). */
export function createSubprocessShell(cmd: string, opts?: ProcessOptions): Promise<Process> {
  const where = 'createSubprocessShell';
  const loop = getRunningLoop();
  checkShell(cmd, where);
  const options = spawnOptions(cmd, [], true, opts, where, 'inherit');
  const limit = checkProcessOptions(opts, where);
  const driver = processDriver(loop, where);
  return startProcess(loop, limit, (factory) => startSubprocess(loop, driver, factory, options));
}
