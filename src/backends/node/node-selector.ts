import type { Selector } from '../../loop/selector.js';
import { realClearTimeout, realSetTimeout } from '../../loop/real-primitives.js';

/** Longest delay Node's timers accept (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The Node idle wait: a real timer until the next loop timer is due. I/O
 * needs no polling here, since Node delivers it to callbacks that schedule
 * loop callbacks, and scheduling anything ends the wait (`cancelWait`). An
 * endless wait holds a long timer so the process stays alive, as a blocked
 * asyncio loop does.
 */
export class NodeSelector implements Selector {
  private timer: ReturnType<typeof setTimeout> | null = null;

  wait(timeoutMs: number, onWake: (error?: unknown) => void): void {
    this.cancelWait();
    if (timeoutMs === Infinity) {
      const rearm = (): void => {
        this.timer = realSetTimeout(rearm, MAX_TIMER_MS);
      };
      rearm();
      return;
    }
    // libuv timers have ms resolution: rounding up avoids waking just before the deadline.
    const ms = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(timeoutMs)));
    this.timer = realSetTimeout(() => {
      this.timer = null;
      onWake();
    }, ms);
  }

  cancelWait(): void {
    if (this.timer !== null) {
      realClearTimeout(this.timer);
      this.timer = null;
    }
  }

  close(): void {
    this.cancelWait();
  }
}
