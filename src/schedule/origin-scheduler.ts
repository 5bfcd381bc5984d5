import type { Handle } from '../loop/handle.js';
import type { Scheduler } from '../loop/scheduler.js';
import { youngArray } from '../loop/young.js';
import type { Chooser } from './chooser.js';
import { IndexedHeap } from './indexed-heap.js';
import { OriginTable } from './origin-table.js';
import type { PctPlanner } from './pct.js';

/**
 * The ready handles of one origin, in the order they became ready. Recycled
 * once empty. Made by a constructor, its lists by youngArray (and only when
 * a second handle comes: most origins never have two ready at once): a group
 * points at handles, so it must not be a pretenured literal (see loop/young.ts).
 */
class OriginQueue {
  /** The oldest ready handle, kept in the group itself: most origins have one ready handle at a time. */
  first: Handle | null = null;
  /** PCT: the first handle's priority. */
  firstPrio = 0;
  /** The handles after `first`, in items[head..tail): made when a second handle comes, kept when the group is recycled. */
  items: Handle[] | null = null;
  /** PCT: each item's priority, beside it. */
  prios: number[] | null = null;
  head = 0;
  tail = 0;
  /** The first handle's readiness number, or -1 when the queue is empty (so a stale reference never matches a number). */
  headSeq = -1;
  /** Position in the active array, or -1. */
  slot = -1;
  /** Position in the priority heap (PCT), or -1. */
  prioSlot = -1;

  constructor(public origin: number) {}
}

const headPrio = (g: OriginQueue): number => g.firstPrio;

/**
 * The oldest ready handle runs next, whatever the strategy would pick, once
 * this many later handles have become ready: a task spinning on `sleep(0)`
 * under PCT would otherwise starve a lower-priority one for good, and a run
 * could never end. Bugs that need a longer wait are out of reach.
 */
export const STARVATION_LIMIT = 1024;

/**
 * The exploring strategies' scheduler (`'random'`, `'pct'`, replays). Ready
 * handles are grouped by origin (the task or callback that scheduled them);
 * each pick takes the head of one group, any group. So:
 * - what one origin schedules runs in the order `'fifo'` runs it (its
 *   callbacks in scheduling order, a due timer after that origin's callbacks
 *   that were ready when it came due): per-task program order holds;
 * - timers never run early (the loop, not the strategy, decides when a timer is due);
 * - only the interleaving of different origins varies, and not only within
 *   one iteration: a ready handle may wait while handles that became ready
 *   after it run, as a task waiting on I/O of unbounded latency would. An
 *   iteration still runs as many handles as were ready when it began, so the
 *   loop polls I/O and moves due timers as often as under `'fifo'`; with
 *   every pick 0 it runs exactly what `'fifo'` runs. A handle never waits
 *   past STARVATION_LIMIT later ones.
 *
 * The pick encoding (what a recorded pick means, see `Decisions`): the
 * non-empty groups sit in an array that changes only by appending (a new
 * origin when its first handle becomes ready) and by swap-removal (a group
 * leaving moves the last one into its place), and the group with the oldest
 * head is kept at index 0 (swapped there whenever the group there runs). A
 * pick is an index into that array, so 0 is the oldest head (what `'fifo'`
 * runs) and decisions shrink toward FIFO; the other indices are a
 * deterministic function of the run so far. A pick costs O(1) amortized: the
 * array gives any index at once, and the oldest head is found by a cursor
 * over the global ready order (the oldest head overall is the oldest ready
 * handle not yet run, since a group's later handles follow its head), which
 * only moves forward. Under PCT an indexed heap orders the groups by
 * priority (O(log n) a pick).
 */
