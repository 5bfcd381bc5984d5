import { SimulationError } from '../../errors.js';
import { HandleKind } from '../../loop/handle.js';
import type { SignalDriver } from '../../loop/signal-driver.js';
import { toSignalName } from '../../io/signal-methods.js';
import type { SimContext, SimIo, SimOs, SimPart } from './sim-context.js';

/** Signals whose default action is to do nothing (signal(7)): raising one that nobody handles is harmless. */
const IGNORED_BY_DEFAULT = new Set<string>(['SIGCHLD', 'SIGCONT', 'SIGURG', 'SIGWINCH']);

/**
 * Signals to the simulated process. `raise(signal)` delivers on a later loop
 * iteration, in virtual time, to the handlers registered then with
 * `loop.addSignalHandler` (each runs as a loop callback with its arguments),
 * as a real signal arrives after the `kill` that sent it. A signal that
 * nobody handles does what its default action would: those that are
 * ignored by default (`SIGCHLD`, `SIGCONT`, `SIGURG`, `SIGWINCH`) do
 * nothing; any other would have ended (or stopped) the process, so the run
 * fails with a `SimulationError` saying so, whatever `main` does, rather
 * than a test passing where production would have died. Traced (kind
 * `'signal'`).
 */
export class SimSignals implements SimPart, SignalDriver {
  /** @internal */ readonly _ctx: SimContext;
  private readonly _listeners = new Map<NodeJS.Signals, Set<() => void>>();

  constructor(ctx: SimContext) {
    this._ctx = ctx;
  }

  /**
   * Send `signal` (a Node name such as `'SIGTERM'`, or its number) to the
   * simulated process. `TypeError`/`RangeError` for something that is not a
   * signal, as `addSignalHandler` throws.
   */
  raise(signal: NodeJS.Signals | number): void {
    const name = toSignalName(signal, 'signals.raise');
    this._ctx.trace('signal', `raise ${name}`);
    const loop = this._ctx.loop;
    if (!loop.isClosed()) loop._scheduleInternal(this._deliver, [name], null, HandleKind.Callback);
  }

  /** Whether a handler for `signal` is registered now (`loop.addSignalHandler`, not removed since). */
  handled(signal: NodeJS.Signals | number): boolean {
    const set = this._listeners.get(toSignalName(signal, 'signals.handled'));
    return set !== undefined && set.size > 0;
  }

  private readonly _deliver = (name: NodeJS.Signals): void => {
    const set = this._listeners.get(name);
    if (set !== undefined && set.size > 0) {
      this._ctx.trace('signal', `deliver ${name} to ${set.size} handler(s)`);
      // A copy: a handler's listener may remove itself or add another.
      for (const listener of [...set]) listener();
      return;
    }
    if (IGNORED_BY_DEFAULT.has(name)) {
      this._ctx.trace('signal', `${name} not handled: ignored (its default action)`);
      return;
    }
    this._ctx.trace('signal', `${name} not handled: the process would have ended`);
    this._ctx.fail(
      new SimulationError(
        `${name} was raised at ${this._ctx.loop.time()} ms and nothing handles it: its default action would have ended the process. ` +
          `Register a handler with loop.addSignalHandler('${name}', ...) before raising it.`,
      ),
    );
  };

  /** @internal SignalDriver */
  add(signal: NodeJS.Signals, listener: () => void): void {
    let set = this._listeners.get(signal);
    if (set === undefined) {
      set = new Set();
      this._listeners.set(signal, set);
    }
    set.add(listener);
  }

  /** @internal SignalDriver */
  remove(signal: NodeJS.Signals, listener: () => void): void {
    this._listeners.get(signal)?.delete(listener);
  }

  /** @internal */
  _install(_io: SimIo, os: SimOs): void {
    os.signals = this;
  }
}
