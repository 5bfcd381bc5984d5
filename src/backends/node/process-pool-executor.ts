import { spawn } from 'node:child_process';
import { realSetImmediate } from '../../loop/real-primitives.js';
import { PoolExecutor, type PoolExecutorOptions, type WorkerChannel, type WorkerEvents } from './executor-pool.js';
import { serializeArgs, type EncodedArgs, type JobMessage, type ReplyMessage } from '../../io/executor/executor-protocol.js';
import { PROCESS_WORKER_CODE } from '../../io/executor/executor-worker-code.js';

/**
 * concurrent.futures' ProcessPoolExecutor on child processes: `submit(fn,
 * ...args)` runs `fn` in a child `node` process (started with `node -e` and
 * an IPC channel with advanced serialization), at most `maxWorkers` (default:
 * the number of CPUs) at once. The children run plain Node (no loader flags
 * of the parent), share its stdout and stderr, and exit when the parent goes.
 * A function travels as its source text and must close over nothing;
 * arguments and results are structured-cloned (see `submit`); memory cannot
 * be shared with another process, so a `SharedArrayBuffer` is a
 * `DataCloneError`. A job that calls `process.exit()` or crashes its process
 * rejects, and the process is replaced. Idle processes do not keep the
 * parent alive; `shutdown()` ends them.
 */
export class ProcessPoolExecutor extends PoolExecutor {
  constructor(options: PoolExecutorOptions = {}) {
    super('ProcessPoolExecutor', options);
  }

  protected _encodeArgs(args: unknown[]): EncodedArgs {
    return serializeArgs(args);
  }

  protected _spawn(events: WorkerEvents): WorkerChannel {
    const child = spawn(process.execPath, ['-e', PROCESS_WORKER_CODE], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
      windowsHide: true,
    });
    let error: unknown;
    child.on('message', (reply: ReplyMessage) => events.message(reply));
    // Gone once the process has exited and its IPC channel has closed. ('close'
    // is no use here: Node never emits it when the parent disconnected.) Node
    // releases the process handle one libuv iteration after 'exit', hence the
    // two hops, after which nothing of this worker is left among the active resources.
    let exited: { code: number | null; signal: string | null } | null = null;
    let reported = false;
    const maybeGone = (): void => {
      if (exited === null || child.connected || reported) return;
      reported = true;
      const info = { ...exited, error };
      realSetImmediate(() => realSetImmediate(() => events.exit(info)));
    };
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      maybeGone();
    });
    child.on('disconnect', maybeGone);
    child.on('error', (err) => {
      error ??= err;
      // A process that could not be spawned has no pid, and may never emit 'exit'.
      if (child.pid === undefined && exited === null) {
        exited = { code: null, signal: null };
        maybeGone();
      }
    });
    const refChannel = (on: boolean): void => {
      const channel = child.channel as { ref?(): void; unref?(): void } | null | undefined;
      if (on) channel?.ref?.();
      else channel?.unref?.();
    };
    return {
      post: (msg: JobMessage) => {
        if (!child.connected) throw new Error('ProcessPoolExecutor: the worker process is no longer connected');
        child.send(msg);
      },
      ref: () => {
        child.ref();
        refChannel(true);
      },
      unref: () => {
        child.unref();
        refChannel(false);
      },
      // The worker exits when its IPC channel closes.
      close: () => {
        if (child.connected) child.disconnect();
        else if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
      terminate: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    };
  }
}
