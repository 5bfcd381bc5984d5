import type { TraceEvent } from '../backends/sim/sim-world.js';
import { linkSteps } from './step-links.js';

/**
 * Format a virtual time in ms as `h:mm:ss.mmm` (`0:01:05.250`), with the
 * sub-millisecond digits appended only when there are some (`0:00:00.0005`,
 * rounded to the microsecond). Infinite and NaN times print as `String(ms)`.
 */
export function formatVirtualTime(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  let whole = Math.floor(abs);
  let micros = Math.round((abs - whole) * 1000);
  if (micros === 1000) {
    whole++;
    micros = 0;
  }
  const h = Math.floor(whole / 3_600_000);
  const m = Math.floor((whole % 3_600_000) / 60_000);
  const s = Math.floor((whole % 60_000) / 1000);
  const milli = whole % 1000;
  const sub = micros === 0 ? '' : String(micros).padStart(3, '0').replace(/0+$/, '');
  return `${sign}${h}:${pad(m, 2)}:${pad(s, 2)}.${pad(milli, 3)}${sub}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Options of `formatTimeline`. */
export interface TimelineOptions {
  /** Show only the last `limit` events (after `omit`), with a line counting the earlier ones. Default: all. */
  limit?: number;
  /** Event kinds to leave out (say `['callback']` for the loop's own callbacks). Default: none. */
  omit?: readonly string[];
}

/** The widest task or handle column; longer names overflow their line rather than widen every line. */
const MAX_WHO_WIDTH = 24;
const HEADER = ['time', 'kind', 'task', 'detail'] as const;

/**
 * A readable text timeline of a trace, one line per event under a header:
 * virtual time (`h:mm:ss.mmm`, printed once per instant, so that the events
 * that share it read as one group), kind, task (or loop handle) and detail,
 * in aligned columns. A task step says what it resumes from (`start`, or
 * `after <the future it awaited>`) when the trace tells (`linkSteps`), a
 * clock jump by how much. Equal traces and options give equal text.
 */
export function formatTimeline(events: readonly TraceEvent[], opts: TimelineOptions = {}): string {
  if (opts === null || typeof opts !== 'object') throw new TypeError('formatTimeline: opts must be an object');
  const limit = opts.limit ?? Infinity;
  if (typeof limit !== 'number' || Number.isNaN(limit)) throw new TypeError(`formatTimeline: limit must be a number, got ${String(limit)}`);
  if (limit < 0 || (limit !== Infinity && !Number.isInteger(limit))) {
    throw new RangeError(`formatTimeline: limit must be a whole number >= 0 or Infinity, got ${limit}`);
  }
  const omit = opts.omit ?? [];
  if (!Array.isArray(omit) || omit.some((k) => typeof k !== 'string')) throw new TypeError('formatTimeline: omit must be an array of event kinds (strings)');

  const omitted = new Set(omit);
  const { cause } = linkSteps(events);
  const kept: number[] = [];
  for (let i = 0; i < events.length; i++) if (!omitted.has(events[i]!.kind)) kept.push(i);
  const shown = kept.length > limit ? kept.slice(kept.length - limit) : kept;

  const rows: string[][] = [];
  let lastTime = NaN;
  for (const i of shown) {
    const e = events[i]!;
    const time = e.time === lastTime ? '' : formatVirtualTime(e.time);
    lastTime = e.time;
    rows.push([time, e.kind, e.task ?? e.handle ?? '', detailText(e, cause[i])]);
  }
  const widths = [HEADER[0].length, HEADER[1].length, HEADER[2].length];
  for (const r of rows) for (let c = 0; c < 3; c++) if (r[c]!.length > widths[c]!) widths[c] = r[c]!.length;
  widths[2] = Math.min(widths[2]!, MAX_WHO_WIDTH);
  const line = (r: readonly string[]): string => `${r[0]!.padStart(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]!.padEnd(widths[2]!)}  ${r[3]}`.trimEnd();

  const lines = [line(HEADER)];
  const earlier = kept.length - shown.length;
  if (earlier > 0) lines.push(`${'...'.padStart(widths[0]!)}  ${earlier} earlier event${earlier === 1 ? '' : 's'}`);
  for (const r of rows) lines.push(line(r));
  return lines.join('\n');
}

/** The detail column: a step's cause, a clock move in ms, else the event's own detail. */
function detailText(e: TraceEvent, stepCause: string | undefined): string {
  if (e.kind === 'step' && e.task !== undefined) {
    if (stepCause === undefined) return e.detail ?? '';
    return stepCause === 'start' ? 'start' : `after ${stepCause}`;
  }
  const d = e.detail ?? '';
  if ((e.kind === 'jump' || e.kind === 'advance') && /^\+[\d.e+-]+$/.test(d)) return `${d} ms`;
  return d;
}
