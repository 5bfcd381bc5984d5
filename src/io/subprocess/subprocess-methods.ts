import { CancelledError, EventLoopError } from '../../errors.js';
import { EventLoop } from '../../loop/event-loop.js';
import type { ChildProcessHandle, ProcessDriver, SpawnOptions, StdioSpec } from '../../loop/process-driver.js';
import { ensureFuture } from '../../tasks/ensure-future.js';
import '../../tasks/loop-methods.js';
import { SubprocessProtocolBase, type SubprocessProtocol } from '../protocols.js';
import type { SubprocessTransport } from '../transports.js';
import { DEVNULL, PIPE, STDOUT, type StdioOption } from './constants.js';
import { BaseSubprocessTransport } from './subprocess-transport.js';

/** Options of `subprocessExec`/`subprocessShell` (asyncio's keyword arguments). */
export interface SubprocessOptions {
  /** The child's stdin: `PIPE` (the default here), `DEVNULL`, `null` (inherit) or a file descriptor. */
  stdin?: StdioOption | { fd: number };
  /** The child's stdout: as `stdin`. */
  stdout?: StdioOption | { fd: number };
  /** The child's stderr: as `stdin`, or `STDOUT` (into wherever stdout goes). */
  stderr?: StdioOption | { fd: number };
  /** The child's working directory. */
  cwd?: string;
  /** The child's whole environment (default: this process's). */
  env?: Record<string, string | undefined>;
}

declare module '../../loop/event-loop.js' {
  interface EventLoop {
    /**
     * asyncio's `subprocess_exec`: start `program` with `args` (found on
     * PATH, no shell) and connect its pipes to a new protocol. Resolves to
     * `[transport, protocol]` once `connectionMade` has run; rejects with
     * the Node error (`code` `'ENOENT'`, `'EACCES'`, ...) when the program
     * cannot start. Each stdio defaults to `PIPE`. Bad arguments throw at
     * the call (`TypeError`, `RangeError`).
     */
    subprocessExec<P extends SubprocessProtocol>(
      protocolFactory: () => P,
      program: string,
      args?: readonly string[],
      opts?: SubprocessOptions,
    ): Promise<[SubprocessTransport & AsyncDisposable, P]>;
    /** asyncio's `subprocess_shell`: as `subprocessExec`, running `cmd` with the shell (`/bin/sh -c`). */
    subprocessShell<P extends SubprocessProtocol>(protocolFactory: () => P, cmd: string, opts?: SubprocessOptions): Promise<[SubprocessTransport & AsyncDisposable, P]>;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'string') return JSON.stringify(v);
  return typeof v;
}

/** One stdio option as the driver's spec; `STDOUT` is resolved by the caller. */
function toSpec(value: unknown, name: string, where: string, dflt: StdioSpec): StdioSpec {
  if (value === undefined) return dflt;
  if (value === null) return 'inherit';
  if (typeof value === 'object' && typeof (value as { fd?: unknown }).fd === 'number') value = (value as { fd: number }).fd;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${where}: opts.${name} must be PIPE, DEVNULL, null (inherit) or a file descriptor, got ${describe(value)}`);
  }
  if (value === PIPE) return 'pipe';
  if (value === DEVNULL) return 'devnull';
  if (value === STDOUT) throw new RangeError(`${where}: STDOUT is only valid for opts.stderr, not opts.${name}`);
  if (value < 0) throw new RangeError(`${where}: opts.${name} must be PIPE, DEVNULL, null (inherit) or a file descriptor >= 0, got ${value}`);
  return value;
}

/** The driver's stdio specs for `opts`; `dflt` is what an absent option means (PIPE here, inherit for Process). */
export function stdioSpecs(opts: SubprocessOptions, where: string, dflt: StdioSpec): [StdioSpec, StdioSpec, StdioSpec] {
  const stdin = toSpec(opts.stdin, 'stdin', where, dflt);
  const stdout = toSpec(opts.stdout, 'stdout', where, dflt);
  let stderr: StdioSpec;
  if (opts.stderr === STDOUT) {
    // stderr goes where stdout goes: into its pipe (merged by the driver), or to the same place.
    stderr = stdout === 'pipe' ? 'stdout' : stdout === 'inherit' ? 1 : stdout;
  } else {
    stderr = toSpec(opts.stderr, 'stderr', where, dflt);
  }
  return [stdin, stdout, stderr];
}

function checkOptions(opts: unknown, where: string): SubprocessOptions {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object') throw new TypeError(`${where}: opts must be an object, got ${describe(opts)}`);
  const o = opts as SubprocessOptions;
  if (o.cwd !== undefined && typeof o.cwd !== 'string') throw new TypeError(`${where}: opts.cwd must be a string, got ${describe(o.cwd)}`);
  if (o.env !== undefined && (o.env === null || typeof o.env !== 'object')) {
    throw new TypeError(`${where}: opts.env must be an object of strings, got ${describe(o.env)}`);
  }
  return o;
}

function envOf(env: Record<string, string | undefined> | undefined, where: string): Record<string, string> | undefined {
  if (env === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new TypeError(`${where}: opts.env.${k} must be a string, got ${describe(v)}`);
    out[k] = v;
  }
  return out;
}

/** Spawn options for `subprocessExec`/`subprocessShell` and their Process counterparts, checked. */
export function spawnOptions(
  program: string,
  args: readonly string[],
  shell: boolean,
  opts: unknown,
  where: string,
  dflt: StdioSpec,
): SpawnOptions {
  const o = checkOptions(opts, where);
  const spawn: { -readonly [K in keyof SpawnOptions]: SpawnOptions[K] } = { program, args, shell, stdio: stdioSpecs(o, where, dflt) };
  if (o.cwd !== undefined) spawn.cwd = o.cwd;
  const env = envOf(o.env, where);
  if (env !== undefined) spawn.env = env;
  return spawn;
}

/** `program` and `args` of an exec, checked. */
export function checkExec(program: unknown, args: unknown, where: string): readonly string[] {
  if (typeof program !== 'string' || program.length === 0) {
    throw new TypeError(`${where}: program must be a non-empty string, got ${describe(program)}`);
  }
  if (args === undefined) return [];
  if (!Array.isArray(args)) throw new TypeError(`${where}: args must be an array of strings, got ${describe(args)}`);
  args.forEach((a, i) => {
    if (typeof a !== 'string') throw new TypeError(`${where}: args[${i}] must be a string, got ${describe(a)}`);
  });
  return args.slice();
}

/** A shell command line, checked. */
export function checkShell(cmd: unknown, where: string): void {
  if (typeof cmd !== 'string') throw new TypeError(`${where}: cmd must be a string, got ${describe(cmd)}`);
}

/** The loop's process driver; `TypeError` naming it when the loop's OS has none. */
export function processDriver(loop: EventLoop, where: string): ProcessDriver {
  const driver = loop._os?.processes;
  if (driver === undefined) throw new TypeError(`${where}: this loop's OS has no processes driver`);
  return driver;
}

