import { AsyncLocalStorage } from 'node:async_hooks';
import type { VirtualClock } from '../virtual-clock.js';
import { LOOPBACK_V4, LOOPBACK_V6 } from './hosts.js';

/**
 * The host the code running now is on: set for the tasks the network runs
 * peers in (and so for what they start: tasks, timers, callbacks). Unset:
 * the code under test, on 127.0.0.1. Network events themselves run in no
 * host's context (loop-internal timers capture none), so a peer's store
 * never reaches the code it talks to.
 */
const currentHost = new AsyncLocalStorage<string>();

/** The code under test's two addresses are one host, with one clock. */
function hostKey(host: string): string {
  return host === LOOPBACK_V6 ? LOOPBACK_V4 : host;
}

/**
 * The wall clocks of a simulated network's hosts: virtual time since the
 * start, from an epoch (what `Date.now()` read at the start), plus each
 * host's skew. Skew is a wall-clock matter only: the loop's monotonic time
 * (`loop.time()`, `performance.now()`) is never skewed.
 */
export class HostClocks {
  private readonly _skews = new Map<string, number>();
  private _epoch = 0;
  private _startTime: number;

  constructor(private readonly _clock: VirtualClock) {
    this._startTime = _clock.now();
  }

  /** `Date.now()` read `epoch` when the virtual clock read `startTime` (the fake globals' base). */
  setWallClock(epoch: number, startTime: number): void {
    this._epoch = epoch;
    this._startTime = startTime;
  }

  /** Set `host`'s skew in ms (0 clears it). */
  setSkew(host: string, ms: number): void {
    if (ms === 0) this._skews.delete(hostKey(host));
    else this._skews.set(hostKey(host), ms);
  }

  skewOf(host: string): number {
    return this._skews.get(hostKey(host)) ?? 0;
  }

  /** The skew of the host the code running now is on. */
  currentSkew(): number {
    if (this._skews.size === 0) return 0;
    return this.skewOf(currentHost.getStore() ?? LOOPBACK_V4);
  }

  /** `Date.now()` on `host`: whole ms since the epoch, skew included. */
  hostTime(host: string): number {
    return Math.floor(this._epoch + (this._clock.now() - this._startTime) + this.skewOf(host));
  }

  /**
   * Call `fn` (which starts a peer's task) with the code it starts on
   * `host`, so that a skew set at any time applies to it. (simloop's own
   * frame store is enabled anyway: one more store costs a peer's callbacks
   * nothing measurable.)
   */
  onHost<T>(host: string, fn: () => T): T {
    return currentHost.run(host, fn);
  }
}
