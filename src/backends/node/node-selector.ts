import type { Selector } from '../../loop/selector.js';
import { realClearInterval, realClearTimeout, realSetInterval, realSetTimeout } from '../../loop/real-primitives.js';

/** Longest delay Node's timers accept (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

function keepAliveTick(this: void): void {
  // Nothing to do: the timer only keeps the process alive, and it repeats.
}

/**
 * The Node idle wait: a real timer until the next loop timer is due. I/O
 * needs no polling here, since Node delivers it to callbacks that schedule
 * loop callbacks, and scheduling anything ends the wait (`cancelWait`). An
 * endless wait keeps the process alive, as a blocked asyncio loop does, with
 * one long interval that is only ref'd and unref'd: an I/O-driven loop goes
 * idle and wakes once per event, and creating and clearing a timer each time
 * would cost more than the event.
 */
export class NodeSelector implements Selector {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private keepAlive: ReturnType<typeof setInterval> | null = null;

  wait(timeoutMs: number, onWake: (error?: unknown) => void): void {
    this.cancelWait();
    if (timeoutMs === Infinity) {
      if (this.keepAlive === null) this.keepAlive = realSetInterval(keepAliveTick, MAX_TIMER_MS);
      else this.keepAlive.ref();
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
    this.keepAlive?.unref();
  }

  close(): void {
    this.cancelWait();
    if (this.keepAlive !== null) {
      realClearInterval(this.keepAlive);
      this.keepAlive = null;
    }
  }
}
