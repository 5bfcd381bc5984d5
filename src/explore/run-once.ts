import { createSimWorld, type SimWorld, type SimWorldOptions, type TraceEvent } from '../backends/sim/sim-world.js';
import { anchorShapes } from '../loop/shape-anchor.js';
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

/**
 * A run's outcome whose decisions are copied out of the world only when
 * asked for: explore reads them only from a failing run, and copying every
 * passing run's log showed in profiles.
 */
class WorldOutcome implements RunOutcome {
  private _decisions: Decisions | null = null;
  readonly steps: number;

  constructor(
    private readonly world: SimWorld,
    readonly error: unknown,
    readonly failed: boolean,
    readonly trace: TraceEvent[],
  ) {
    this.steps = world._stepCount;
  }

  get decisions(): Decisions {
    return (this._decisions ??= this.world._decisions());
  }
}

let anchored = false;

/** Anchor (see loop/shape-anchor.ts) an outcome's shape; the world's are anchored by the world. */
function anchorOutcomeShape(): void {
  anchored = true;
  anchorShapes(() => {
    const world = createSimWorld({ seed: 'shape-anchor' });
    return new WorldOutcome(world, null, false, []);
  });
}

/** Run `scenario` once in a new world with `opts`, and dispose of the world. Never rejects. */
export async function runOnce(scenario: Scenario, opts: SimWorldOptions, keepTrace: boolean): Promise<RunOutcome> {
  if (!anchored) anchorOutcomeShape();
  const world = createSimWorld(opts);
  let error: unknown = null;
  let failed = false;
  try {
    await world.run(scenario);
  } catch (e) {
    error = e;
    failed = true;
  } finally {
    world._dispose();
  }
  return new WorldOutcome(world, error, failed, keepTrace ? world.trace() : []);
}
