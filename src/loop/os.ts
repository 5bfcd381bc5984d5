import type { DnsDriver } from './dns-driver.js';
import type { FileDriver } from './file-driver.js';
import type { ProcessDriver } from './process-driver.js';
import type { SignalDriver } from './signal-driver.js';

/**
 * What an EventLoop asks of the operating system beyond time and I/O waits.
 * The loop's own code uses only these members; backends implement them (the
 * Node backend with `node:` modules, a simulation with its fake OS).
 */
export interface Executor {
  /** Run `fn(...args)` away from the loop; resolves to its result, rejects with its error. */
  submit<T>(fn: ((...args: any[]) => T | Promise<T>) | { module: string | URL; export: string }, ...args: unknown[]): Promise<T>;
  /** Stop taking work; with `wait` (default true) resolve once running work has finished. */
  shutdown(wait?: boolean): Promise<void>;
}

/**
 * The OS services a loop uses. Every member is optional: a loop whose OS
 * lacks one rejects the calls that need it with a `TypeError` saying so.
 */
export interface OS {
  /** Make the executor used by `runInExecutor(null, ...)` until `setDefaultExecutor` replaces it. */
  createDefaultExecutor?(): Executor;
  readonly dns?: DnsDriver;
  readonly processes?: ProcessDriver;
  readonly signals?: SignalDriver;
  /** Reading files for `sendfile` / `sockSendfile`. */
  readonly files?: FileDriver;
}
