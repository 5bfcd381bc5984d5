import type { RawStream } from './raw-stream.js';

/**
 * Where one of a child's standard file descriptors goes: `'pipe'` (a new pipe,
 * given back as a RawStream), `'devnull'` (the null device), `'inherit'` (this
 * process's same fd), a file descriptor of this process, or, for stderr only,
 * `'stdout'`: into the stdout pipe (the driver merges the two; stdout is then
 * `'pipe'`).
 */
export type StdioSpec = 'pipe' | 'devnull' | 'inherit' | 'stdout' | number;

/** What to start: a program with its arguments, or a shell command line. */
export interface SpawnOptions {
  /** The program (found on PATH as `execvp` does), or with `shell` the command line. */
  readonly program: string;
  /** The arguments after the program's name (empty with `shell`). */
  readonly args: readonly string[];
  /** Run `program` with the platform's shell (`/bin/sh -c` on Unix). */
  readonly shell: boolean;
  /** The child's working directory; default this process's. */
  readonly cwd?: string;
  /** The child's whole environment; default this process's. */
  readonly env?: Readonly<Record<string, string>>;
  /** fds 0, 1 and 2. */
  readonly stdio: readonly [StdioSpec, StdioSpec, StdioSpec];
}

/** What a child reports. */
export interface ChildEvents {
  /**
   * The child exited: `returncode` is its exit status, or minus the number
   * of the signal that ended it. Reported once; its pipes may still be open.
   */
  exit(returncode: number): void;
}

/** A running (or exited) child process of a backend. */
export interface ChildProcessHandle {
  readonly pid: number;
  /** The child's stdin, stdout and stderr pipes, where the spec was `'pipe'` (stdout also for a merged stderr); else null. */
  readonly stdio: readonly [RawStream | null, RawStream | null, RawStream | null];
  /**
   * Begin reporting (call once); an exit that happened before is reported
   * then. The exit is reported only once the backend holds nothing more for
   * the process itself (its pipes report their own close), so that a
   * transport which has finished leaves no handle behind.
   */
  start(events: ChildEvents): void;
  /**
   * Send `signal` (a valid Node signal name) to the child. Returns false,
   * and does nothing, once the child has exited.
   */
  sendSignal(signal: NodeJS.Signals): boolean;
}

/** Child processes: spawning, their stdio pipes as RawStreams, signals to them, exit status. */
export interface ProcessDriver {
  /**
   * Start a child. Resolves once it runs; rejects with an `Error` carrying
   * the errno `code` (`'ENOENT'`, `'EACCES'`, ...) when it could not start,
   * holding nothing then.
   */
  spawn(options: SpawnOptions): Promise<ChildProcessHandle>;
}
