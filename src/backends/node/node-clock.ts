import type { Clock } from '../../loop/clock.js';
import { realPerformanceNow } from '../../loop/real-primitives.js';

/** The real monotonic clock: `performance.now()` in ms, captured before any faking. */
export class NodeClock implements Clock {
  now(): number {
    return realPerformanceNow();
  }

  sleepTime(deadline: number): number {
    const d = deadline - realPerformanceNow();
    return d > 0 ? d : 0;
  }
}
