import { CancelledError } from '../../../errors.js';
import { afterConnectionMade } from '../../../io/connection-made.js';
import { ReadPipeTransport, WritePipeTransport } from '../../../io/pipe-transports.js';
import { signalNumber } from '../../../io/signal-methods.js';
import { StreamReader } from '../../../io/streams/stream-reader.js';
import { StreamReaderProtocol } from '../../../io/streams/stream-reader-protocol.js';
import { StreamWriter } from '../../../io/streams/stream-writer.js';
import type { WriteTransport } from '../../../io/transports.js';
import type { CapturedContext } from '../../../loop/async-context.js';
import { HandleKind } from '../../../loop/handle.js';
import type { ChildEvents, ChildProcessHandle, StdioSpec } from '../../../loop/process-driver.js';
import type { RawStream } from '../../../loop/raw-stream.js';
import type { Task } from '../../../tasks/task.js';
import type { SimContext } from '../sim-context.js';
import type { ProcessContext, ProcessHandler } from './process-handler.js';
import { SimPipe, type PipeReadEnd, type PipeWriteEnd } from './sim-pipe.js';

/** What to run in a simulated child, resolved by SimProcesses. */
export interface ChildSpec {
  readonly pid: number;
  /** The program as the caller named it. */
  readonly program: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd: string | null;
  readonly stdio: readonly [StdioSpec, StdioSpec, StdioSpec];
  readonly handler: ProcessHandler;
}

const SIGKILL = 'SIGKILL';

/** A read end nobody reads from the code under test ('devnull', 'inherit', an fd): what arrives is discarded. */
function discard(reader: PipeReadEnd): void {
  reader.start({
    data() {},
    end: () => reader.close(),
    drain() {},
    close() {},
  });
}

/** What an uncaught error prints on stderr, as Node prints it. */
function crashText(error: unknown): string {
  if (error instanceof Error) return `${error.stack ?? `${error.name}: ${error.message}`}\n`;
  return `Uncaught ${typeof error === 'string' ? JSON.stringify(error) : String(error)}\n`;
}

/** `handler`'s result as an exit code, or the error that makes it one that is not. */
function exitCodeOf(result: unknown, program: string): number | Error {
  if (result === undefined) return 0;
  if (typeof result !== 'number' || !Number.isInteger(result)) {
    return new TypeError(`SimProcesses: the handler of ${JSON.stringify(program)} must return an exit code (an integer 0..255) or undefined, got ${typeof result === 'number' ? result : typeof result}`);
  }
  if (result < 0 || result > 255) return new RangeError(`SimProcesses: the handler of ${JSON.stringify(program)} returned exit code ${result}, outside 0..255`);
  return result;
}

/** The streams a running handler was given, as the child closes them when it exits. */
interface ChildStreams {
  readonly stdinTransport: ReadPipeTransport;
  readonly stdin: StreamReader;
  readonly stdout: StreamWriter<WriteTransport>;
  readonly stderr: StreamWriter<WriteTransport>;
}

/**
 * One simulated child process: its handler runs as a task of the world,
 * with stdio over in-memory pipes (SimPipe) whose other ends the code under
 * test gets. When the handler returns, its stdin is closed and its stdout and
 * stderr are closed once what it wrote is in the pipes (a child blocked on a
 * full pipe nobody reads does not exit, as a real one would not); then the
 * exit is reported. `SIGKILL`, or any signal the handler does not catch with
 * `onSignal`, ends it at once: the handler's task is cancelled, what it had
 * not yet written is dropped (bytes already in a pipe stay readable), and the
 * returncode is minus the signal's number.
 */
