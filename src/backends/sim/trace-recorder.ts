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

const INITIAL_CAPACITY = 1024;

/**
 * Records trace events in columns (typed arrays and interned strings) instead
 * of one object each, so tracing every loop step stays cheap; keeps the last
 * `limit` events in a ring, so a long run's memory stays bounded. Events are
 * built as objects only when asked for.
 */
export class TraceRecorder {
  private capacity: number;
  private times: Float64Array;
  private kinds: Uint16Array;
  private tasks: Int32Array;
  private handles: Float64Array;
  /** A string, a number (a time delta: `+n`), or undefined. */
  private details: (string | number | undefined)[];
  private readonly strings: string[] = [];
  private readonly stringIds = new Map<string, number>();
  /** Index of the oldest event. */
  private start = 0;
  private length = 0;
  /** Events recorded in all, dropped ones included. */
  private total = 0;

  constructor(private readonly limit: number) {
    this.capacity = Math.max(0, Math.min(limit, INITIAL_CAPACITY));
    this.times = new Float64Array(this.capacity);
    this.kinds = new Uint16Array(this.capacity);
    this.tasks = new Int32Array(this.capacity);
    this.handles = new Float64Array(this.capacity);
    // Filled by appending while the ring has not wrapped: cheaper than a holey preallocated array.
    this.details = [];
  }

  /** Events recorded since the start, including those the limit dropped. */
  get recorded(): number {
    return this.total;
  }

  /** Record one event; `handle` is a sequence number or -1, `task` a name or null. */
  record(time: number, kind: string, task: string | null, handle: number, detail: string | number | undefined): void {
    this.total++;
    if (this.limit === 0) return;
    let i: number;
    if (this.length < this.capacity) {
      i = (this.start + this.length) % this.capacity;
      this.length++;
    } else if (this.capacity < this.limit) {
      this.grow();
      i = this.length++;
    } else {
      i = this.start;
      this.start = (this.start + 1) % this.capacity;
    }
    this.times[i] = time;
    this.kinds[i] = this.intern(kind);
    this.tasks[i] = task === null ? -1 : this.intern(task);
    this.handles[i] = handle;
    this.details[i] = detail;
  }

  /** The kept events, oldest first, as objects. */
  toArray(): TraceEvent[] {
    const out: TraceEvent[] = new Array(this.length);
    for (let k = 0; k < this.length; k++) {
      const i = (this.start + k) % this.capacity;
      const ev: TraceEvent = { time: this.times[i]!, kind: this.strings[this.kinds[i]!]! };
      const task = this.tasks[i]!;
      if (task >= 0) ev.task = this.strings[task];
      const handle = this.handles[i]!;
      if (handle >= 0) ev.handle = `#${handle}`;
      const d = this.details[i];
      if (d !== undefined) ev.detail = typeof d === 'number' ? `+${d}` : d;
      out[k] = ev;
    }
    return out;
  }

  private intern(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.stringIds.set(s, id);
    }
    return id;
  }

  /** Double the columns (only while no event has been dropped, so the ring starts at 0). */
  private grow(): void {
    const cap = Math.min(this.limit, this.capacity * 2);
    const times = new Float64Array(cap);
    times.set(this.times);
    const kinds = new Uint16Array(cap);
    kinds.set(this.kinds);
    const tasks = new Int32Array(cap);
    tasks.set(this.tasks);
    const handles = new Float64Array(cap);
    handles.set(this.handles);
    this.times = times;
    this.kinds = kinds;
    this.tasks = tasks;
    this.handles = handles;
    this.capacity = cap;
  }
}
