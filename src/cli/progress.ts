/** Where progress goes: a stream, and whether it is a terminal (and how wide). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of `Progress`. */
export interface ProgressOptions {
  /** The word before the counts (default `explore`). */
  label?: string;
  /** The wall clock in ms (default `performance.now`); rate and ETA come from it. */
  now?: () => number;
  /** Redraw at most this often on a terminal, in ms (default 100); the last run always draws. */
  redrawMs?: number;
  /** The rate (and so the ETA) is measured over about this many recent ms (default 5,000), so a slow start (workers booting) fades out. */
  windowMs?: number;
}

const CLEAR_LINE = '\r\x1b[2K';

/** Seconds as `3s`, `1:05` or `2:03:04`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '--';
  return perSecond < 10 ? perSecond.toFixed(1) : String(Math.round(perSecond));
}

/**
 * A progress display for `total` runs. On a terminal it is one line redrawn
 * in place (a bar, runs done/total, recent runs per second, ETA), at most every
 * `redrawMs`, and `finish()` clears it so that what follows starts on a clean
 * line. Elsewhere (a pipe, a CI log) it writes a plain line every tenth of
 * the runs and at the last one, never a control character.
 */
export class Progress {
  private readonly tty: boolean;
  private readonly label: string;
  private readonly now: () => number;
  private readonly redrawMs: number;
  private readonly windowMs: number;
  private readonly every: number;
  /** (time, runs done) when lines were drawn; the first is the anchor the rate is measured from. */
  private readonly samples: { t: number; done: number }[];
  private lastDraw = -Infinity;
  private drawn = false;
  private lastPrinted = 0;
  private finished = false;

  constructor(
    private readonly total: number,
    private readonly stream: ProgressStream,
    opts: ProgressOptions = {},
  ) {
    if (!Number.isInteger(total) || total < 1) throw new RangeError(`Progress: total must be an integer >= 1, got ${total}`);
    this.tty = stream.isTTY === true;
    this.label = opts.label ?? 'explore';
    this.now = opts.now ?? (() => performance.now());
    this.redrawMs = opts.redrawMs ?? 100;
    this.windowMs = opts.windowMs ?? 5000;
    this.samples = [{ t: this.now(), done: 0 }];
    this.every = Math.max(1, Math.ceil(total / 10));
    if (this.tty) this.draw(0);
  }

  /** `done` runs of `total` have finished. */
  update(done: number): void {
    if (this.finished) return;
    if (this.tty) {
      const t = this.now();
      if (done >= this.total || t - this.lastDraw >= this.redrawMs) this.draw(done);
    } else if (done >= this.total || done - this.lastPrinted >= this.every) {
      this.lastPrinted = done;
      this.stream.write(`${this.describe(done)}\n`);
    }
  }

  /** Stop: on a terminal, erase the line; afterwards `update` does nothing. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.tty && this.drawn) this.stream.write(CLEAR_LINE);
  }

  private draw(done: number): void {
    this.lastDraw = this.now();
    const text = this.describe(done);
    // A pseudo-terminal may report 0 columns: assume the classic 80.
    const columns = this.stream.columns !== undefined && this.stream.columns > 0 ? this.stream.columns : 80;
    // The bar keeps one width while the text beside it changes: room for the widest counts, rate and ETA.
    const widest = this.label.length + 2 * String(this.total).length + 44;
    const width = Math.max(0, Math.min(30, columns - widest - 4));
    const filled = Math.round((width * Math.min(done, this.total)) / this.total);
    const bar = width >= 5 ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
    this.stream.write(`${CLEAR_LINE}${bar}${text}`.slice(0, CLEAR_LINE.length + Math.max(1, columns - 1)));
    this.drawn = true;
  }

  private describe(done: number): string {
    const t = this.now();
    // Anchor on the newest sample at least a window old (or the start): the rate of the recent runs.
    while (this.samples.length >= 2 && this.samples[1]!.t <= t - this.windowMs) this.samples.shift();
    const anchor = this.samples[0]!;
    const seconds = (t - anchor.t) / 1000;
    const rate = seconds > 0 && done > 0 ? (done - anchor.done) / seconds : NaN;
    this.samples.push({ t, done });
    const eta = done > 0 && done < this.total ? formatDuration((this.total - done) / rate) : done >= this.total ? '0s' : '--';
    const pct = Math.floor((100 * done) / this.total);
    // On a terminal the count is padded so the line does not jitter as it grows.
    const count = this.tty ? String(done).padStart(String(this.total).length) : String(done);
    return `${this.label}: ${count}/${this.total} runs (${pct}%), ${formatRate(rate)} runs/s, ETA ${eta}`;
  }
}
