import type { Handle } from './handle.js';

/**
 * Decides which ready callback runs next. The loop pushes every handle that
 * becomes ready (callSoon, due timers, wakeups) and, at the start of each
 * iteration, asks how many handles are ready now: the iteration runs that
 * many, taking each with `next()`, as asyncio's `_run_once` does. Under FIFO
 * they are exactly the handles ready when the iteration began (what those
 * schedule waits for the next one); an exploring scheduler may hand out, in
 * their place, handles that became ready meanwhile.
 */
export interface Scheduler {
  /**
   * True when handles must carry their origin (the task or callback that
   * scheduled them); the loop computes it only then, since it costs a lookup.
   */
  readonly tracksOrigins: boolean;
  /** Number of ready handles held. */
  readonly size: number;
  /** A handle became ready. */
  push(handle: Handle): void;
  /** An iteration begins: returns how many handles it runs (the number ready now). */
  startBatch(): number;
  /** The next handle to run; called at most as many times as `startBatch()` returned. */
  next(): Handle;
  /** Drop everything (the loop closed). */
  clear(): void;
}

/** Ring capacity at first and after `clear()`: a power of two, small because a loop is made per simulated run. */
const INITIAL_CAPACITY = 8;

/**
 * The default scheduler: one FIFO queue, so callbacks run in the order they
 * became ready (guarantee 1) and an iteration runs the queue's length.
 * A ring buffer that grows by doubling keeps push and next O(1).
 */
export class FifoScheduler implements Scheduler {
  readonly tracksOrigins = false;
  private buf: (Handle | undefined)[] = new Array(INITIAL_CAPACITY);
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(handle: Handle): void {
    if (this.count === this.buf.length) this.grow();
    this.buf[(this.head + this.count) & (this.buf.length - 1)] = handle;
    this.count++;
  }

  startBatch(): number {
    return this.count;
  }

  next(): Handle {
    const h = this.buf[this.head]!;
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.count--;
    return h;
  }

  clear(): void {
    // Empty (a loop closing after its run): every slot is already undefined, and the buffer may stay.
    if (this.count === 0) return;
    this.buf = new Array(INITIAL_CAPACITY);
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    const old = this.buf;
    const n = old.length;
    const next: (Handle | undefined)[] = new Array(n * 2);
    for (let i = 0; i < n; i++) next[i] = old[(this.head + i) & (n - 1)];
    this.buf = next;
    this.head = 0;
  }
}
