import type { Handle } from '../loop/handle.js';
import type { Scheduler } from '../loop/scheduler.js';

/**
 * A scheduler that counts the loop callbacks it hands out to run (cancelled
 * handles, which the loop skips, are not counted) and calls `onStep` with the
 * count before each one runs. A world that records no trace counts its steps
 * (for `maxSteps` and PCT's estimate) here instead of through the loop's
 * tracer: with no tracer set, the tasks build no trace details at all.
 */
export class StepCounter implements Scheduler {
  readonly tracksOrigins: boolean;
  /** Callbacks handed out to run so far. */
  steps = 0;

  constructor(
    private readonly inner: Scheduler,
    private readonly onStep: (steps: number) => void,
  ) {
    this.tracksOrigins = inner.tracksOrigins;
  }

  get size(): number {
    return this.inner.size;
  }

  push(handle: Handle): void {
    this.inner.push(handle);
  }

  startBatch(): number {
    return this.inner.startBatch();
  }

  next(): Handle {
    const h = this.inner.next();
    // The loop checks the flag right after next() returns, so it is final here.
    if (!h.cancelled()) this.onStep(++this.steps);
    return h;
  }

  clear(): void {
    this.inner.clear();
  }
}
