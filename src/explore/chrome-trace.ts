import { writeFileSync } from 'node:fs';
import type { TraceEvent } from '../backends/sim/sim-world.js';
import { linkSteps } from './step-links.js';
import { formatVirtualTime } from './timeline.js';

/** Options of `toChromeTrace`. */
export interface ChromeTraceOptions {
  /** The process track's name (default `simloop`); a run's seed reads well here. */
  processName?: string;
  /** Displayed µs between consecutive events of one virtual instant (default 1): they stay apart, in order. */
  spacing?: number;
}

/** One Chrome Trace Event (the subset this export writes). */
export interface ChromeTraceEvent {
  name: string;
  ph: 'X' | 'i' | 's' | 'f' | 'M';
  pid: number;
  tid: number;
  cat?: string;
  /** Displayed time, µs. */
  ts?: number;
  /** Displayed duration, µs (`X` slices). */
  dur?: number;
  /** Instant scope: the thread. */
  s?: 't';
  /** Flow id (`s`/`f`). */
  id?: number;
  /** Flow end binds to the enclosing slice. */
  bp?: 'e';
  args?: Record<string, string | number>;
}

/** A Chrome Trace Event document (JSON object format). */
export interface ChromeTrace {
  displayTimeUnit: 'ms';
  traceEvents: ChromeTraceEvent[];
  otherData: Record<string, string | number>;
}

const PID = 1;
const LOOP_TID = 1;
const NETWORK_TID = 2;
const FIRST_TASK_TID = 3;

/** Events the loop runs (each opens a slice until the next such event). */
const RUNS = new Set(['step', 'callback', 'timer']);
/** The loop's own bookkeeping, drawn on the loop track. */
const LOOP_KINDS = new Set(['callback', 'timer', 'jump', 'advance', 'cancel', 'step']);

/** A task's track; a later task that reuses the name of a finished one gets a track of its own. */
interface TaskTrack {
  tid: number;
  done: boolean;
}

/**
 * Assigns every event its track: one per task (by name), `loop` for plain
 * callbacks, timers and clock moves, `network` for the world's events
 * (connect, send, recv, close, reset, fault, dns, process, signal, executor).
 */
class Tracks {
  readonly names = new Map<number, string>([
    [LOOP_TID, 'loop'],
    [NETWORK_TID, 'network'],
  ]);
  private readonly byTask = new Map<string, TaskTrack>();
  private readonly uses = new Map<string, number>();
  private next = FIRST_TASK_TID;

  of(e: TraceEvent): number {
    const task = e.task;
    if (task !== undefined) return this.ofTask(task, e.kind);
    return e.handle !== undefined || LOOP_KINDS.has(e.kind) ? LOOP_TID : NETWORK_TID;
  }

  private ofTask(name: string, kind: string): number {
    let track = this.byTask.get(name);
    if (track === undefined || (kind === 'create' && track.done)) {
      const n = (this.uses.get(name) ?? 0) + 1;
      this.uses.set(name, n);
      track = { tid: this.next++, done: false };
      this.byTask.set(name, track);
      this.names.set(track.tid, clean(n === 1 ? name : `${name} (${n})`));
    }
    if (kind === 'done') track.done = true;
    return track.tid;
  }
}

function checkOptions(opts: ChromeTraceOptions): { processName: string; spacing: number } {
  if (opts === null || typeof opts !== 'object') throw new TypeError('toChromeTrace: opts must be an object');
  const { processName = 'simloop', spacing = 1 } = opts;
  if (typeof processName !== 'string') throw new TypeError(`toChromeTrace: processName must be a string, got ${typeof processName}`);
  if (typeof spacing !== 'number' || Number.isNaN(spacing)) throw new TypeError(`toChromeTrace: spacing must be a number, got ${String(spacing)}`);
  if (!(spacing > 0) || spacing === Infinity) throw new RangeError(`toChromeTrace: spacing must be a finite number of µs > 0, got ${spacing}`);
  return { processName, spacing };
}

/**
 * Displayed times (µs): virtual time, except that each event comes at least
 * `spacing` after the one before, so events of one instant stand apart in
 * order; the gaps between instants keep their virtual length (or `spacing`,
 * if shorter), so everything after a crowded instant shifts a little.
 */
function displayTimes(events: readonly TraceEvent[], spacing: number): Float64Array {
  const ts = new Float64Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const virtual = events[i]!.time * 1000;
    if (i === 0) {
      ts[i] = virtual;
      continue;
    }
    const shifted = ts[i - 1]! + (virtual - events[i - 1]!.time * 1000);
    // Rounded to the nanosecond: Perfetto keeps no finer, and it keeps the JSON short.
    ts[i] = Math.round(Math.max(shifted, ts[i - 1]! + spacing) * 1000) / 1000;
  }
  return ts;
}

/**
 * Control characters and lone surrogates: JSON.stringify writes them as
 * `\uXXXX` escapes (or raw, for DEL), which some Perfetto JSON importers
 * reject outright, so names and details never carry them.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function clean(text: string): string {
  return text.replace(UNSAFE, '\ufffd');
}

/** The name shown on an event's slice or marker. */
function labelOf(e: TraceEvent, cause: string | undefined): string {
  return clean(rawLabelOf(e, cause));
}

