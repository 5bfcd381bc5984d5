import { Worker } from 'node:worker_threads';
import { PoolExecutor, type PoolExecutorOptions, type WorkerChannel, type WorkerEvents } from './executor-pool.js';
import { cloneArgs, type EncodedArgs, type JobMessage, type ReplyMessage } from '../../io/executor/executor-protocol.js';
import { THREAD_WORKER_CODE } from '../../io/executor/executor-worker-code.js';

/**
 * concurrent.futures' ThreadPoolExecutor on `node:worker_threads`, and the
 * loop's default executor on Node: `submit(fn, ...args)` runs `fn` in a
 * worker thread, at most `maxWorkers` (default: the number of CPUs) at once.
 * A function travels as its source text and must close over nothing;
 * arguments and results are structured-cloned (see `submit`), so a
 * `SharedArrayBuffer` is shared with the job, as `postMessage` shares it. A
 * job that calls `process.exit()` or crashes its thread rejects, and the
 * thread is replaced. Threads inherit the process's `execArgv`, as Node's
 * do. Idle threads do not keep the process alive; `shutdown()` ends them.
 */
export class ThreadPoolExecutor extends PoolExecutor {
  constructor(options: PoolExecutorOptions = {}) {
    super('ThreadPoolExecutor', options);
  }

  protected _encodeArgs(args: unknown[]): EncodedArgs {
    return cloneArgs(args);
  }

  protected _spawn(events: WorkerEvents): WorkerChannel {
    const worker = new Worker(THREAD_WORKER_CODE, { eval: true, name: 'simloop executor' });
    let error: unknown;
    worker.on('message', (reply: ReplyMessage) => events.message(reply));
    // An uncaught error ends the thread; 'exit' follows and reports it.
    worker.on('error', (err) => {
      error = err;
    });
    worker.on('exit', (code) => events.exit({ code, signal: null, error }));
    return {
      post: (msg: JobMessage) => worker.postMessage(msg),
      ref: () => worker.ref(),
      unref: () => worker.unref(),
      close: () => void worker.terminate(),
      terminate: () => void worker.terminate(),
    };
  }
}
