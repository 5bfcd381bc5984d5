import type { DatagramDriver } from './datagram-driver.js';
import type { PipeDriver } from './pipe-driver.js';
import type { StreamDriver } from './stream-driver.js';

/**
 * How an EventLoop waits when nothing is ready. On Node, I/O arrives through
 * Node's own callbacks (which schedule loop callbacks and so wake the loop),
 * so the selector's part is the idle wait itself: a real timer in production,
 * a clock jump or a deadlock check in a simulation.
 */
export interface Selector {
  /**
   * The loop has no ready callback: end the wait by calling `onWake()` after at
   * most `timeoutMs` real milliseconds (`Infinity`: only when interrupted).
   * Calling `onWake(error)` instead fails the run: `runForever` rejects with
   * `error` (a simulation reports a deadlock this way). Called only while no
   * other wait is in progress.
   */
  wait(timeoutMs: number, onWake: (error?: unknown) => void): void;
  /** End the wait in progress at once without calling its `onWake`: a callback became ready. */
  cancelWait(): void;
  /** Release whatever the selector holds (timers keeping the process alive). Idempotent. */
  close(): void;
  /**
   * True when `wait(Infinity)` only keeps the process alive (no check, no
   * side effect, as on Node): the loop may then go idle in the driver of a
   * callback that left nothing ready, without one more driver to find that
   * out. A simulated selector's endless wait runs a deadlock check, so it
   * leaves this unset.
   */
  readonly idleWaitIsFree?: boolean;
  /**
   * The I/O a selector may provide. Each is optional: the loop's methods that
   * need a missing one throw a `TypeError` naming it.
   */
  readonly stream?: StreamDriver;
  readonly datagram?: DatagramDriver;
  readonly pipes?: PipeDriver;
}
