/**
 * The time source of an EventLoop: injected, so production uses the real
 * monotonic clock and tests a virtual one. Shaped after Trio's Clock.
 */
export interface Clock {
  /** Monotonic time in milliseconds. Never decreases. */
  now(): number;
  /**
   * How many real milliseconds the loop should wait for `deadline` (a time on
   * this clock; `Infinity` when no timer is pending). A real clock returns
   * `max(0, deadline - now())`. A virtual clock with autojump moves its own
   * time to `deadline` and returns 0; without autojump it returns `Infinity`
   * and moves only when told to (then it calls the wakeup it was given).
   */
  sleepTime(deadline: number): number;
  /**
   * Optional: the loop registers `wake` here while it runs, for a clock whose
   * time can move by itself (a virtual clock's `advance()`), so that an idle
   * loop looks at its timers again. `null` unregisters.
   */
  setWakeup?(wake: (() => void) | null): void;
}