function rawLabelOf(e: TraceEvent, cause: string | undefined): string {
  if (e.kind === 'step' && e.task !== undefined) {
    if (cause === undefined) return 'step';
    return cause === 'start' ? 'start' : `resume: ${cause}`;
  }
  if (e.detail === undefined) return e.kind;
  if (e.kind === 'jump' || e.kind === 'advance') return `${e.kind} ${e.detail} ms`;
  return e.kind === 'callback' || e.kind === 'timer' ? `${e.kind} ${e.detail}` : `${e.kind}: ${e.detail}`;
}

function argsOf(e: TraceEvent, index: number, cause: string | undefined): Record<string, string | number> {
  const args: Record<string, string | number> = { virtualTime: e.time, at: formatVirtualTime(e.time), kind: clean(e.kind), seq: index };
  if (e.task !== undefined) args.task = clean(e.task);
  if (e.handle !== undefined) args.handle = e.handle;
  if (e.detail !== undefined) args.detail = clean(e.detail);
  if (e.kind === 'step' && cause !== undefined) args.resumesFrom = clean(cause);
  return args;
}

/**
 * A trace as a Chrome Trace Event document (JSON-serialisable; opens in
 * Perfetto and chrome://tracing). One track per task, named after it (a
 * thread_name metadata event), plus `loop` (plain callbacks, timers, clock
 * jumps) and `network` (the world's network, DNS, process, signal, executor
 * and fault events). Each loop step is a slice (`X`) on its task's track (a
 * task step, named after what it resumes from) or on `loop`; it lasts until
 * the last event it caused. Everything else is an instant (`i`) on its track,
 * and a flow arrow joins a `wake` or `create` to the step it leads to,
 * wherever the trace tells which (`linkSteps`).
 * Events that share a virtual instant are spread by `spacing` µs of displayed
 * time, in trace order; `args.virtualTime` (ms) and `args.at` carry the real
 * virtual time, `args.seq` the event's index in the trace. Equal traces and
 * options give equal documents.
 */
export function toChromeTrace(events: readonly TraceEvent[], opts: ChromeTraceOptions = {}): ChromeTrace {
  const { processName, spacing } = checkOptions(opts);
  const ts = displayTimes(events, spacing);
  const { source, cause } = linkSteps(events);
  const tracks = new Tracks();
  const out: ChromeTraceEvent[] = [];
  /** The slice running now (the loop step whose effects the next events are): its event and track. */
  let open: ChromeTraceEvent | null = null;
  let lastInOpen = 0;
  /** For a `create` or `wake` made while a slice ran: that slice's track, where its flow starts. */
  const flowFrom = new Map<number, number>();
  let flows = 0;
  const close = (): void => {
    if (open !== null) open.dur = Math.round((lastInOpen - open.ts! + spacing) * 1000) / 1000;
    open = null;
  };
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const tid = tracks.of(e);
    const args = argsOf(e, i, cause[i]);
    const name = labelOf(e, cause[i]);
    if (RUNS.has(e.kind) || e.kind === 'jump') close();
    if (RUNS.has(e.kind)) {
      open = { name, cat: e.kind, ph: 'X', ts: ts[i]!, dur: spacing, pid: PID, tid, args };
      lastInOpen = ts[i]!;
      out.push(open);
      const from = source[i]!;
      const fromTid = from >= 0 ? flowFrom.get(from) : undefined;
      if (fromTid !== undefined) {
        const id = ++flows;
        const flowName = events[from]!.kind;
        out.push({ name: flowName, cat: 'flow', ph: 's', id, ts: ts[from]!, pid: PID, tid: fromTid });
        out.push({ name: flowName, cat: 'flow', ph: 'f', bp: 'e', id, ts: ts[i]!, pid: PID, tid });
      }
      continue;
    }
    if (open !== null) {
      lastInOpen = ts[i]!;
      if (e.kind === 'wake' || e.kind === 'create') flowFrom.set(i, open.tid);
    }
    out.push({ name, cat: e.kind, ph: 'i', s: 't', ts: ts[i]!, pid: PID, tid, args });
  }
  close();

  // On the loop's tid: a tid of its own would be a thread without events.
  const meta: ChromeTraceEvent[] = [{ name: 'process_name', ph: 'M', pid: PID, tid: LOOP_TID, args: { name: clean(processName) } }];
  let order = 0;
  for (const [tid, name] of tracks.names) {
    meta.push({ name: 'thread_name', ph: 'M', pid: PID, tid, args: { name } });
    meta.push({ name: 'thread_sort_index', ph: 'M', pid: PID, tid, args: { sort_index: order++ } });
  }
  const last = events.length > 0 ? events[events.length - 1]!.time : 0;
  // displayTimeUnit first: Perfetto reads it only near the start of the file.
  return {
    displayTimeUnit: 'ms',
    traceEvents: meta.concat(out),
    otherData: { generator: 'simloop', events: events.length, virtualTimeEnd: last, note: 'displayed times spread same-instant events apart; args.virtualTime is the virtual time in ms' },
  };
}

/** Write `toChromeTrace(events, opts)` to `path` as JSON (for `--trace out.json`); overwrites the file. */
export function writeChromeTrace(path: string, events: readonly TraceEvent[], opts?: ChromeTraceOptions): void {
  if (typeof path !== 'string' || path === '') throw new TypeError(`writeChromeTrace: path must be a non-empty string, got ${typeof path === 'string' ? '""' : typeof path}`);
  writeFileSync(path, JSON.stringify(toChromeTrace(events, opts)));
}
