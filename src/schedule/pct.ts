import type { Handle } from '../loop/handle.js';
import type { Prng } from './prng.js';

/** PCT's default bug depth (API.md). */
export const DEFAULT_PCT_DEPTH = 3;

/**
 * Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010): every
 * task gets a random distinct priority at least `depth`; the highest-priority
 * ready one always runs; at `depth - 1` change points, drawn uniformly over
 * the expected number of steps, the task about to run drops to priority
 * `depth - 1`, then `depth - 2`, ... So a bug that needs `depth` ordering
 * constraints is found with probability at least 1/(n·k^(depth-1)) per run.
 * A plain callback takes the priority of the code that scheduled it (the task
 * whose step it was, or the callback it came from); what comes from outside
 * any loop callback shares one "world" priority.
 */
export class PctPlanner {
  /** Priorities of tasks, by the task's origin id (what the handles its code schedules carry as origin). */
  private readonly taskPrio = new Map<number, number>();
  private readonly changePoints: number[];
  private nextLow: number;
  private readonly worldPrio: number;
  private currentOrigin = -1;
  private currentPrio = 0;

  constructor(private readonly prng: Prng, readonly depth: number, expectedSteps: number) {
    this.nextLow = depth - 1;
    const points = new Set<number>();
    // The estimate is one FIFO run's length; a failing schedule is often longer
    // (other orders add steps), so the points are spread over twice that.
    const span = Math.max(1, Math.floor(2 * expectedSteps));
    // Distinct points when the span allows; with fewer steps than points some coincide, and a coincident one is spent at once.
    for (let i = 0; i < depth - 1; i++) {
      let p = 1 + prng.nextInt(span);
      for (let tries = 0; points.has(p) && tries < 8; tries++) p = 1 + prng.nextInt(span);
      points.add(p);
    }
    this.changePoints = [...points].sort((a, b) => a - b);
    this.worldPrio = this.fresh();
  }

  /**
   * The task a handle belongs to, by origin id: the task it runs a step of,
   * else the task whose code scheduled it (a plain callback, or the internal
   * callback through which `sleep(0)` resumes its task), else none.
   */
  private taskKey(h: Handle): number | null {
    if (h._task !== null) return h._task._originId;
    return this.taskPrio.has(h._origin) ? h._origin : null;
  }

  /** The priority of a handle becoming ready now. */
  priorityOf(h: Handle): number {
    const key = this.taskKey(h);
    if (key !== null) {
      let p = this.taskPrio.get(key);
      if (p === undefined) {
        p = this.fresh();
        this.taskPrio.set(key, p);
      }
      return p;
    }
    return h._origin === this.currentOrigin ? this.currentPrio : this.worldPrio;
  }

  /** True when step `step` (1-based) is a change point: the next change point is consumed. */
  isChangePoint(step: number): boolean {
    const cps = this.changePoints;
    if (cps.length === 0 || cps[0]! > step) return false;
    cps.shift();
    return true;
  }

  /** The next lowered priority (`depth - 1`, then lower), given to the task about to run at a change point. */
  lower(h: Handle): number {
    const p = this.nextLow--;
    const key = this.taskKey(h);
    if (key !== null) this.taskPrio.set(key, p);
    return p;
  }

  /** `h` runs now with priority `prio`: plain callbacks it schedules inherit it. */
  ran(h: Handle, prio: number): void {
    this.currentOrigin = h._seq;
    const key = this.taskKey(h);
    this.currentPrio = key !== null ? (this.taskPrio.get(key) ?? prio) : prio;
  }

  /** A fresh initial priority: above every lowered one, distinct with probability 1 (ties go to the older head). */
  private fresh(): number {
    return this.depth + this.prng.nextFloat();
  }
}
