import type { ChildProcessHandle, ProcessDriver, SpawnOptions } from '../../loop/process-driver.js';
import type { ProcessHandler } from './process/process-handler.js';
import { shellWords } from './process/shell-words.js';
import { SimChild } from './process/sim-child.js';
import type { SimContext, SimIo, SimOs, SimPart } from './sim-context.js';

export type { ProcessContext, ProcessHandler } from './process/process-handler.js';

/** The first pid a world gives; each spawn takes the next. */
const FIRST_PID = 1000;

/** Node's error for a program that could not be found. */
function enoent(program: string, args: readonly string[]): Error {
  const err = new Error(`spawn ${program} ENOENT`) as Error & Record<string, unknown>;
  err.errno = -2;
  err.code = 'ENOENT';
  err.syscall = `spawn ${program}`;
  err.path = program;
  err.spawnargs = [...args];
  return err;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** What `sh` does with an empty command line: nothing, successfully. */
const emptyCommand: ProcessHandler = () => 0;

/** What `sh` does with a command it cannot find: says so on stderr and exits 127. */
const commandNotFound: ProcessHandler = ({ program, stderr }) => {
  stderr.write(`/bin/sh: 1: ${program}: not found\n`);
  return 127;
};

/**
 * The world's child processes: programs are handlers the test defines, run
 * in virtual time as tasks of the world, with stdio over in-memory pipes.
 * `subprocessExec`, `subprocessShell`, `createSubprocessExec` and
 * `createSubprocessShell` start them; pids count from 1000; spawns and exits
 * are traced (kind `'process'`).
 *
 * Where a child's stdio is not piped (`DEVNULL`, inherited, a file
 * descriptor), its stdin is at EOF at once and what it writes is discarded: a
 * simulation has no terminal to inherit. `stderr: STDOUT` merges stderr into
 * the stdout pipe, in write order.
 */
export class SimProcesses implements SimPart {
  /** @internal */ readonly _ctx: SimContext;
  private readonly _programs = new Map<string, ProcessHandler>();
  private _nextPid = FIRST_PID;
  private readonly _driver: ProcessDriver = {
    spawn: (options) => {
      try {
        return Promise.resolve(this._spawn(options));
      } catch (e) {
        return Promise.reject(e);
      }
    },
  };

  constructor(ctx: SimContext) {
    this._ctx = ctx;
  }

  /**
   * Define `program` (defining it again replaces the handler, as installing
   * another binary would). The handler gets `{ program, args, env, cwd, pid,
   * stdin, stdout, stderr, onSignal }` (`env` is the caller's `env` option,
   * else `{}`) and returns (or resolves to) the exit code, 0..255
   * (`undefined` is 0; anything else fails the run); a handler that throws
   * exits with 1, its error's stack on its stderr. `kill()` always ends it
   * (returncode -9) and cancels its task; `terminate()`/`sendSignal()` end it
   * with minus the signal's number unless it called `onSignal`.
   *
   * How a program is found: an exec looks up the exact name, then (for a path
   * such as `'/bin/echo'`) its basename; an unknown one rejects with Node's
   * `ENOENT` error (`spawn foo ENOENT`). A shell command line runs the handler
   * defined under that exact line (with no args) if there is one; else it is
   * split into words as `/bin/sh` splits a simple command (blanks, quotes,
   * backslashes), the first word is the program (looked up as for an exec)
   * and the rest are its args; an unknown program exits 127 with `/bin/sh: 1:
   * foo: not found` on stderr, as the shell does, and an empty line exits 0.
   * A line that needs more of a shell (pipes, lists, redirections,
   * expansions, assignments) fails the run with a `RangeError`, and the spawn
   * rejects with it: define that exact line instead.
   */
  define(program: string, handler: ProcessHandler): void {
    if (typeof program !== 'string' || program.length === 0) {
      throw new TypeError(`define: program must be a non-empty string, got ${typeof program === 'string' ? '""' : typeof program}`);
    }
    if (typeof handler !== 'function') throw new TypeError(`define: handler must be a function, got ${handler === null ? 'null' : typeof handler}`);
    this._programs.set(program, handler);
  }

  /** Forget `program`; true if it was defined. Children already running go on. */
  remove(program: string): boolean {
    if (typeof program !== 'string') throw new TypeError(`remove: program must be a string, got ${typeof program}`);
    return this._programs.delete(program);
  }

  /** @internal */
  _install(_io: SimIo, os: SimOs): void {
    os.processes = this._driver;
  }

  private _lookup(program: string): ProcessHandler | undefined {
    return this._programs.get(program) ?? (program.includes('/') ? this._programs.get(basename(program)) : undefined);
  }

  private _spawn(options: SpawnOptions): ChildProcessHandle {
    let program = options.program;
    let args = options.args;
    let handler: ProcessHandler | undefined;
    if (!options.shell) {
      handler = this._lookup(program);
      if (handler === undefined) throw enoent(program, args);
    } else {
      handler = this._programs.get(program);
      if (handler === undefined) {
        const words = shellWords(program);
        if (words === null) {
          const err = new RangeError(
            `SimProcesses: cannot run the shell command line ${JSON.stringify(program)} (pipes, lists, redirections, expansions and assignments need a real shell): define that exact command line with world.processes.define(${JSON.stringify(program)}, handler)`,
          );
          this._ctx.fail(err);
          throw err;
        }
        program = words[0] ?? '';
        args = words.slice(1);
        handler = words.length === 0 ? emptyCommand : (this._lookup(program) ?? commandNotFound);
      } else {
        args = [];
      }
    }
    return new SimChild(this._ctx, {
      pid: this._nextPid++,
      program,
      args: [...args],
      env: { ...options.env },
      cwd: options.cwd ?? null,
      stdio: options.stdio,
      handler,
    });
  }
}
