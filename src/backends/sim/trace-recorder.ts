/**
 * An event's detail as recorded: a string, a time delta in ms (shown `+n`),
 * or a callback, whose name is read only when the trace is read (reading a
 * function's name on every traced callback showed in profiles).
 */
export type TraceDetail = string | number | ((...args: never[]) => unknown) | undefined;

/** One event of a run's trace: identical for equal programs and seeds. */
export interface TraceEvent {
  /** Virtual time (ms). */
  time: number;
  /** `callback`, `timer`, `step`, `wake`, `create`, `cancel`, `done`, `jump`, `advance`, ... */
  kind: string;
  /** The task's name, when a task is concerned. */
  task?: string;
  /** The handle (`#<seq>`), when a loop callback is concerned. */
  handle?: string;
  detail?: string;
}

/** Events per block (a power of two: slot → block is a shift). */
const BLOCK_BITS = 10;
const BLOCK = 1 << BLOCK_BITS;
const BLOCK_MASK = BLOCK - 1;
/** Numbers per event in a block: time, kind, task, handle. */
const STRIDE = 4;

/**
 * Records trace events in columns (numbers and interned strings) instead of
 * one object each, so tracing every loop step stays cheap; keeps the last
 * `limit` events in a ring, so a long run's memory stays bounded. Events are
 * built as objects only when asked for. The ring is made of fixed blocks
 * added as it fills: growing never copies, and a short run allocates little.
 */
export class TraceRecorder {
  /** Per block: time, kind id, task id (-1: none), handle (-1: none) of each event. */
  private readonly _numbers: Float64Array[] = [];
  /** Per block: each event's detail: a string, a number (a time delta: `+n`), or undefined. */
  private readonly _details: TraceDetail[][] = [];
  /** Slots in the blocks so far (at most `limit`). */
  private _capacity = 0;
  private readonly _strings: string[] = [];
  private readonly _stringIds = new Map<string, number>();
  /** Slot of the oldest event. */
  private _start = 0;
  private _length = 0;
  /** Events recorded in all, dropped ones included. */
  private _total = 0;

  constructor(private readonly limit: number) {}

  /** Events recorded since the start, including those the limit dropped. */
  get recorded(): number {
    return this._total;
  }

  /** Record one event; `handle` is a sequence number or -1, `task` a name or null. */
  record(time: number, kind: string, task: string | null, handle: number, detail: TraceDetail): void {
    this._total++;
    let slot: number;
    if (this._length < this._capacity) {
      // Not full: the ring has not wrapped, so the next slot follows the last.
      slot = this._length++;
    } else if (this._capacity < this.limit) {
      this._addBlock();
      slot = this._length++;
    } else {
      if (this.limit === 0) return;
      slot = this._start;
      if (++this._start === this._capacity) this._start = 0;
    }
    const numbers = this._numbers[slot >>> BLOCK_BITS]!;
    const at = (slot & BLOCK_MASK) * STRIDE;
    numbers[at] = time;
    numbers[at + 1] = this._intern(kind);
    numbers[at + 2] = task === null ? -1 : this._intern(task);
    numbers[at + 3] = handle;
    this._details[slot >>> BLOCK_BITS]![slot & BLOCK_MASK] = detail;
  }

  /** The kept events, oldest first, as objects. */
  toArray(): TraceEvent[] {
    const out: TraceEvent[] = new Array(this._length);
    const strings = this._strings;
    for (let k = 0; k < this._length; k++) {
      let slot = this._start + k;
      if (slot >= this._capacity) slot -= this._capacity;
      const numbers = this._numbers[slot >>> BLOCK_BITS]!;
      const at = (slot & BLOCK_MASK) * STRIDE;
      const ev: TraceEvent = { time: numbers[at]!, kind: strings[numbers[at + 1]!]! };
      const task = numbers[at + 2]!;
      if (task >= 0) ev.task = strings[task];
      const handle = numbers[at + 3]!;
      if (handle >= 0) ev.handle = `#${handle}`;
      const d = this._details[slot >>> BLOCK_BITS]![slot & BLOCK_MASK];
      if (d !== undefined) ev.detail = typeof d === 'number' ? `+${d}` : typeof d === 'function' ? d.name || 'anonymous' : d;
      out[k] = ev;
    }
    return out;
  }

  private _intern(s: string): number {
    let id = this._stringIds.get(s);
    if (id === undefined) {
      id = this._strings.length;
      this._strings.push(s);
      this._stringIds.set(s, id);
    }
    return id;
  }

  /** One more block (only while no event has been dropped, so the ring starts at slot 0); the last may be short. */
  private _addBlock(): void {
    const size = Math.min(BLOCK, this.limit - this._capacity);
    this._numbers.push(new Float64Array(size * STRIDE));
    this._details.push(new Array(size).fill(undefined));
    this._capacity += size;
  }
}
