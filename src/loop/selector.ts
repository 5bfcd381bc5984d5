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
   * How many loop callbacks one driver may run before it hands back to the
   * host's event loop (a positive integer; default 16). Small where I/O comes
   * from the host's poll, which runs only between drivers: bulk TCP ran at
   * 1.05-1.13x raw Node with 256 and at 1.6-1.8x with 16. A simulated
   * selector has no host I/O to let in, and a large budget saves a libuv
   * iteration per few callbacks (a virtual-time step: 0.70 us with 16, 0.38
   * us with 256).
   */
  readonly driverBudget?: number;
  /**
   * The I/O a selector may provide. Each is optional: the loop's methods that
   * need a missing one throw a `TypeError` naming it.
   */
  readonly stream?: StreamDriver;
  readonly datagram?: DatagramDriver;
  readonly pipes?: PipeDriver;
}
