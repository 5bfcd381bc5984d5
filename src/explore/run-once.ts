import { createSimWorld, type SimWorld, type SimWorldOptions, type TraceEvent } from '../backends/sim/sim-world.js';
import type { Decisions } from '../schedule/decisions.js';

/** A scenario: what `explore` runs in a fresh world each time. */
export type Scenario = (world: SimWorld) => Promise<void> | void;

/** The outcome of one run of a scenario. */
export interface RunOutcome {
  /** The run's error (main's, strict mode's, a deadlock, ...), or null when it passed. */
  error: unknown;
  failed: boolean;
  /** The decisions the run made (a replay of them gives the same run). */
  decisions: Decisions;
  /** Loop callbacks it ran (PCT's step estimate). */
  steps: number;
  trace: TraceEvent[];
}

/** Run `scenario` once in a new world with `opts`, and dispose of the world. Never rejects. */
export async function runOnce(scenario: Scenario, opts: SimWorldOptions, keepTrace: boolean): Promise<RunOutcome> {
  const world = createSimWorld(opts);
  let error: unknown = null;
  let failed = false;
  try {
    await world.run(async (w) => {
      await scenario(w);
    });
  } catch (e) {
    error = e;
    failed = true;
  } finally {
    await world[Symbol.asyncDispose]();
  }
  return { error, failed, decisions: world._decisions(), steps: world._stepCount, trace: keepTrace ? world.trace() : [] };
}
