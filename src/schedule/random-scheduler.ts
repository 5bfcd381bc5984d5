import type { Handle } from '../loop/handle.js';
import type { Scheduler } from '../loop/scheduler.js';
import type { Prng } from './prng.js';

/** The ready handles of one origin, in the order they became ready. */
interface OriginQueue {
  readonly origin: number;
  items: Handle[];
  head: number;
  /** Position in `eligible`, or -1. */
  slot: number;
}

/**
 * The `'random'` strategy. Ready handles are grouped by origin (the task or
 * callback that scheduled them); each pick takes the head of a uniformly
 * chosen group among those whose head belongs to the current batch. So:
 * - what one origin schedules runs in the order `'fifo'` runs it (its
 *   callbacks in scheduling order, a due timer after that origin's callbacks
 *   that were ready when it came due): per-task program order holds;
 * - an iteration still runs only the handles ready when it began;
 * - timers never run early (the loop, not the strategy, decides when a timer is due);
 * - only the interleaving of different origins varies: two tasks woken by
 *   different events may run in either order.
 * A pick costs O(1).
 */
export class RandomScheduler implements Scheduler {
  readonly tracksOrigins = true;
  private readonly groups = new Map<number, OriginQueue>();
  private readonly eligible: OriginQueue[] = [];
  private readySeq = 0;
  private batchEnd = 0;
  private count = 0;

  constructor(private readonly prng: Prng) {}

  get size(): number {
    return this.count;
  }

  push(handle: Handle): void {
    handle._readySeq = this.readySeq++;
    let g = this.groups.get(handle._origin);
    if (g === undefined) {
      g = { origin: handle._origin, items: [], head: 0, slot: -1 };
      this.groups.set(handle._origin, g);
    }
    g.items.push(handle);
    this.count++;
  }

  startBatch(): number {
    this.batchEnd = this.readySeq;
    this.eligible.length = 0;
    for (const g of this.groups.values()) {
      g.slot = this.eligible.length;
      this.eligible.push(g);
    }
    return this.count;
  }

  next(): Handle {
    const eligible = this.eligible;
    const g = eligible[eligible.length === 1 ? 0 : this.prng.nextInt(eligible.length)]!;
    const h = g.items[g.head]!;
    g.items[g.head] = undefined as unknown as Handle;
    g.head++;
    this.count--;
    if (g.head === g.items.length) {
      this.groups.delete(g.origin);
      this.removeEligible(g);
    } else {
      if (g.head > 64 && g.head * 2 > g.items.length) {
        g.items = g.items.slice(g.head);
        g.head = 0;
      }
      if (g.items[g.head]!._readySeq >= this.batchEnd) this.removeEligible(g);
    }
    return h;
  }

  clear(): void {
    this.groups.clear();
    this.eligible.length = 0;
    this.count = 0;
  }

  private removeEligible(g: OriginQueue): void {
    const i = g.slot;
    if (i < 0) return;
    const last = this.eligible.pop()!;
    if (last !== g) {
      this.eligible[i] = last;
      last.slot = i;
    }
    g.slot = -1;
  }
}
