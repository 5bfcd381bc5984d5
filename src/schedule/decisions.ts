/**
 * The choices a simulated run made, by kind, each a list of small integers
 * whose 0 is the choice's target (what `'fifo'` and a perfect network do):
 * - `pick`: which ready origin ran next (recorded only when two or more had
 *   ready handles, and not when the starvation limit chose), as an index
 *   into the origins as `OriginScheduler` keeps them: an array that grows by
 *   appending (an origin whose first handle became ready), shrinks by
 *   swap-removal (the last entry moves into the place of one that leaves),
 *   and always has the origin with the oldest ready head at index 0. So 0 is
 *   the FIFO choice, and every other index names one origin, determined by
 *   the run's earlier events and decisions alone;
 * - a draw stream per random world choice (`jitter`, `loss`, `duplicate`,
 *   `reorder`, ...), each draw an integer in [0, DRAW_RANGE) where 0 means no
 *   extra delay, or the fault not happening.
 * Streams are separate, so shortening one never shifts another's.
 */
export interface Decisions {
  readonly picks: readonly number[];
  readonly draws: Readonly<Record<string, readonly number[]>>;
}

/** Draws are integers in [0, DRAW_RANGE): fine enough for delays, small in a token. */
export const DRAW_RANGE = 65536;

/** No decisions: every choice takes its target (the FIFO order, no jitter, no faults). */
export const NO_DECISIONS: Decisions = Object.freeze({ picks: Object.freeze([]) as readonly number[], draws: Object.freeze({}) });

/** Values per chunk of a `ChunkedList`. */
const CHUNK = 4096;

/**
 * An append-only list of integers kept in chunks of at most CHUNK values: a
 * long run's millions of picks are never copied into a larger array as they
 * arrive (regrowing one big array costs a copy and fresh pages each time),
 * and a short run's few decisions cost one small array.
 */
class ChunkedList {
  private readonly full: number[][] = [];
  private chunk: number[] = [];

  push(v: number): void {
    if (this.chunk.length === CHUNK) {
      this.full.push(this.chunk);
      this.chunk = [];
    }
    this.chunk.push(v);
  }

  toArray(): number[] {
    return this.full.length === 0 ? this.chunk.slice() : [...this.full.flat(), ...this.chunk];
  }
}

/** Decisions as a run makes them (picks are below 2^31: indexes into the ready origins; draws below DRAW_RANGE). */
export class DecisionLog {
  private readonly picks = new ChunkedList();
  private draws: Map<string, ChunkedList> | null = null;

  pick(index: number): void {
    this.picks.push(index);
  }

  draw(stream: string, value: number): void {
    const draws = (this.draws ??= new Map());
    let list = draws.get(stream);
    if (list === undefined) {
      list = new ChunkedList();
      draws.set(stream, list);
    }
    list.push(value);
  }

  /** A frozen copy. */
  snapshot(): Decisions {
    const draws: Record<string, readonly number[]> = {};
    const lists = this.draws ?? new Map<string, ChunkedList>();
    for (const k of [...lists.keys()].sort()) draws[k] = Object.freeze(lists.get(k)!.toArray());
    return Object.freeze({ picks: Object.freeze(this.picks.toArray()), draws: Object.freeze(draws) });
  }
}

/** How many decisions differ from their target (the size of a schedule, for shrinking reports). */
export function decisionWeight(d: Decisions): number {
  let n = 0;
  for (const p of d.picks) if (p !== 0) n++;
  for (const k of Object.keys(d.draws)) for (const v of d.draws[k]!) if (v !== 0) n++;
  return n;
}

/** Decisions with trailing targets removed (they are implied once a list runs out). */
export function trimDecisions(d: Decisions): Decisions {
  const trim = (xs: readonly number[]): readonly number[] => {
    let end = xs.length;
    while (end > 0 && xs[end - 1] === 0) end--;
    return Object.freeze(xs.slice(0, end));
  };
  const draws: Record<string, readonly number[]> = {};
  for (const k of Object.keys(d.draws).sort()) {
    const t = trim(d.draws[k]!);
    if (t.length > 0) draws[k] = t;
  }
  return Object.freeze({ picks: trim(d.picks), draws: Object.freeze(draws) });
}

/** Validate decisions given by a user (a Schedule built by hand, a decoded token). */
export function checkDecisions(d: unknown, where: string): Decisions {
  if (d === null || typeof d !== 'object') throw new TypeError(`${where}: decisions must be an object { picks, draws }`);
  const { picks, draws } = d as { picks?: unknown; draws?: unknown };
  const list = (xs: unknown, name: string): readonly number[] => {
    if (!Array.isArray(xs)) throw new TypeError(`${where}: ${name} must be an array of integers >= 0`);
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new TypeError(`${where}: ${name}[${i}] must be an integer >= 0, got ${String(v)}`);
    }
    return Object.freeze([...(xs as number[])]);
  };
  const out: Record<string, readonly number[]> = {};
  if (draws !== undefined) {
    if (draws === null || typeof draws !== 'object') throw new TypeError(`${where}: draws must be an object of integer arrays`);
    for (const k of Object.keys(draws).sort()) out[k] = list((draws as Record<string, unknown>)[k], `draws.${k}`);
  }
  return Object.freeze({ picks: picks === undefined ? Object.freeze([]) : list(picks, 'picks'), draws: Object.freeze(out) });
}