/**
 * Start a child and connect it to `protocolFactory()`'s protocol (asyncio's
 * `_make_subprocess_transport`): resolves once connectionMade has run. A
 * caller cancelled while the child starts gets its CancelledError, and the
 * child is killed and released once it has started.
 */
export async function startSubprocess<P extends SubprocessProtocol>(
  loop: EventLoop,
  driver: ProcessDriver,
  protocolFactory: () => P,
  options: SpawnOptions,
): Promise<[BaseSubprocessTransport, P]> {
  const protocol = protocolFactory();
  const ctx = loop._captureContext();
  const spawning = driver.spawn(options);
  let child: ChildProcessHandle;
  try {
    child = await ensureFuture(spawning, loop);
  } catch (e) {
    if (e instanceof CancelledError) {
      spawning.then((h) => {
        if (!loop.isClosed()) {
          const orphan = new BaseSubprocessTransport(loop, new SubprocessProtocolBase(), h, ctx);
          void orphan._connect();
          orphan.close();
        } else {
          h.sendSignal('SIGKILL');
        }
      }, noop);
    }
    throw e;
  }
  const transport = new BaseSubprocessTransport(loop, protocol, child, ctx);
  try {
    await transport._connect();
  } catch (e) {
    // Cancelled while connecting: as asyncio, close (killing the child) and wait for it before re-raising.
    transport.close();
    await transport._wait().catch(noop);
    throw e;
  }
  return [transport, protocol];
}

function noop(): void {}

EventLoop.prototype.subprocessExec = function subprocessExec<P extends SubprocessProtocol>(
  this: EventLoop,
  protocolFactory: () => P,
  program: string,
  args?: readonly string[],
  opts?: SubprocessOptions,
): Promise<[SubprocessTransport & AsyncDisposable, P]> {
  const where = 'subprocessExec';
  if (this.isClosed()) throw new EventLoopError('Event loop is closed');
  if (typeof protocolFactory !== 'function') throw new TypeError(`${where}: protocolFactory must be a function, got ${describe(protocolFactory)}`);
  const argv = checkExec(program, args, where);
  const options = spawnOptions(program, argv, false, opts, where, 'pipe');
  return startSubprocess(this, processDriver(this, where), protocolFactory, options);
};

EventLoop.prototype.subprocessShell = function subprocessShell<P extends SubprocessProtocol>(
  this: EventLoop,
  protocolFactory: () => P,
  cmd: string,
  opts?: SubprocessOptions,
): Promise<[SubprocessTransport & AsyncDisposable, P]> {
  const where = 'subprocessShell';
  if (this.isClosed()) throw new EventLoopError('Event loop is closed');
  if (typeof protocolFactory !== 'function') throw new TypeError(`${where}: protocolFactory must be a function, got ${describe(protocolFactory)}`);
  checkShell(cmd, where);
  const options = spawnOptions(cmd, [], true, opts, where, 'pipe');
  return startSubprocess(this, processDriver(this, where), protocolFactory, options);
};
