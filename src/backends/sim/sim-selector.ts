import type { Selector } from '../../loop/selector.js';
import { realClearImmediate, realClearTimeout, realSetImmediate, realSetTimeout } from '../../loop/real-primitives.js';

/** How long a simulation waits in real time for plain promises before it calls a deadlock. */
export const PLAIN_PROMISE_GRACE_MS = 5000;

/** What the world tells its selector about the tasks, when the loop has nothing to do. */
export interface IdleVerdict {
  /** Some task awaits a plain promise (real work outside the loop may still wake it). */
  waitingOnPlainWork: boolean;
  /** The error to fail with if nothing wakes the loop. */
  deadlock(): Error;
}

/**
 * The simulated idle wait. The virtual clock already jumped to the next
 * timer when there was one, so a wait here means no timer is pending: if
 * every task awaits a loop future, nothing can ever wake them (a deadlock,
 * reported at once); if some task awaits a plain promise, real work may
 * still finish, so it waits up to 5 s of real time (one of the two sanctioned
 * reads of real time) before reporting the deadlock.
 */
export class SimSelector implements Selector {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private immediate: ReturnType<typeof setImmediate> | null = null;

  constructor(private readonly judge: () => IdleVerdict) {}

  wait(timeoutMs: number, onWake: (error?: unknown) => void): void {
    this.cancelWait();
    if (timeoutMs !== Infinity) {
      this.immediate = realSetImmediate(() => {
        this.immediate = null;
        onWake();
      });
      return;
    }
    const verdict = this.judge();
    if (!verdict.waitingOnPlainWork) {
      this.immediate = realSetImmediate(() => {
        this.immediate = null;
        onWake(verdict.deadlock());
      });
      return;
    }
    this.timer = realSetTimeout(() => {
      this.timer = null;
      onWake(this.judge().deadlock());
    }, PLAIN_PROMISE_GRACE_MS);
  }

  cancelWait(): void {
    if (this.timer !== null) {
      realClearTimeout(this.timer);
      this.timer = null;
    }
    if (this.immediate !== null) {
      realClearImmediate(this.immediate);
      this.immediate = null;
    }
  }

  close(): void {
    this.cancelWait();
  }
}
