import type { CapturedContext } from '../../loop/async-context.js';
import type { EventLoop } from '../../loop/event-loop.js';
import type { ChildProcessHandle } from '../../loop/process-driver.js';
import type { Future } from '../../tasks/future.js';
import '../../tasks/loop-methods.js';
import type { StreamProtocol, SubprocessProtocol } from '../protocols.js';
import { toSignalName } from '../signal-methods.js';
import type { SubprocessTransport } from '../transports.js';
import { ReadPipeTransport, WritePipeTransport } from '../pipe-transports.js';

/** asyncio's ProcessLookupError: an `Error` with `code` `'ESRCH'`. */
function processLookupError(pid: number): Error & { code: string } {
  const err = new Error(`process ${pid} has already been reaped (its transport finished)`) as Error & { code: string };
  err.code = 'ESRCH';
  return err;
}

/**
 * The protocol of one of the child's pipes (asyncio's
 * `WriteSubprocessPipeProto` / `ReadSubprocessPipeProto`): it forwards to
 * the subprocess transport, and remembers when its pipe is gone.
 */
class PipeProtocol implements StreamProtocol {
  pipe: ReadPipeTransport | WritePipeTransport | null = null;
  disconnected = false;

  constructor(
    private readonly _proc: BaseSubprocessTransport,
    readonly fd: number,
  ) {}

  connectionLost(error: Error | null): void {
    this.disconnected = true;
    this._proc._pipeConnectionLost(this.fd, error);
  }

  pauseWriting(): void {
    this._proc.getProtocol().pauseWriting?.();
  }

  resumeWriting(): void {
    this._proc.getProtocol().resumeWriting?.();
  }

  dataReceived(data: Uint8Array): void {
    this._proc._pipeDataReceived(this.fd, data);
  }
}

type ProtocolMethod = 'connectionMade' | 'pipeDataReceived' | 'pipeConnectionLost' | 'processExited';

/**
 * asyncio's `BaseSubprocessTransport` over a backend's child process. The
 * protocol hears `connectionMade`, then `pipeDataReceived(fd, data)`,
 * `pipeConnectionLost(fd, error)` and `processExited()` as they happen, and
 * `connectionLost(null)` once the child has exited and all its pipes are
 * closed, each as a loop callback. `close()` closes the pipes and kills a
 * child still running.
 */
export class BaseSubprocessTransport implements SubprocessTransport, AsyncDisposable {
  private _protocol: SubprocessProtocol;
  private _child: ChildProcessHandle | null;
  private readonly _pid: number;
  private _returncode: number | null = null;
  private _closed = false;
  private _finished = false;
  /** The piped fds and their pipe protocols. */
  private readonly _pipes = new Map<number, PipeProtocol>();
  /** What `_wait()` returns to while the child runs. */
  private _exitWaiters: Future<number>[] | null = [];
  /** What `[Symbol.asyncDispose]` waits on: connectionLost has run. */
  private _finishWaiters: Future<void>[] = [];

  /** @internal made by the loop's subprocess methods; call `_connect` next. */
  constructor(
    private readonly _loop: EventLoop,
    protocol: SubprocessProtocol,
    child: ChildProcessHandle,
    private readonly _ctx: CapturedContext,
  ) {
    this._protocol = protocol;
    this._child = child;
    this._pid = child.pid;
  }

  /**
   * @internal Schedule `connectionMade`, connect the child's pipes and
   * start hearing about its exit. Returns a future that settles after
   * `connectionMade` has run (what `subprocessExec` awaits).
   */
  _connect(): Future<void> {
    const child = this._child!;
    // Pipe events and the exit reach the loop only after this, so
    // connectionMade, scheduled first, runs before all of them.
    this._loop._scheduleInContext(this._callProtocol, ['connectionMade', this], this._ctx);
    child.stdio.forEach((raw, fd) => {
      if (raw === null) return;
      const proto = new PipeProtocol(this, fd);
      proto.pipe = fd === 0 ? new WritePipeTransport(this._loop, raw, proto, this._ctx) : new ReadPipeTransport(this._loop, raw, proto, this._ctx);
      this._pipes.set(fd, proto);
    });
    const waiter = this._loop.createFuture<void>();
    waiter._label = 'subprocess start';
    this._loop._scheduleInContext(() => {
      if (!waiter.done()) waiter.setResult();
    }, [], this._ctx);
    child.start({
      exit: (returncode) => {
        if (!this._loop.isClosed()) this._loop._scheduleInContext(this._processExited, [returncode], this._ctx);
      },
    });
    return waiter;
  }