export class OriginScheduler implements Scheduler {
  readonly tracksOrigins = true;
  /** The non-empty groups, by origin. */
  private readonly groups = new OriginTable<OriginQueue>();
  // The two lists below keep their own lengths: an array emptied and refilled every run
  // would have V8 shrink and regrow its storage each time.
  /** The non-empty groups (every one a choice) in [0, activeCount), the oldest head at index 0. */
  private readonly active: OriginQueue[] = youngArray();
  private activeCount = 0;
  /** Empty groups for reuse, in [0, spareCount) (a run makes and drops a group per plain callback). */
  private readonly spare: OriginQueue[] = youngArray();
  private spareCount = 0;
  /** The group pushed to last: a task scheduling several callbacks finds its group without a lookup. */
  private last: OriginQueue | null = null;
  /**
   * The group of each ready number in [cursor, readySeq), in a ring: the entry
   * at `seq & mask` is the group that handle joined. A handle is the
   * oldest one not run yet when its group's `headSeq` is its number.
   */
  private ring: (OriginQueue | undefined)[] = new Array(8);
  private mask = 7;
  private cursor = 0;
  private readonly prio: IndexedHeap<OriginQueue> | null;
  private readySeq = 0;
  private count = 0;
  /** Handles handed out so far (PCT's steps). */
  steps = 0;

  /** `starvationLimit`: STARVATION_LIMIT but in tests, which use a small one to reach it. */
  constructor(
    private readonly chooser: Chooser,
    private readonly pct: PctPlanner | null = null,
    private readonly starvationLimit = STARVATION_LIMIT,
  ) {
    this.prio =
      pct === null
        ? null
        : new IndexedHeap<OriginQueue>(
            (a, b) => headPrio(a) > headPrio(b) || (headPrio(a) === headPrio(b) && a.headSeq < b.headSeq),
            (g) => g.prioSlot,
            (g, i) => {
              g.prioSlot = i;
            },
          );
  }

  get size(): number {
    return this.count;
  }

  push(handle: Handle): void {
    const seq = this.readySeq++;
    handle._readySeq = seq;
    const origin = handle._origin;
    const last = this.last;
    let g = last !== null && last.origin === origin ? last : this.groups.get(origin);
    if (g === undefined) {
      g = this.spareCount > 0 ? this.spare[--this.spareCount]! : new OriginQueue(origin);
      g.origin = origin;
      g.first = handle;
      g.headSeq = seq;
      if (this.pct !== null) g.firstPrio = this.pct.priorityOf(handle);
      this.groups.add(g);
      // The newest head: index 0 keeps the oldest.
      g.slot = this.activeCount;
      this.active[this.activeCount++] = g;
      this.prio?.push(g);
    } else {
      (g.items ??= youngArray())[g.tail] = handle;
      if (this.pct !== null) (g.prios ??= youngArray())[g.tail] = this.pct.priorityOf(handle);
      g.tail++;
    }
    this.last = g;
    if (seq - this.cursor > this.mask) this.makeRoom(seq);
    this.ring[seq & this.mask] = g;
    this.count++;
  }

  startBatch(): number {
    // Every group is a choice at every step; an iteration runs as many handles as are ready now.
    return this.count;
  }

  next(): Handle {
    this.steps++;
    const active = this.active;
    const n = this.activeCount;
    let g: OriginQueue;
    if (n === 1) g = active[0]!;
    // Not a decision: a replay meets the same forced step at the same point of the run.
    else if (this.readySeq - active[0]!.headSeq > this.starvationLimit) g = active[0]!;
    else if (this.prio !== null) g = this.pickByPriority();
    else g = active[this.chooser.pick(n)]!;
    const wasOldest = g.slot === 0;
    const h = g.first!;
    const prio = g.firstPrio;
    this.count--;
    if (g.head === g.tail) {
      this.dropActive(g);
      this.retire(g);
    } else {
      const items = g.items!;
      const next = items[g.head]!;
      items[g.head] = undefined as unknown as Handle;
      g.first = next;
      if (this.pct !== null) g.firstPrio = g.prios![g.head]!;
      g.head++;
      if (g.head === g.tail) {
        g.head = 0;
        g.tail = 0;
      } else if (g.head > 64 && g.head * 2 > g.tail) {
        items.copyWithin(0, g.head, g.tail);
        if (this.pct !== null) g.prios!.copyWithin(0, g.head, g.tail);
        g.tail -= g.head;
        items.fill(undefined as unknown as Handle, g.tail, g.tail + g.head);
        g.head = 0;
      }
      g.headSeq = next._readySeq;
      this.prio?.update(g);
    }
    if (wasOldest && this.activeCount > 1) this.oldestToFront();
    this.pct?.ran(h, prio);
    return h;
  }

