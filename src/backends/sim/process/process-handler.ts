import type { StreamReader } from '../../../io/streams/stream-reader.js';
import type { StreamWriter } from '../../../io/streams/stream-writer.js';
import type { WriteTransport } from '../../../io/transports.js';

/**
 * What a simulated program's handler gets: its arguments, environment and
 * standard streams, as a real child sees them.
 */
export interface ProcessContext {
  /** The program as the caller named it (`'/bin/echo'`, or the first word of a shell command line). */
  readonly program: string;
  /** The arguments after the program's name. */
  readonly args: readonly string[];
  /** The `env` option the caller passed, else `{}`: nothing leaks in from the machine. */
  readonly env: Readonly<Record<string, string>>;
  /** The `cwd` option the caller passed, else null. */
  readonly cwd: string | null;
  /** The child's process id. */
  readonly pid: number;
  /** Its stdin: at EOF at once unless the caller piped it. */
  readonly stdin: StreamReader;
  /** Its stdout: into the caller's pipe, else discarded. */
  readonly stdout: StreamWriter<WriteTransport>;
  /** Its stderr: into the caller's pipe (its stdout pipe with `stderr: STDOUT`), else discarded. */
  readonly stderr: StreamWriter<WriteTransport>;
  /**
   * Catch signals: from now on every signal but `SIGKILL` calls `handler`
   * (with the signal's Node name, as a loop callback) instead of ending the
   * program; `null` restores the default (any signal ends it). A handler that
   * throws, or returns a promise that rejects, crashes the program as an
   * uncaught error does (exit code 1, the stack on stderr).
   */
  onSignal(handler: ((signal: NodeJS.Signals) => unknown) | null): void;
}

/**
 * A simulated program: loop code that runs in virtual time as a task of the
 * world, and returns (or resolves to) its exit code, an integer 0..255;
 * `undefined` means 0. Throwing exits with 1 and writes the error's stack to
 * its stderr.
 */
export type ProcessHandler = (ctx: ProcessContext) => number | void | PromiseLike<number | void>;
