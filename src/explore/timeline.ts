import type { TraceEvent } from '../backends/sim/sim-world.js';

/** Format a virtual time in ms as `h:mm:ss.mmm` (or `ss.mmm s` under a minute). */
export function formatVirtualTime(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = (rest / 1000).toFixed(3).padStart(6, '0');
  return `${sign}${h}:${String(m).padStart(2, '0')}:${s}`;
}

/**
 * A readable text timeline of a trace: one line per event, with its virtual
 * time, kind, task (or handle) and detail. Equal traces give equal text.
 */
export function formatTimeline(events: readonly TraceEvent[], opts: { limit?: number } = {}): string {
  const limit = opts.limit ?? Infinity;
  const shown = events.length > limit ? events.slice(events.length - limit) : events;
  const lines: string[] = [];
  if (shown.length < events.length) lines.push(`... ${events.length - shown.length} earlier events`);
  for (const e of shown) {
    const who = e.task ?? e.handle ?? '';
    lines.push(`${formatVirtualTime(e.time).padStart(14)}  ${e.kind.padEnd(8)} ${who.padEnd(12)} ${e.detail ?? ''}`.trimEnd());
  }
  return lines.join('\n');
}