  private readonly _callProtocol = (method: ProtocolMethod, ...args: unknown[]): void => {
    const fn = this._protocol[method] as ((...a: unknown[]) => void) | undefined;
    fn?.apply(this._protocol, args);
  };

  // The pipes' events and the exit arrive in loop callbacks of their own, in
  // the order they happened: the protocol hears them there and then (asyncio
  // adds a call_soon hop; without it, pauseReading on a pipe stops
  // pipeDataReceived at once).

  /** @internal */
  _pipeDataReceived(fd: number, data: Uint8Array): void {
    this._callProtocol('pipeDataReceived', fd, data);
  }

  /** @internal */
  _pipeConnectionLost(fd: number, error: Error | null): void {
    try {
      this._callProtocol('pipeConnectionLost', fd, error);
    } finally {
      this._tryFinish();
    }
  }

  private readonly _processExited = (returncode: number): void => {
    if (this._returncode !== null) return;
    this._returncode = returncode;
    try {
      this._callProtocol('processExited');
    } finally {
      this._tryFinish();
    }
  };

  /** connectionLost comes once the child has exited and every pipe is closed. */
  private _tryFinish(): void {
    if (this._finished || this._returncode === null) return;
    for (const p of this._pipes.values()) if (!p.disconnected) return;
    this._finished = true;
    this._callConnectionLost();
  }

  private readonly _callConnectionLost = (): void => {
    try {
      this._protocol.connectionLost?.(null);
    } finally {
      // wait() returns after connectionLost, as in asyncio.
      for (const w of this._exitWaiters!) if (!w.done()) w.setResult(this._returncode!);
      this._exitWaiters = null;
      for (const w of this._finishWaiters) if (!w.done()) w.setResult();
      this._finishWaiters = [];
      this._child = null;
    }
  };

  /**
   * @internal asyncio's `_wait`: the returncode at once if the child has
   * exited, else once the transport has finished (exit and pipes closed).
   */
  async _wait(): Promise<number> {
    if (this._returncode !== null) return this._returncode;
    const waiter = this._loop.createFuture<number>();
    waiter._label = 'subprocess exit';
    this._exitWaiters!.push(waiter);
    return await waiter;
  }

  getPid(): number {
    return this._pid;
  }

  getReturncode(): number | null {
    return this._returncode;
  }

  getPipeTransport(fd: number): WritePipeTransport | ReadPipeTransport | null {
    return this._pipes.get(fd)?.pipe ?? null;
  }

  /**
   * Send `signal` (a Node name or its number) to the child; nothing once it
   * has exited. An `Error` with code `'ESRCH'` (asyncio's
   * ProcessLookupError) once the transport has finished.
   */
  sendSignal(signal: NodeJS.Signals | number): void {
    const name = toSignalName(signal, 'sendSignal');
    if (this._child === null) throw processLookupError(this._pid);
    this._child.sendSignal(name);
  }

  /** SIGTERM. */
  terminate(): void {
    this.sendSignal('SIGTERM');
  }

  /** SIGKILL. */
  kill(): void {
    this.sendSignal('SIGKILL');
  }

  /** Close the pipes and kill the child if it still runs; `connectionLost` follows once it has exited. Idempotent. */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const p of this._pipes.values()) p.pipe?.close();
    if (this._child !== null && this._returncode === null) this._child.sendSignal('SIGKILL');
  }

  isClosing(): boolean {
    return this._closed;
  }

  /** Close (see `close`) and wait until the child has exited and its pipes are closed. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    if (this._finished && this._child === null) return;
    const waiter = this._loop.createFuture<void>();
    waiter._label = 'subprocess transport close';
    this._finishWaiters.push(waiter);
    await waiter;
  }

  getExtraInfo<T = unknown>(_name: string, defaultValue?: T): T | undefined {
    return defaultValue;
  }

  getProtocol(): SubprocessProtocol {
    return this._protocol;
  }

  setProtocol(protocol: unknown): void {
    this._protocol = protocol as SubprocessProtocol;
  }
}
