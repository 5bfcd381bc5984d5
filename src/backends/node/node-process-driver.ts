import { spawn, type ChildProcess, type IOType } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { ChildEvents, ChildProcessHandle, ProcessDriver, SpawnOptions, StdioSpec } from '../../loop/process-driver.js';
import type { RawStream, RawStreamEvents } from '../../loop/raw-stream.js';
import { realSetImmediate } from '../../loop/real-primitives.js';

/** The Node stdio entry for a spec ('stdout' spawns a pipe of its own that is merged into stdout's). */
function nodeStdio(spec: StdioSpec): IOType | number {
  if (spec === 'pipe' || spec === 'stdout') return 'pipe';
  if (spec === 'devnull') return 'ignore';
  return spec;
}

/** asyncio's returncode: the exit status, or minus the number of the signal that ended the child. */
function returncodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal !== null) return -(constants.signals[signal] ?? 0);
  return code ?? 0;
}

/**
 * Child processes on `node:child_process`. `spawn` resolves on the child's
 * `'spawn'` event (so a missing program rejects with `ENOENT` instead of
 * failing later), and a child's pipes are Node sockets wrapped as RawStreams.
 */
export class NodeProcessDriver implements ProcessDriver {
  spawn(options: SpawnOptions): Promise<ChildProcessHandle> {
    return new Promise<ChildProcessHandle>((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = spawn(options.program, [...options.args], {
          cwd: options.cwd,
          env: options.env,
          shell: options.shell,
          stdio: options.stdio.map(nodeStdio),
          windowsHide: true,
        });
      } catch (e) {
        reject(e);
        return;
      }
      const onError = (err: Error): void => {
        // A child that never ran still got its pipes and its process handle:
        // reject once Node has released them all, so a failed spawn holds nothing.
        const pipes = child.stdio.filter((s): s is NonNullable<typeof s> => s != null && !s.closed);
        let open = pipes.length;
        const released = (): void => afterHandlesClosed(() => reject(err));
        if (open === 0) released();
        for (const p of pipes) {
          p.once('close', () => {
            if (--open === 0) released();
          });
          p.destroy();
        }
      };
      child.once('error', onError);
      child.once('spawn', () => {
        child.off('error', onError);
        resolve(new NodeChildHandle(child, options.stdio[2] === 'stdout'));
      });
    });
  }
}

/** A spawned child: its exit held until `start`, its pipes as RawStreams. */
class NodeChildHandle implements ChildProcessHandle {
  readonly pid: number;
  readonly stdio: readonly [RawStream | null, RawStream | null, RawStream | null];
  private _events: ChildEvents | null = null;
  private _returncode: number | null = null;

  constructor(
    private readonly _child: ChildProcess,
    mergeStderr: boolean,
  ) {
    this.pid = _child.pid!;
    const { stdin, stdout, stderr } = _child;
    const out: Readable[] = [];
    if (stdout !== null) out.push(stdout);
    if (mergeStderr && stderr !== null) out.push(stderr);
    this.stdio = [
      stdin === null ? null : new WritePipeStream(stdin),
      out.length === 0 ? null : new ReadPipeStream(out),
      stderr === null || mergeStderr ? null : new ReadPipeStream([stderr]),
    ];
    // After a successful spawn the only 'error' left is a failed kill(), which
    // sendSignal reports through kill()'s result: never let it be uncaught.
    _child.on('error', noop);
    _child.once('exit', (code, signal) => {
      // Node closes the child's handle as it emits 'exit': report the exit
      // once that is done, so that a transport which has finished holds nothing.
      afterHandlesClosed(() => {
        this._returncode = returncodeOf(code, signal);
        this._events?.exit(this._returncode);
      });
    });
  }

  start(events: ChildEvents): void {
    this._events = events;
    if (this._returncode !== null) events.exit(this._returncode);
  }

  sendSignal(signal: NodeJS.Signals): boolean {
    if (this._returncode !== null || this._child.exitCode !== null || this._child.signalCode !== null) return false;
    return this._child.kill(signal);
  }
}

