import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deserialize, serialize } from 'node:v8';

/**
 * The messages between an executor and its workers (threads or child
 * processes), and the conversions on the executor's side: a job spec from
 * what `submit` was given, arguments to bytes, results and errors back.
 *
 * Arguments are cloned at `submit` (the structured clone algorithm), so a
 * non-cloneable argument rejects at once and a queued job runs with the
 * arguments as they were when it was submitted. A worker thread receives the
 * clone by `postMessage` (which shares a `SharedArrayBuffer`, as structured
 * cloning does between threads); a child process receives `v8.serialize`
 * bytes. Results come back the same way. Errors travel as plain records,
 * because structured cloning keeps neither a custom `name` nor properties
 * such as `code`.
 */

/** A module job: `submit({ module, export }, ...args)` runs that module's exported function. */
export interface ModuleJob {
  module: string | URL;
  export: string;
}

/** What a worker is asked to run: a function's source text, or a module's export. */
export type JobSpec = { kind: 'fn'; source: string } | { kind: 'module'; module: string; export: string };

/** The arguments of a job as they travel: cloned values (to a thread) or `v8.serialize` bytes (to a process). */
export type EncodedArgs = { args: unknown[] } | { payload: Uint8Array };

/** Executor -> worker: run one job. */
export type JobMessage = { id: number; job: JobSpec } & EncodedArgs;

/** An error as a worker reports it: enough to rebuild it with its name, message, stack and own properties. */
export interface ErrorRecord {
  name: string;
  message: string;
  stack: string | undefined;
  /** Own enumerable properties that could be cloned (`code`, `errno`...), as `v8.serialize` bytes. */
  props: Uint8Array | null;
  cause?: ErrorRecord | { value: Uint8Array };
}

/** Worker -> executor: a job's outcome, or the worker's last words before it dies. */
export type ReplyMessage =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: true; payload: Uint8Array }
  | { id: number; ok: false; error: ErrorRecord }
  /** something that is not an Error was thrown: the value itself, cloned */
  | { id: number; ok: false; thrown: Uint8Array }
  /** an uncaught exception is about to end the worker (child processes only) */
  | { crash: ErrorRecord };

/** The constructors whose instances `decodeError` rebuilds as such (anything else becomes an `Error` with its `name`). */
const BUILTIN_ERRORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** Turn what `submit` was given into a job spec. Throws `TypeError` naming the parameter. */
export function makeJobSpec(where: string, fn: unknown): JobSpec {
  if (typeof fn === 'function') {
    const source = Function.prototype.toString.call(fn);
    // A native or bound function has no source a worker could evaluate.
    if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
      throw new TypeError(`${where}: fn must be a function with JavaScript source (it travels to the worker as its source text), got the native or bound function ${fn.name || '(anonymous)'}`);
    }
    if (/^class[\s{]/.test(source)) {
      throw new TypeError(`${where}: fn must be a function, got a class`);
    }
    return { kind: 'fn', source };
  }
  if (fn !== null && typeof fn === 'object' && 'module' in fn) {
    const { module, export: name } = fn as ModuleJob;
    if (typeof name !== 'string' || name === '') {
      throw new TypeError(`${where}: fn.export must be the name of the module's exported function, got ${typeof name === 'string' ? '""' : typeof name}`);
    }
    return { kind: 'module', module: resolveModule(where, module), export: name };
  }
  throw new TypeError(`${where}: fn must be a function or { module, export }, got ${fn === null ? 'null' : typeof fn}`);
}

/**
 * A module specifier the worker can `import()`: a URL as is; a path (absolute,
 * or relative to `process.cwd()`) as a file URL; anything else (a package
 * name) as is, for the worker to resolve.
 */
function resolveModule(where: string, module: unknown): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module === '') {
    throw new TypeError(`${where}: fn.module must be a URL or a path, got ${module === '' ? '""' : typeof module}`);
  }
  if (isAbsolute(module)) return pathToFileURL(module).href;
  // Windows' `C:\` is absolute, so only real URL schemes reach this test.
  if (/^[a-zA-Z][a-zA-Z\d+.-]*:/.test(module)) return module;
  const path = resolve(process.cwd(), module);
  if (module.startsWith('./') || module.startsWith('../') || module.startsWith('.\\') || module.startsWith('..\\') || existsSync(path)) {
    return pathToFileURL(path).href;
  }
  return module;
}

/**
 * The arguments as bytes, for a child process; a value that cannot be cloned
 * gives a `DOMException` named `DataCloneError`, as `structuredClone` would.
 */
export function serializeArgs(args: unknown[]): EncodedArgs {
  try {
    return { payload: serialize(args) };
  } catch (err) {
    throw new DOMException(`arguments of the job could not be cloned: ${(err as Error)?.message ?? String(err)}`, 'DataCloneError');
  }
}

/** The arguments cloned, for a worker thread; `DataCloneError` as `structuredClone` throws it. */
export function cloneArgs(args: unknown[]): EncodedArgs {
  try {
    return { args: structuredClone(args) };
  } catch (err) {
    if (err instanceof DOMException && err.name === 'DataCloneError') {
      throw new DOMException(`arguments of the job could not be cloned: ${err.message}`, 'DataCloneError');
    }
    throw err;
  }
}

/** Rebuild a worker's error: same `name`, message, stack and cloneable own properties. */
export function decodeError(rec: ErrorRecord): Error {
  const Ctor = Object.hasOwn(BUILTIN_ERRORS, rec.name) ? BUILTIN_ERRORS[rec.name]! : Error;
  const err = new Ctor(rec.message);
  if (err.name !== rec.name) {
    Object.defineProperty(err, 'name', { value: rec.name, writable: true, enumerable: false, configurable: true });
  }
  if (rec.props !== null) {
    try {
      Object.assign(err, deserialize(rec.props));
    } catch {
      // The worker checked each property; a failure here loses extras, never the error.
    }
  }
  if (rec.cause !== undefined) {
    const cause = 'value' in rec.cause ? deserialize(rec.cause.value) : decodeError(rec.cause);
    Object.defineProperty(err, 'cause', { value: cause, writable: true, enumerable: false, configurable: true });
  }
  Object.defineProperty(err, 'stack', { value: rec.stack ?? `${rec.name}: ${rec.message}`, writable: true, enumerable: false, configurable: true });
  return err;
}

/** The outcome a reply carries: `{ ok: true, value }` or `{ ok: false, error }`. */
export function decodeReply(reply: Exclude<ReplyMessage, { crash: ErrorRecord }>): { ok: true; value: unknown } | { ok: false; error: unknown } {
  if (reply.ok) return { ok: true, value: 'payload' in reply ? deserialize(reply.payload) : reply.value };
  if ('error' in reply) return { ok: false, error: decodeError(reply.error) };
  return { ok: false, error: deserialize(reply.thrown) };
}
