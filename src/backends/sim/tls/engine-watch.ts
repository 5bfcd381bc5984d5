import { realSetImmediate } from '../../../loop/real-primitives.js';
import type { SimContext } from '../sim-context.js';

/**
 * Real event-loop rounds with nothing new that make an engine count as quiet.
 * Node's TLS layer passes work on through `process.nextTick` and
 * `setImmediate`: a finished write is reported an immediate later, which
 * shows nothing until it leads to more (the next write, a shutdown). One
 * quiet round may be that immediate's; after two, nothing is under way.
 */
const QUIET_ROUNDS = 2;

/**
 * Keeps virtual time still while a `node:tls` engine works. `node:tls` runs
 * outside the simulated loop (Node's nextTicks, immediates and C++), so
 * without a hold an idle loop would jump time past a timer in the middle of
 * a handshake, or call a deadlock. Every input to the engine and every output
 * from it is a `pulse()`: the first takes `ctx.hold(what)`; the hold is
 * released once real `setImmediate` rounds pass with no pulse, so bytes
 * still on their way from the peer (simulated network timers) are never
 * waited for under a hold. `stop()` releases it for good.
 */
export class EngineWatch {
  private _release: (() => void) | null = null;
  private _pulses = 0;
  private _seen = 0;
  private _quiet = 0;
  private _checking = false;
  private _stopped = false;
  /** What waits for the engine to be quiet (whenQuiet). */
  private _waiters: (() => void)[] = [];

  constructor(
    private readonly _ctx: SimContext,
    private readonly _what: string,
  ) {}

  /** The engine was given work or gave something back: hold time until it is quiet. */
  pulse(): void {
    if (this._stopped) return;
    this._pulses++;
    this._release ??= this._ctx.hold(this._what);
    if (!this._checking) {
      this._checking = true;
      this._quiet = 0;
      this._seen = this._pulses;
      realSetImmediate(this._check);
    }
  }

  /**
   * Call `fn` once the engine has nothing more under way: when the hold is
   * next released (or at once when nothing is held), just before time may move.
   */
  whenQuiet(fn: () => void): void {
    if (this._release === null) fn();
    else this._waiters.push(fn);
  }

  /** Release the hold, and take none again (the connection is closed). */
  stop(): void {
    this._stopped = true;
    this._free();
  }

  private readonly _check = (): void => {
    if (this._stopped) {
      this._checking = false;
      return;
    }
    if (this._pulses !== this._seen) {
      this._seen = this._pulses;
      this._quiet = 0;
    } else if (++this._quiet >= QUIET_ROUNDS) {
      this._checking = false;
      this._free();
      return;
    }
    realSetImmediate(this._check);
  };

  private _free(): void {
    const waiters = this._waiters;
    if (waiters.length > 0) {
      this._waiters = [];
      for (const fn of waiters) fn();
    }
    const release = this._release;
    this._release = null;
    release?.();
  }
}
