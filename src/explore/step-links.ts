import type { TraceEvent } from '../backends/sim/sim-world.js';

/** Where each task step of a trace comes from, by event index. */
export interface StepLinks {
  /** For a task `step`: the index of the `create` or `wake` event it follows from, else -1 (unknown, or lost to the trace limit). */
  readonly source: Int32Array;
  /** For a task `step`: what it resumes from (`start`, or the awaited future's description), else undefined (unknown). */
  readonly cause: readonly (string | undefined)[];
}

/** The `create` and `wake` events of one task whose steps have not come yet. */
interface Pending {
  events: number[];
  /** Steps that took one of `events` without saying which (see `linkSteps`). */
  untold: number;
}

/** What a `create` or `wake` event lets its task's next step resume from. */
function causeOf(e: TraceEvent): string {
  return e.kind === 'create' ? 'start' : (e.detail ?? 'a Future');
}

/**
 * Link every task `step` of a trace to the `create` or `wake` of that task it
 * follows from. A step that names its cause (its `detail`: the world's tracer
 * gives it) takes the oldest pending wake of its task with that cause, so its
 * cause is exact even when a strategy runs two wakeups of one task out of
 * order (only which of two wakes with the same cause it took may be
 * swapped). A step without a detail is linked only when that is certain: its
 * task has exactly one pending wake. With several (a task awaiting
 * `Promise.all` of tasks, say), its cause stays unknown until the task has
 * taken them all. Tasks are told apart by name. Pure: equal traces give
 * equal links.
 */
export function linkSteps(events: readonly TraceEvent[]): StepLinks {
  const source = new Int32Array(events.length).fill(-1);
  const cause: (string | undefined)[] = new Array<string | undefined>(events.length).fill(undefined);
  const byTask = new Map<string, Pending>();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const task = e.task;
    if (task === undefined) continue;
    if (e.kind === 'create' || e.kind === 'wake') {
      let p = byTask.get(task);
      if (p === undefined) byTask.set(task, (p = { events: [], untold: 0 }));
      p.events.push(i);
      continue;
    }
    if (e.kind !== 'step') continue;
    cause[i] = e.detail;
    const p = byTask.get(task);
    if (p === undefined || p.events.length === 0) continue;
    if (e.detail !== undefined) {
      const at = p.events.findIndex((j) => causeOf(events[j]!) === e.detail);
      if (at >= 0) source[i] = p.events.splice(at, 1)[0]!;
    } else if (p.untold === 0 && p.events.length === 1) {
      const j = p.events.pop()!;
      source[i] = j;
      cause[i] = causeOf(events[j]!);
    } else if (++p.untold === p.events.length) {
      p.events.length = 0;
      p.untold = 0;
    }
  }
  return { source, cause };
}