function noop(): void {}

/**
 * Call `fn` once the handles Node is closing now are released. A handle's
 * close completes in libuv's close phase, after this iteration's immediates;
 * an immediate queued from an immediate runs in the next iteration, after it.
 */
function afterHandlesClosed(fn: () => void): void {
  realSetImmediate(() => realSetImmediate(fn));
}

/**
 * The child's stdout (and, merged, its stderr): one RawStream over one or
 * more Node readables, ending when all have ended. Nothing is read before
 * `start` (Node buffers, then stops reading, until a listener attaches).
 */
class ReadPipeStream implements RawStream {
  readonly writeBufferSize = 0;
  readonly canWriteEof = false;
  private _events: RawStreamEvents | null = null;
  private _ended = 0;
  private _closed = 0;
  private _error: Error | null = null;
  private _reported = false;

  constructor(private readonly _sources: Readable[]) {
    for (const s of _sources) {
      // An error before start must not be uncaught; it is reported with close.
      s.on('error', (err: Error) => {
        this._error ??= err;
      });
    }
  }

  start(events: RawStreamEvents): void {
    this._events = events;
    for (const s of this._sources) {
      s.on('data', (chunk: Buffer) => {
        if (chunk.length > 0 && !this._reported) events.data(chunk);
      });
      s.once('end', () => {
        if (++this._ended === this._sources.length && !this._reported) events.end();
      });
      // Already closed (the pipe failed before start): its 'close' has been emitted.
      if (s.closed) this._onSourceClosed();
      else s.once('close', this._onSourceClosed);
    }
  }

  private readonly _onSourceClosed = (): void => {
    if (++this._closed < this._sources.length || this._reported) return;
    this._reported = true;
    this._events?.close(this._error);
  };

  write(_chunk: Uint8Array): void {}

  writeEof(): void {}

  close(): void {
    for (const s of this._sources) s.destroy();
  }

  abort(): void {
    this.close();
  }

  pauseReading(): void {
    for (const s of this._sources) s.pause();
  }

  resumeReading(): void {
    for (const s of this._sources) s.resume();
  }

  getExtraInfo(name: string): unknown {
    return name === 'pipe' ? this._sources[0] : undefined;
  }
}

/**
 * The child's stdin as a RawStream. Node destroys it when the child exits
 * (so its close is reported then); a write the child can no longer read
 * fails with `EPIPE`, reported with close.
 */
class WritePipeStream implements RawStream {
  readonly canWriteEof = true;
  private _events: RawStreamEvents | null = null;
  private _error: Error | null = null;
  private _needDrain = false;

  constructor(private readonly _sink: Writable) {
    _sink.on('error', (err: Error) => {
      this._error ??= err;
    });
  }

  get writeBufferSize(): number {
    return this._sink.destroyed ? 0 : this._sink.writableLength;
  }

  start(events: RawStreamEvents): void {
    this._events = events;
    const onClose = (): void => events.close(this._error);
    // Already closed (the child exited before start): its 'close' has been emitted.
    if (this._sink.closed) onClose();
    else this._sink.once('close', onClose);
  }

  write(chunk: Uint8Array): void {
    const sink = this._sink;
    if (sink.destroyed || sink.writableEnded) return;
    this._needDrain = true;
    sink.write(chunk, this._afterWrite);
  }

  private readonly _afterWrite = (err?: Error | null): void => {
    if (err != null || !this._needDrain || this._sink.writableLength !== 0) return;
    this._needDrain = false;
    this._events?.drain();
  };

  writeEof(): void {
    if (!this._sink.destroyed) this._sink.end();
  }

  close(): void {
    this.writeEof();
  }

  abort(): void {
    this._sink.destroy();
  }

  pauseReading(): void {}

  resumeReading(): void {}

  getExtraInfo(name: string): unknown {
    return name === 'pipe' ? this._sink : undefined;
  }
}
