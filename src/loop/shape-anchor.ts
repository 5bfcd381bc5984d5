/**
 * Shape anchors: a few objects kept alive for the life of the process so
 * that V8 keeps the hidden classes ("maps") the loop's optimized code was
 * compiled for.
 *
 * Why: an object's map is reached by adding its properties one by one from
 * its constructor's initial map, and V8 holds those transitions weakly. When
 * a full GC finds no live object of such a map, the map dies, and every
 * optimized function that embeds it is thrown away ("weak objects" in
 * `--trace-deopt`). A process that runs loops in bursts with full GCs in
 * between (a test file's explorations; the benchmarks force one before each
 * trial) then re-optimizes the loop's code for every burst: a forced GC
 * before a 500-run exploration made it 2-4x slower than the one before it.
 * The shapes at stake are the loop's own classes (futures, tasks, done
 * entries, handles and timers, a world and its parts, an explored run's
 * outcome) and two of Node's: an immediate, which every loop driver is, and
 * a promise carrying a loop frame (see context.ts), which every promise made
 * under a loop is. Some exist only once code has run (a
 * task's frame after its first step, a loop that has run to the end), so
 * the first world to run in a process first runs three small worlds of its
 * own and keeps them (`anchorShapesOfRun`). Anchors are made once per
 * process, the first time each kind is needed; an anchored object is small,
 * runs no more, and points at no user code or data.
 *
 * An anchor holds the class the live objects have only while their fields
 * keep the same representation: a number field that flips between
 * small-integer and double storage moves the objects to a new class (so the
 * timer heap keeps its free-list head an integer, and the generator its
 * state in an Int32Array). `--trace-deopt` after a forced GC shows any class
 * that still dies.
 */

import { AsyncResource } from 'node:async_hooks';

const anchors: unknown[] = [];

/** The context simloop was loaded in: anchors made in it capture no caller's AsyncLocalStorage store. */
const cleanScope = new AsyncResource('simloop.ShapeAnchor');

/**
 * Make objects with `make` in the context simloop was loaded in (no loop
 * frame, no caller's store) and keep what it returns for good, so that the
 * hidden classes of those objects and of what they point at stay alive.
 */
export function anchorShapes(make: () => unknown): void {
  anchors.push(cleanScope.runInAsyncScope(make));
}

/**
 * As `anchorShapes`, for shapes that only running code makes (a task's
 * frame once it has stepped, the promises its awaits make, a loop that has
 * run): `make` runs to its end, in the same clean context, and what it
 * resolves to is kept for good.
 */
export async function anchorShapesOfRun(make: () => Promise<unknown>): Promise<void> {
  anchors.push(await cleanScope.runInAsyncScope(make));
}