export class SimChild implements ChildProcessHandle {
  readonly pid: number;
  readonly stdio: readonly [RawStream | null, RawStream | null, RawStream | null];
  private readonly _stdinEnd: PipeReadEnd;
  private readonly _stdoutEnd: PipeWriteEnd;
  private readonly _stderrEnd: PipeWriteEnd;
  private _state: 'running' | 'exiting' | 'dead' = 'running';
  private _returncode: number | null = null;
  private _events: ChildEvents | null = null;
  private _exitReported = false;
  private _signalHandler: { readonly fn: (signal: NodeJS.Signals) => unknown; readonly ctx: CapturedContext } | null = null;
  /** An error that crashed the program outside its handler's own code (a signal handler's). */
  private _crash: { readonly error: unknown } | null = null;
  private readonly _task: Task<void>;

  constructor(
    private readonly _sim: SimContext,
    private readonly _spec: ChildSpec,
  ) {
    const loop = _sim.loop;
    this.pid = _spec.pid;
    const [inSpec, outSpec, errSpec] = _spec.stdio;
    const stdin = new SimPipe(loop);
    // Not piped: the child reads EOF at once (a simulation has no terminal to inherit).
    if (inSpec !== 'pipe') stdin.writers[0]!.close();
    const merged = errSpec === 'stdout';
    const stdout = new SimPipe(loop, merged ? 2 : 1);
    if (outSpec !== 'pipe') discard(stdout.reader);
    const stderr = merged ? stdout : new SimPipe(loop);
    if (!merged && errSpec !== 'pipe') discard(stderr.reader);
    this._stdinEnd = stdin.reader;
    this._stdoutEnd = stdout.writers[0]!;
    this._stderrEnd = merged ? stdout.writers[1]! : stderr.writers[0]!;
    this.stdio = [
      inSpec === 'pipe' ? stdin.writers[0]! : null,
      outSpec === 'pipe' ? stdout.reader : null,
      !merged && errSpec === 'pipe' ? stderr.reader : null,
    ];
    _sim.trace('process', `spawn ${_spec.program} pid ${this.pid}`);
    this._task = _sim.spawn(`${_spec.program}[${this.pid}]`, () => this._run());
  }

  start(events: ChildEvents): void {
    this._events = events;
    if (this._returncode !== null) this._reportExit();
  }

  sendSignal(signal: NodeJS.Signals): boolean {
    if (this._returncode !== null) return false;
    this._sim.trace('process', `signal ${signal} pid ${this.pid}`);
    const caught = this._signalHandler;
    if (signal !== SIGKILL && caught !== null && this._state === 'running') {
      this._sim.loop._scheduleInContext(this._deliverSignal, [caught.fn, signal], caught.ctx);
    } else {
      this._die(-signalNumber(signal));
    }
    return true;
  }

