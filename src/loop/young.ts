/**
 * Allocation helpers for objects the loop makes per callback or per run and
 * that point at tasks, futures or handles: they must be born in V8's young
 * generation and stay there.
 *
 * Why not literals: V8 gives each object or array literal an allocation site,
 * and when most objects from a site happen to be alive at a young-generation
 * GC it starts allocating that site's objects straight in the old generation
 * ("pretenuring"). Such an object dies with its callback or run, but until
 * the next full GC it still counts as a root for every young-generation GC,
 * keeping what it points at (a future, its task, the loop, and everything
 * the loop reaches) alive and then promoted, which makes more of them look
 * long-lived. A long exploration (20,000 runs of a two-task race) spent about
 * a third of its time in GC that way, with 17% of what it allocated
 * surviving young GCs; without these literals, 4-5%. Rest-parameter arrays
 * and objects made by a class constructor have no such site (nor has
 * `Array.of`, but it sets the new array's length through a runtime call).
 */

/**
 * An array of `items`, made as a rest parameter: no allocation site, and
 * none of `Array.of`'s generic path (which sets `length` through the runtime).
 */
function restArray<T>(...items: T[]): T[] {
  return items;
}

/** An argument list for a handle the loop itself schedules (a task's first step, a wakeup, a done callback). */
export const handleArgs: (...args: unknown[]) => unknown[] = restArray;

/** An empty array that is always allocated young (a per-run list that will hold handles, tasks or groups). */
export function youngArray<T>(): T[] {
  return restArray<T>();
}

/**
 * A list born holding `first`, with room for it alone: a push onto an empty
 * array reserves 17 slots, and most lists made this way (a future's done
 * callbacks) never get a second element.
 */
export function youngList<T>(first: T): T[] {
  return restArray(first);
}