  clear(): void {
    // The loop clears its scheduler when it closes, after most runs left nothing ready: then there is nothing to drop.
    if (this.count === 0 && this.activeCount === 0) return;
    this.groups.clear();
    this.active.fill(undefined as unknown as OriginQueue);
    this.activeCount = 0;
    this.spare.fill(undefined as unknown as OriginQueue);
    this.spareCount = 0;
    this.last = null;
    this.prio?.clear();
    this.ring = new Array(8);
    this.mask = 7;
    this.cursor = this.readySeq;
    this.count = 0;
  }

  /** PCT: the highest-priority head runs, after a change point has lowered it if this step is one. */
  private pickByPriority(): OriginQueue {
    const prio = this.prio!;
    const pct = this.pct!;
    if (pct.isChangePoint(this.steps)) {
      const top = prio.items[0]!;
      top.firstPrio = pct.lower(top.first!);
      prio.update(top);
    }
    const g = prio.items[0]!;
    // Recorded in the common form (an index into the active array), so a PCT run replays and shrinks like any other.
    this.chooser.log.pick(g.slot);
    return g;
  }

  /** Swap-remove `g` from the active array (and the priority heap). */
  private dropActive(g: OriginQueue): void {
    const active = this.active;
    const i = g.slot;
    const last = --this.activeCount;
    const moved = active[last]!;
    active[last] = undefined as unknown as OriginQueue;
    if (moved !== g) {
      active[i] = moved;
      moved.slot = i;
    }
    g.slot = -1;
    this.prio?.remove(g);
  }

  /** `g` is empty: forget its origin and keep the object for the next new origin. */
  private retire(g: OriginQueue): void {
    this.groups.remove(g);
    if (this.last === g) this.last = null;
    g.first = null;
    g.headSeq = -1;
    // Its slots were cleared as they ran; a large array is dropped rather than kept idle.
    if (g.items !== null && g.items.length > 256) {
      g.items = null;
      g.prios = null;
    }
    this.spare[this.spareCount++] = g;
  }

  /** Put the group with the oldest head at index 0 of the active array (two or more are active). */
  private oldestToFront(): void {
    const ring = this.ring;
    const mask = this.mask;
    let s = this.cursor;
    let g = ring[s & mask]!;
    // Every non-empty group is active, so the oldest head overall is.
    while (g.headSeq !== s) {
      ring[s & mask] = undefined;
      g = ring[++s & mask]!;
    }
    this.cursor = s;
    const active = this.active;
    const j = g.slot;
    if (j !== 0) {
      const front = active[0]!;
      active[0] = g;
      g.slot = 0;
      active[j] = front;
      front.slot = j;
    }
  }

  /** The ring is full at ready number `seq`: move the cursor past handles already run, and grow if still full. */
  private makeRoom(seq: number): void {
    const ring = this.ring;
    const mask = this.mask;
    let s = this.cursor;
    while (s < seq) {
      const g = ring[s & mask];
      if (g !== undefined && g.headSeq === s) break;
      ring[s & mask] = undefined;
      s++;
    }
    this.cursor = s;
    if (seq - s <= mask) return;
    const size = (mask + 1) * 2;
    const grown: (OriginQueue | undefined)[] = new Array(size);
    for (let k = s; k < seq; k++) grown[k & (size - 1)] = ring[k & mask];
    this.ring = grown;
    this.mask = size - 1;
  }
}
