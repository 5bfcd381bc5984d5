import { createSimWorld, type SimWorld, type SimWorldOptions, type TraceEvent } from '../backends/sim/sim-world.js';
import { AsyncResource } from 'node:async_hooks';
import { anchorShape } from '../loop/shape-anchor.js';
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

/** Where the anchor run is made: the context simloop was loaded in, so that it captures no caller's store. */
const anchorScope = new AsyncResource('simloop.ShapeAnchor');
let anchored = false;

/**
 * Anchor the shapes of an explored run (see loop/shape-anchor.ts): a world
 * made with the first run's options and never run, holding a task that never
 * starts, a future with a done callback, and an outcome.
 */
function anchorRunShapes(opts: SimWorldOptions): void {
  anchored = true;
  anchorScope.runInAsyncScope(() => {
    const world = createSimWorld({ ...opts, seed: 'shape-anchor' });
    const loop = world.loop;
    const fut = loop.createFuture<void>();
    fut.addDoneCallback(noop);
    const task = loop.createTask(noop);
    anchorShape([world, fut, task, new WorldOutcome(world, null, false, [])]);
  });
}

async function noop(): Promise<void> {}

/** Run `scenario` once in a new world with `opts`, and dispose of the world. Never rejects. */
export async function runOnce(scenario: Scenario, opts: SimWorldOptions, keepTrace: boolean): Promise<RunOutcome> {
  if (!anchored) anchorRunShapes(opts);
  const world = createSimWorld(opts);
  let error: unknown = null;
  let failed = false;
  try {
    await world.run(scenario);
  } catch (e) {
    error = e;
    failed = true;
  } finally {
    await world[Symbol.asyncDispose]();
  }
  return new WorldOutcome(world, error, failed, keepTrace ? world.trace() : []);
}
