import { vi } from 'vitest';
import { EventLoop, VirtualClock, type ExceptionContext, type LoopOptions, type Selector } from '../../src/index.js';

/**
 * A selector for loops on a `VirtualClock`. With autojump the loop only waits
 * here when no timer is pending: by default that fails the run at once (a
 * test that would otherwise hang until its timeout fails fast instead);
 * `idle: 'wait'` lets the loop wait until something schedules a callback.
 */
export class TestSelector implements Selector {
  waits: number[] = [];
  closed = 0;
  private pending: ReturnType<typeof setImmediate> | null = null;

  constructor(private readonly idle: 'fail' | 'wait' = 'fail') {}

  wait(timeoutMs: number, onWake: (error?: unknown) => void): void {
    this.waits.push(timeoutMs);
    if (timeoutMs === Infinity && this.idle === 'wait') return;
    this.pending = setImmediate(() => {
      this.pending = null;
      onWake(timeoutMs === Infinity ? new Error('TestSelector: the loop went idle with nothing left to wake it') : undefined);
    });
  }

  cancelWait(): void {
    if (this.pending !== null) clearImmediate(this.pending);
    this.pending = null;
  }

  close(): void {
    this.cancelWait();
    this.closed++;
  }
}

/** A loop on virtual time (autojump), with a selector that fails the run when it would idle forever. */
export function virtualLoop(opts: { idle?: 'fail' | 'wait'; startTime?: number } & Omit<LoopOptions, 'clock' | 'selector'> = {}): {
  loop: EventLoop;
  clock: VirtualClock;
  selector: TestSelector;
} {
  const { idle, startTime, ...rest } = opts;
  const clock = new VirtualClock(startTime ?? 0);
  const selector = new TestSelector(idle);
  const loop = new EventLoop({ os: {}, ...rest, clock, selector });
  return { loop, clock, selector };
}

/** Replace the loop's logger with spies and return them. */
export function spyLogger(loop: EventLoop): { warn: ReturnType<typeof vi.fn>; error: ReturnType<typeof vi.fn> } {
  const logger = { warn: vi.fn(), error: vi.fn() };
  loop.logger = logger;
  return logger;
}

/** Route the loop's exception handler into an array and return it. */
export function collectReports(loop: EventLoop): ExceptionContext[] {
  const reports: ExceptionContext[] = [];
  loop.setExceptionHandler((_loop, ctx) => {
    reports.push(ctx);
  });
  return reports;
}

/** The error `p` rejects with; throws if it resolves instead. */
export async function rejection(p: PromiseLike<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection, but it resolved');
}

/** A real-time pause, for Node-backend tests only (never asserted on). */
export function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
