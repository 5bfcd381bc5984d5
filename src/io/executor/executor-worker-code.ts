/**
 * The code a worker runs, as CommonJS source text: a worker thread evaluates
 * it (`new Worker(code, { eval: true })`) and a child process runs it with
 * `node -e`. Keeping it a string means no worker file has to be found next to
 * the library, so it works alike from the TypeScript sources (vitest, tsx)
 * and from the bundles in dist/. It is plain JavaScript on purpose: no
 * compiler touches it.
 *
 * The protocol is in executor-protocol.ts: one job at a time, `{ id, job,
 * args | payload }` in, `{ id, ok, value | payload | error | thrown }` out.
 */

/** The part both kinds of worker share: compiling, running and reporting a job. `send` is defined by the prelude. */
const CORE = String.raw`
const v8 = require('node:v8');
// Compilers rewrite the functions they compile, so a submitted function's
// source text may call their helpers, which the worker must then provide.
// esbuild with keepNames (tsx) inserts calls to __name into function bodies.
if (typeof globalThis.__name !== 'function') {
  Object.defineProperty(globalThis, '__name', { value: (f) => f, configurable: true, writable: true });
}
// Vitest (vite's SSR transform) rewrites import() in test code into a call
// of this helper, and the rewritten text is what a submitted function carries.
if (typeof globalThis.__vite_ssr_dynamic_import__ !== 'function') {
  Object.defineProperty(globalThis, '__vite_ssr_dynamic_import__', { value: (specifier) => import(specifier), configurable: true, writable: true });
}
const compiled = new Map();
const indirectEval = eval;
function compile(source) {
  let fn = compiled.get(source);
  if (fn !== undefined) return fn;
  try {
    fn = indirectEval('(' + source + '\n)');
  } catch (err) {
    // A method's source ('name(a) { ... }') is no expression on its own.
    if (!(err instanceof SyntaxError)) throw err;
    const holder = indirectEval('({' + source + '\n})');
    fn = holder[Object.keys(holder)[0]];
  }
  if (typeof fn !== 'function') throw new TypeError('the submitted source text is not a function');
  if (compiled.size >= 256) compiled.delete(compiled.keys().next().value);
  compiled.set(source, fn);
  return fn;
}
async function runJob(job, msg) {
  let fn;
  if (job.kind === 'fn') {
    fn = compile(job.source);
  } else {
    const mod = await import(job.module);
    fn = mod[job.export];
    if (typeof fn !== 'function') {
      throw new TypeError('module ' + job.module + ' has no exported function named ' + JSON.stringify(job.export) + ' (found ' + typeof fn + ')');
    }
  }
  const args = msg.payload !== undefined ? v8.deserialize(msg.payload) : msg.args;
  return await fn(...args);
}
const CLOSURE_HINT = ' (a function submitted to an executor travels as its source text and runs in a worker, so it cannot use variables from where it was written: pass them as arguments, or submit { module, export })';
function addClosureHint(err) {
  try {
    const old = err.message;
    // Read the stack first: V8 formats it lazily, from the message as it is at the first read.
    const stack = err.stack;
    err.message = old + CLOSURE_HINT;
    if (typeof stack === 'string') {
      const head = err.name + ': ' + old;
      err.stack = stack.startsWith(head) ? err.name + ': ' + err.message + stack.slice(head.length) : stack;
    }
  } catch {}
  return err;
}
function cloneable(value) {
  try { return v8.serialize(value); } catch { return null; }
}
function encodeError(err, depth) {
  const props = {};
  let any = false;
  for (const key of Object.keys(err)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause') continue;
    let value;
    try { value = err[key]; } catch { continue; }
    if (cloneable(value) !== null) { props[key] = value; any = true; }
  }
  if (err instanceof AggregateError && Array.isArray(err.errors) && cloneable(err.errors) !== null) {
    props.errors = err.errors;
    any = true;
  }
  const rec = {
    name: String(err.name),
    message: String(err.message),
    stack: typeof err.stack === 'string' ? err.stack : undefined,
    props: any ? v8.serialize(props) : null,
  };
  if ('cause' in err && err.cause !== undefined && depth < 8) {
    const cause = err.cause;
    if (cause instanceof Error) rec.cause = encodeError(cause, depth + 1);
    else {
      const bytes = cloneable(cause);
      rec.cause = { value: bytes !== null ? bytes : v8.serialize(String(cause)) };
    }
  }
  return rec;
}
function errorReply(id, err) {
  if (err instanceof Error) return { id, ok: false, error: encodeError(err, 0) };
  const bytes = cloneable(err);
  if (bytes !== null) return { id, ok: false, thrown: bytes };
  return { id, ok: false, error: encodeError(new Error('the job threw a value that could not be cloned: ' + String(err)), 0) };
}
function onJob(msg) {
  runJob(msg.job, msg).then(
    (result) => {
      try {
        sendResult(msg.id, result);
      } catch (err) {
        send(errorReply(msg.id, new DOMException('the result of the job could not be cloned: ' + (err && err.message), 'DataCloneError')));
      }
    },
    (err) => {
      if (msg.job.kind === 'fn' && err instanceof ReferenceError) addClosureHint(err);
      send(errorReply(msg.id, err));
    },
  );
}
`;

/** A worker thread: jobs arrive on the parent port; an uncaught error ends the thread and reaches the executor as the Worker's 'error' event. */
export const THREAD_WORKER_CODE = String.raw`
const { parentPort } = require('node:worker_threads');
function send(msg) { parentPort.postMessage(msg); }
// postMessage clones (and throws DataCloneError) itself.
function sendResult(id, value) { parentPort.postMessage({ id, ok: true, value }); }
parentPort.on('message', (msg) => onJob(msg));
` + CORE;

/**
 * A child process: jobs arrive on the IPC channel (advanced serialization).
 * It exits when the channel closes (the executor shut it down, or the parent
 * died), and reports an uncaught error before it exits.
 */
export const PROCESS_WORKER_CODE = String.raw`
function send(msg) { if (process.connected) process.send(msg); }
// Serializing first turns a value that cannot be cloned into an error reply.
function sendResult(id, value) { send({ id, ok: true, payload: v8.serialize(value) }); }
process.on('message', (msg) => onJob(msg));
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', (err) => {
  const rec = err instanceof Error ? encodeError(err, 0) : encodeError(new Error('uncaught non-error value: ' + String(err)), 0);
  if (!process.connected) process.exit(70);
  process.send({ crash: rec }, () => process.exit(70));
  // The process is broken: it takes no more jobs, whatever happens to the message.
  process.removeAllListeners('message');
});
` + CORE;
