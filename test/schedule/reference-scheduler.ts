import type { Handle } from '../../src/loop/handle.js';
import { STARVATION_LIMIT } from '../../src/schedule/origin-scheduler.js';
import type { PctPlanner } from '../../src/schedule/pct.js';

/**
 * The pick encoding as documented (decisions.ts, origin-scheduler.ts),
 * written the slow, obvious way: the origins with ready handles in a list
 * that grows by appending (an origin's first ready handle), shrinks by
 * swap-removal, and has the oldest ready head at index 0. Each step with two
 * or more origins picks an index: 0 without a decision when the oldest head
 * has waited past STARVATION_LIMIT later handles, else the next of `picks`
 * (wrapping, as a Schedule does), or under PCT the head of highest priority
 * (ties to the older head), after lowering that head's priority when the
 * step is a change point.
 */
export class ReferenceScheduler {
  private readonly queues = new Map<number, { seq: number; h: Handle; prio: number }[]>();
  private eligible: number[] = [];
  private seq = 0;
  private steps = 0;
  private pickAt = 0;
  /** The indexes picked, as `DecisionLog` records them. */
  readonly picks: number[] = [];

  constructor(
    private readonly follow: number[],
    private readonly pct: PctPlanner | null = null,
    private readonly starvationLimit = STARVATION_LIMIT,
  ) {}

  push(h: Handle): void {
    let q = this.queues.get(h._origin);
    if (q === undefined) {
      q = [];
      this.queues.set(h._origin, q);
      this.eligible.push(h._origin);
    }
    q.push({ seq: this.seq++, h, prio: this.pct === null ? 0 : this.pct.priorityOf(h) });
  }

  startBatch(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  next(): Handle {
    this.steps++;
    const n = this.eligible.length;
    let k = 0;
    if (n > 1 && this.seq - this.queues.get(this.eligible[0]!)![0]!.seq > this.starvationLimit) k = 0;
    else if (n > 1) {
      k = this.pct === null ? (this.follow[this.pickAt++] ?? 0) % n : this.pickByPriority();
      this.picks.push(k);
    }
    const origin = this.eligible[k]!;
    const q = this.queues.get(origin)!;
    const { h, prio } = q.shift()!;
    if (q.length === 0) {
      this.queues.delete(origin);
      this.swapRemove(k);
    }
    if (k === 0) this.oldestToFront();
    this.pct?.ran(h, prio);
    return h;
  }

  private pickByPriority(): number {
    const pct = this.pct!;
    const head = (o: number) => this.queues.get(o)![0]!;
    const top = (): number => {
      let k = 0;
      for (let i = 1; i < this.eligible.length; i++) {
        const a = head(this.eligible[i]!);
        const b = head(this.eligible[k]!);
        if (a.prio > b.prio || (a.prio === b.prio && a.seq < b.seq)) k = i;
      }
      return k;
    };
    if (pct.isChangePoint(this.steps)) {
      const first = head(this.eligible[top()]!);
      first.prio = pct.lower(first.h);
    }
    return top();
  }

  private swapRemove(k: number): void {
    const last = this.eligible.pop()!;
    if (k < this.eligible.length) this.eligible[k] = last;
  }

  private oldestToFront(): void {
    if (this.eligible.length < 2) return;
    let j = 0;
    const head = (o: number): number => this.queues.get(o)![0]!.seq;
    for (let i = 1; i < this.eligible.length; i++) if (head(this.eligible[i]!) < head(this.eligible[j]!)) j = i;
    [this.eligible[0], this.eligible[j]] = [this.eligible[j]!, this.eligible[0]!];
  }
}

/** A loop's use of a scheduler: batches of pushes (origins), each step of a batch possibly pushing more. */
export interface Program {
  batches: { before: number[]; during: number[][] }[];
}

type Sched = { push(h: Handle): void; startBatch(): number; next(): Handle };

/**
 * Run `program` on `s`, making each handle with `make(origin, n)` (n: how
 * many were made before); returns what each step ran, by `labelOf`, with `|`
 * after each batch, then whatever the last batches left.
 */
export function drive(s: Sched, { batches }: Program, make: (origin: number, n: number) => Handle, labelOf: (h: Handle) => string): string[] {
  const out: string[] = [];
  let made = 0;
  for (const b of batches) {
    for (const o of b.before) s.push(make(o, made++));
    const n = s.startBatch();
    for (let i = 0; i < n; i++) {
      out.push(labelOf(s.next()));
      for (const o of b.during[i % Math.max(1, b.during.length)] ?? []) s.push(make(o, made++));
    }
    out.push('|');
  }
  // Drain what the last batches left, so every handle is accounted for.
  for (let n = s.startBatch(); n > 0; n = s.startBatch()) for (let i = 0; i < n; i++) out.push(labelOf(s.next()));
  return out;
}
