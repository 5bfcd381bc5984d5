import type { Handle } from '../loop/handle.js';
import type { Scheduler } from '../loop/scheduler.js';
import type { Chooser } from './chooser.js';
import { IndexedHeap } from './indexed-heap.js';
import type { PctPlanner } from './pct.js';

/** The ready handles of one origin, in the order they became ready. */
interface OriginQueue {
  readonly origin: number;
  items: Handle[];
  /** PCT: each item's priority, beside it. */
  prios: number[];
  head: number;
  /** Position in the age heap (ready heads, oldest first), or -1. */
  ageSlot: number;
  /** Position in the priority heap (PCT), or -1. */
  prioSlot: number;
}

const headSeq = (g: OriginQueue): number => g.items[g.head]!._readySeq;
const headPrio = (g: OriginQueue): number => g.prios[g.head]!;

/**
 * The exploring strategies' scheduler (`'random'`, `'pct'`, replays). Ready
 * handles are grouped by origin (the task or callback that scheduled them);
 * each pick takes the head of one group among those whose head belongs to
 * the current batch. So:
 * - what one origin schedules runs in the order `'fifo'` runs it (its
 *   callbacks in scheduling order, a due timer after that origin's callbacks
 *   that were ready when it came due): per-task program order holds;
 * - an iteration still runs only the handles ready when it began;
 * - timers never run early (the loop, not the strategy, decides when a timer is due);
 * - only the interleaving of different origins varies.
 * The eligible groups sit in a heap by the age of their heads, so a pick is
 * an index whose 0 is the oldest head (what `'fifo'` runs): decisions shrink
 * toward FIFO. Under PCT a second heap orders them by priority. A pick costs
 * O(log n) in the number of ready origins.
 */
export class OriginScheduler implements Scheduler {
  readonly tracksOrigins = true;
  private readonly groups = new Map<number, OriginQueue>();
  private readonly age = new IndexedHeap<OriginQueue>(
    (a, b) => headSeq(a) < headSeq(b),
    (g) => g.ageSlot,
    (g, i) => {
      g.ageSlot = i;
    },
  );
  private readonly prio: IndexedHeap<OriginQueue> | null;
  private readySeq = 0;
  private batchEnd = 0;
  private count = 0;
  /** Handles handed out so far (PCT's steps). */
  steps = 0;

  constructor(
    private readonly chooser: Chooser,
    private readonly pct: PctPlanner | null = null,
  ) {
    this.prio =
      pct === null
        ? null
        : new IndexedHeap<OriginQueue>(
            (a, b) => headPrio(a) > headPrio(b) || (headPrio(a) === headPrio(b) && headSeq(a) < headSeq(b)),
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
    handle._readySeq = this.readySeq++;
    let g = this.groups.get(handle._origin);
    if (g === undefined) {
      g = { origin: handle._origin, items: [], prios: [], head: 0, ageSlot: -1, prioSlot: -1 };
      this.groups.set(handle._origin, g);
    }
    g.items.push(handle);
    if (this.pct !== null) g.prios.push(this.pct.priorityOf(handle));
    this.count++;
  }

  startBatch(): number {
    this.batchEnd = this.readySeq;
    this.age.clear();
    this.prio?.clear();
    // Every group's head is ready now, so every group is eligible for this batch.
    for (const g of this.groups.values()) {
      this.age.push(g);
      this.prio?.push(g);
    }
    return this.count;
  }

  next(): Handle {
    this.steps++;
    const age = this.age;
    let g: OriginQueue;
    if (age.size === 1) g = age.items[0]!;
    else if (this.prio !== null) g = this.pickByPriority();
    else g = age.items[this.chooser.pick(age.size)]!;
    const h = g.items[g.head]!;
    const prio = this.pct !== null ? g.prios[g.head]! : 0;
    g.items[g.head] = undefined as unknown as Handle;
    g.head++;
    this.count--;
    if (g.head === g.items.length) {
      this.groups.delete(g.origin);
      this.dropEligible(g);
    } else {
      if (g.head > 64 && g.head * 2 > g.items.length) {
        g.items = g.items.slice(g.head);
        if (this.pct !== null) g.prios = g.prios.slice(g.head);
        g.head = 0;
      }
      if (headSeq(g) >= this.batchEnd) this.dropEligible(g);
      else {
        age.update(g);
        this.prio?.update(g);
      }
    }
    this.pct?.ran(h, prio);
    return h;
  }

  clear(): void {
    this.groups.clear();
    this.age.clear();
    this.prio?.clear();
    this.count = 0;
  }

  /** PCT: the highest-priority head runs, after a change point has lowered it if this step is one. */
  private pickByPriority(): OriginQueue {
    const prio = this.prio!;
    const pct = this.pct!;
    if (pct.isChangePoint(this.steps)) {
      const top = prio.items[0]!;
      top.prios[top.head] = pct.lower(top.items[top.head]!);
      prio.update(top);
    }
    const g = prio.items[0]!;
    // Recorded in the common form (an index into the ready heads by age), so a PCT run replays and shrinks like any other.
    this.chooser.log.pick(g.ageSlot);
    return g;
  }

  private dropEligible(g: OriginQueue): void {
    this.age.remove(g);
    this.prio?.remove(g);
  }
}
