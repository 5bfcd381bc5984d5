/**
 * Signal handlers of this process. `signal` is always a valid Node signal
 * name that can be caught (the io layer checks); listeners are called from
 * outside loop callbacks (a Node event handler), once per delivery the OS
 * reports. A listener keeps nothing alive: the process may still exit.
 */
export interface SignalDriver {
  /** Call `listener` whenever this process receives `signal`, until `remove`. */
  add(signal: NodeJS.Signals, listener: () => void): void;
  /** Stop calling `listener` (idempotent). Once no listener is left, the signal's default action applies again. */
  remove(signal: NodeJS.Signals, listener: () => void): void;
}
