import { AsyncLocalStorage } from 'node:async_hooks';
import * as v8 from 'node:v8';
import type { JobMessage, ReplyMessage } from '../../../io/executor/executor-protocol.js';
import { THREAD_WORKER_CODE } from '../../../io/executor/executor-worker-code.js';
import type { JobTimers } from './job-timers.js';

const IMPORT_NAME = '__simloopImport';
const WORKER_CODE = THREAD_WORKER_CODE.replace(/\bimport\(/g, `${IMPORT_NAME}(`);
const hostImport = (specifier: string): Promise<unknown> => import(specifier);

/** The executor job some code belongs to: its id, and where the real timers it makes through a world's fake globals are kept. */
export interface JobScope {
  readonly id: number;
  readonly timers: JobTimers;
}

/**
 * The job the code running now belongs to: set while a job's code starts,
 * so it reaches whatever that code starts (promises, timers, callbacks).
 * Unset everywhere else, the loop included: a job's outcome reaches the loop
 * through loop-internal timers, which capture no context. Enabled by the
 * first job; the fake globals read it only when they make a timer.
 */
const currentJobScope = new AsyncLocalStorage<JobScope>();

/** The executor job the code running now belongs to, if it runs in one (fake globals give it real timers). */
export function currentJob(): JobScope | undefined {
  return currentJobScope.getStore();
}

/** A worker that runs jobs in this thread: `post` a job, replies come to the `onReply` it was made with. */
export interface InProcessWorker {
  /** Start the job now: its code runs synchronously up to its first await, inside this call. */
  post(msg: JobMessage): void;
}

/**
 * The thread pool's own worker code (executor-worker-code.ts), run in this
 * thread on a fake `parentPort`: jobs compile from their source text with
 * an indirect eval (global scope, so a closure's outer variables are not
 * defined, as in a worker), module jobs are `import()`ed, and errors and
 * results are encoded exactly as a worker encodes them. What the worker
 * posts is structured-cloned, as `postMessage` clones it (a result that
 * cannot be cloned gives the same `DataCloneError`). The differences from a
 * thread: a job shares this thread's globals (so a global that only this
 * thread has, or a world's fake `Date`, `performance.now` and
 * `process.hrtime`, are visible to it) and runs when it is posted; and the
 * worker code's shims for compiled sources (`__name`,
 * `__vite_ssr_dynamic_import__`) are defined on this thread's global object,
 * where it lacks them. A job's code runs in its `JobScope` (`currentJob()`),
 * so a world's fake globals give it and what it starts real timers, as a
 * thread has, kept in `timers`.
 */
export function startInProcessWorker(onReply: (reply: ReplyMessage) => void, timers: JobTimers): InProcessWorker {
  let onMessage: ((msg: JobMessage) => void) | null = null;
  const parentPort = {
    on(event: string, listener: (msg: JobMessage) => void): void {
      if (event === 'message') onMessage = listener;
    },
    postMessage(reply: ReplyMessage): void {
      onReply(structuredClone(reply));
    },
  };
  const requireShim = (id: string): unknown => {
    if (id === 'node:v8') return v8;
    if (id === 'node:worker_threads') return { parentPort };
    throw new Error(`in-process executor worker: unexpected require(${JSON.stringify(id)})`);
  };
  // The worker code is CommonJS text that expects `require`; a Function gives
  // it one, and its own scope. Its import() calls go through this module's
  // import() instead: code compiled by `new Function` has no dynamic-import
  // callback where modules are themselves loaded by a vm (vitest), while
  // this module's own import() works wherever the module loaded.
  new Function('require', IMPORT_NAME, WORKER_CODE)(requireShim, hostImport);
  if (onMessage === null) throw new Error('in-process executor worker: the worker code registered no message listener');
  const listener: (msg: JobMessage) => void = onMessage;
  return { post: (msg) => currentJobScope.run({ id: msg.id, timers }, listener, msg) };
}
