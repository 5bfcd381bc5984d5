import type { Selector } from '../../loop/selector.js';
import { realClearImmediate, realClearTimeout, realSetImmediate, realSetTimeout } from '../../loop/real-primitives.js';

/** How long a simulation waits in real time for plain promises before it calls a deadlock. */
export const PLAIN_PROMISE_GRACE_MS = 5000;

/** How often (real ms) the grace wait looks whether plain work gave the loop something to do. */
const GRACE_POLL_MS = 1;

/** The world a selector serves: it judges the idle loop and lends the I/O drivers of its parts. */
export interface SelectorHost {
  /** What the tasks wait for, asked when the loop has nothing to do. */
  _idleVerdict(): IdleVerdict;
  /** The driver in an I/O slot, from the part that lends it (built on first use). */
  _lent(slot: 'stream' | 'datagram' | 'pipes'): unknown;
}

/** What the world tells its selector about the tasks, when the loop has nothing to do. */
export interface IdleVerdict {
  /** Some task awaits a plain promise (real work outside the loop may still wake it). */
  waitingOnPlainWork: boolean;
  /** What the world holds virtual time for (SimContext.hold), or null: the release wakes the loop. */
  held: string[] | null;
  /**
   * A timer is pending that the clock does not jump to (autojump is off):
   * `advance()` will wake the loop, so this is no deadlock.
   */
  timerPending: boolean;
  /** True when a callback is ready or a timer is pending (plain work scheduled one). */
  hasWork(): boolean;
  /** The error to fail with if nothing wakes the loop (naming the holds that never ended, if any). */
  deadlock(held?: string[]): Error;
}

/**
 * The simulated idle wait. The virtual clock already jumped to the next
 * timer when there was one, so a wait here means no timer is pending (or
 * autojump is off and the loop waits for `advance()`): if every task awaits a
 * loop future, nothing can ever wake them (a deadlock, reported at once); if
 * some task awaits a plain promise, real work may still finish, so it waits up
 * to 5 s of real time (one of the two sanctioned reads of real time) before
 * reporting the deadlock. During that wait it looks every millisecond whether
 * the plain work scheduled a timer (a `sleep` after a file read): a timer
 * scheduled outside the loop's callbacks does not wake the loop by itself.
 */
export class SimSelector implements Selector {
  /** A simulation has no host I/O to let in between callbacks: long drivers save libuv iterations. */
  readonly driverBudget = 256;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private poll: ReturnType<typeof setTimeout> | null = null;
  private immediate: ReturnType<typeof setImmediate> | null = null;

  constructor(private readonly host: SelectorHost) {}

  /** The stream driver (TCP, unix, TLS) of the world's network. */
  get stream(): Selector['stream'] {
    return this.host._lent('stream') as Selector['stream'];
  }

  /** The datagram driver of the world's network. */
  get datagram(): Selector['datagram'] {
    return this.host._lent('datagram') as Selector['datagram'];
  }

  /** The pipe driver of the world's files. */
  get pipes(): Selector['pipes'] {
    return this.host._lent('pipes') as Selector['pipes'];
  }

  wait(timeoutMs: number, onWake: (error?: unknown) => void): void {
    this.cancelWait();
    if (timeoutMs !== Infinity) {
      this.immediate = realSetImmediate(() => {
        this.immediate = null;
        onWake();
      });
      return;
    }
    const verdict = this.host._idleVerdict();
    if (verdict.held !== null) {
      // The release pokes the clock, which wakes the loop; a hold that never ends is a deadlock.
      this.timer = realSetTimeout(() => {
        this.timer = null;
        const last = this.host._idleVerdict();
        onWake(last.held === null ? undefined : last.deadlock(last.held));
      }, PLAIN_PROMISE_GRACE_MS);
      return;
    }
    // Without autojump, time moves only by advance(), which wakes the loop.
    if (verdict.timerPending) return;
    if (!verdict.waitingOnPlainWork) {
      this.immediate = realSetImmediate(() => {
        this.immediate = null;
        onWake(verdict.deadlock());
      });
      return;
    }
    const check = (): void => {
      this.poll = null;
      if (verdict.hasWork()) {
        this.cancelWait();
        onWake();
        return;
      }
      this.poll = realSetTimeout(check, GRACE_POLL_MS);
    };
    this.poll = realSetTimeout(check, GRACE_POLL_MS);
    this.timer = realSetTimeout(() => {
      this.timer = null;
      this.cancelWait();
      const last = this.host._idleVerdict();
      if (last.hasWork()) onWake();
      else onWake(last.deadlock());
    }, PLAIN_PROMISE_GRACE_MS);
  }

  cancelWait(): void {
    if (this.timer !== null) {
      realClearTimeout(this.timer);
      this.timer = null;
    }
    if (this.poll !== null) {
      realClearTimeout(this.poll);
      this.poll = null;
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