  private readonly _deliverSignal = (fn: (signal: NodeJS.Signals) => unknown, signal: NodeJS.Signals): void => {
    if (this._state !== 'running') return;
    try {
      const r = fn(signal);
      if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function') {
        (r as PromiseLike<unknown>).then(undefined, (e: unknown) => this._crashWith(e));
      }
    } catch (e) {
      this._crashWith(e);
    }
  };

  /** An uncaught error outside the handler's own flow: end the handler as its own throw would. */
  private _crashWith(error: unknown): void {
    if (this._state !== 'running' || this._crash !== null) return;
    this._crash = { error };
    this._task.cancel();
  }

  private async _run(): Promise<void> {
    try {
      const streams = await this._openStreams();
      const code = await this._runHandler(streams);
      if (this._state !== 'running') return;
      this._state = 'exiting';
      await this._closeStreams(streams);
      this._exit(code);
    } catch (e) {
      if (this._state === 'dead') return;
      // Only the world's own cancellation, once main has returned, gets here.
      this._die(-signalNumber(SIGKILL));
      throw e;
    }
  }

  /** The handler's stdio as streams over its pipe ends, once their transports are connected. */
  private async _openStreams(): Promise<ChildStreams> {
    const loop = this._sim.loop;
    const ctx = loop._captureContext();
    const stdin = new StreamReader({ loop });
    const stdinTransport = new ReadPipeTransport(loop, this._stdinEnd, new StreamReaderProtocol(stdin, null, { loop }), ctx);
    const writer = (end: PipeWriteEnd): StreamWriter<WriteTransport> => {
      const protocol = new StreamReaderProtocol(null, null, { loop });
      return new StreamWriter<WriteTransport>(new WritePipeTransport(loop, end, protocol, ctx), protocol, null, loop);
    };
    const streams = { stdinTransport, stdin, stdout: writer(this._stdoutEnd), stderr: writer(this._stderrEnd) };
    // A kill meanwhile has already closed the pipe ends under the transports.
    await afterConnectionMade(loop, ctx, noop);
    return streams;
  }

  /** Run the handler to its exit code: 1 (its stack on stderr) when it throws or crashed. */
  private async _runHandler(streams: ChildStreams): Promise<number> {
    const spec = this._spec;
    const context: ProcessContext = {
      program: spec.program,
      args: spec.args,
      env: spec.env,
      cwd: spec.cwd,
      pid: this.pid,
      stdin: streams.stdin,
      stdout: streams.stdout,
      stderr: streams.stderr,
      onSignal: (fn) => {
        if (fn !== null && typeof fn !== 'function') throw new TypeError(`onSignal: handler must be a function or null, got ${typeof fn}`);
        this._signalHandler = fn === null ? null : { fn, ctx: this._sim.loop._captureContext() };
      },
    };
    let failure: { error: unknown } | null = null;
    let result: unknown;
    try {
      result = await spec.handler(context);
    } catch (e) {
      if (this._state === 'dead') throw e;
      // The world's cancellation (main has returned) is not the program's failure.
      if (this._crash === null && e instanceof CancelledError && this._task.cancelling() > 0) throw e;
      failure = { error: e };
    }
    if (this._crash !== null) {
      // The signal handler's error wins over what the cancellation made of the handler.
      this._task.uncancel();
      failure = this._crash;
    }
    if (failure !== null) {
      streams.stderr.write(crashText(failure.error));
      return 1;
    }
    const code = exitCodeOf(result, spec.program);
    if (typeof code === 'number') return code;
    // A handler's bad exit code is a bug in the test: fail the run, and exit as a crash.
    this._sim.fail(code);
    streams.stderr.write(crashText(code));
    return 1;
  }

  /** Close stdin, and stdout and stderr once what the handler wrote is in the pipes (or its reader is gone). */
  private async _closeStreams(streams: ChildStreams): Promise<void> {
    streams.stdinTransport.close();
    streams.stdout.close();
    streams.stderr.close();
    for (const w of [streams.stdout, streams.stderr]) {
      try {
        await w.waitClosed();
      } catch {
        // EPIPE: the reader went away; the bytes are lost, as a real child's would be.
      }
    }
  }

  /** End the process now (a signal): drop what it has not written, cancel its handler, report the exit. */
  private _die(returncode: number): void {
    if (this._returncode !== null) return;
    this._state = 'dead';
    this._stdinEnd.close();
    this._stdoutEnd.abort();
    this._stderrEnd.abort();
    if (!this._task.done()) this._task.cancel();
    this._exit(returncode);
  }

  private _exit(returncode: number): void {
    if (this._returncode !== null) return;
    this._state = 'dead';
    this._returncode = returncode;
    this._sim.trace('process', `exit ${this._spec.program} pid ${this.pid} returncode ${returncode}`);
    // After the pipes' own events that are already scheduled, as a real exit is seen after its output.
    if (!this._sim.loop.isClosed()) this._sim.loop._scheduleInternal(this._reportExit, [], null, HandleKind.Callback);
  }

  private readonly _reportExit = (): void => {
    if (this._events === null || this._exitReported || this._returncode === null) return;
    this._exitReported = true;
    this._events.exit(this._returncode);
  };
}

function noop(): void {}
