import { loopHooks } from '../loop/loop-hooks.js';
import { constants } from 'node:os';
import { types } from 'node:util';
import { EventLoopError } from '../errors.js';
import type { CapturedContext } from '../loop/async-context.js';
import { EventLoop } from '../loop/event-loop.js';
import type { SignalDriver } from '../loop/signal-driver.js';

declare module '../loop/event-loop.js' {
  interface EventLoop {
    /**
     * asyncio's `add_signal_handler`: from now on, each time this process
     * receives `signal` (a Node name such as `'SIGINT'`, or its number),
     * `callback(...args)` runs as a loop callback, in the async context of
     * this call. Replaces this loop's earlier handler for the signal.
     * `TypeError` for a signal that is neither a string nor a number, or an
     * async callback (asyncio refuses coroutines); `RangeError` for an
     * unknown signal, or one that cannot be caught (`SIGKILL`, `SIGSTOP`).
     */
    addSignalHandler<A extends unknown[]>(signal: NodeJS.Signals | number, callback: (...args: A) => unknown, ...args: A): void;
    /**
     * asyncio's `remove_signal_handler`: remove this loop's handler for
     * `signal`; true when there was one. Once no handler is left, the signal
     * does what it did before (Node's default, or other listeners).
     */
    removeSignalHandler(signal: NodeJS.Signals | number): boolean;
  }
}

/** Signal names by number; where several names share a number, the first Node lists (SIGABRT, not SIGIOT). */
const namesByNumber = new Map<number, NodeJS.Signals>();
for (const [name, num] of Object.entries(constants.signals)) {
  if (!namesByNumber.has(num)) namesByNumber.set(num, name as NodeJS.Signals);
}

/** Signals no process can catch (asyncio: "sig N cannot be caught"). */
const UNCATCHABLE = new Set<string>(['SIGKILL', 'SIGSTOP']);

/**
 * `signal` as a Node signal name: a known name, or a known signal number.
 * `TypeError` naming `where` for anything but a string or an integer,
 * `RangeError` for an unknown signal.
 */
export function toSignalName(signal: unknown, where: string): NodeJS.Signals {
  if (typeof signal === 'string') {
    if (Object.prototype.hasOwnProperty.call(constants.signals, signal)) return signal as NodeJS.Signals;
    throw new RangeError(`${where}: unknown signal ${JSON.stringify(signal)} (use a Node name such as 'SIGINT', or its number)`);
  }
  if (typeof signal === 'number' && Number.isInteger(signal)) {
    const name = namesByNumber.get(signal);
    if (name !== undefined) return name;
    throw new RangeError(`${where}: invalid signal number ${signal}`);
  }
  const got = signal === null ? 'null' : typeof signal === 'number' ? String(signal) : typeof signal;
  throw new TypeError(`${where}: signal must be a signal name (such as 'SIGINT') or an integer, got ${got}`);
}

/** The number of a valid Node signal name. */
export function signalNumber(name: NodeJS.Signals): number {
  return constants.signals[name];
}

/** One installed handler of a loop. */
interface SignalEntry {
  readonly callback: (...args: unknown[]) => unknown;
  readonly args: unknown[];
  readonly ctx: CapturedContext;
  readonly listener: () => void;
  readonly driver: SignalDriver;
}

/** Each loop's handlers by signal name (asyncio's `_signal_handlers`). */
const handlersByLoop = new WeakMap<EventLoop, Map<NodeJS.Signals, SignalEntry>>();

function signalDriver(loop: EventLoop, where: string): SignalDriver {
  const driver = loop._os?.signals;
  if (driver === undefined) throw new TypeError(`${where}: this loop's OS has no signals driver`);
  return driver;
}

EventLoop.prototype.addSignalHandler = function addSignalHandler<A extends unknown[]>(
  this: EventLoop,
  signal: NodeJS.Signals | number,
  callback: (...args: A) => unknown,
  ...args: A
): void {
  const where = 'addSignalHandler';
  const name = toSignalName(signal, where);
  if (typeof callback !== 'function') {
    throw new TypeError(`${where}: callback must be a function, got ${callback === null ? 'null' : typeof callback}`);
  }
  if (types.isAsyncFunction(callback)) {
    throw new TypeError(`${where}: async functions cannot be used as signal handlers (asyncio refuses coroutines); schedule a task from a plain callback`);
  }
  if (UNCATCHABLE.has(name)) throw new RangeError(`${where}: ${name} cannot be caught`);
  if (this.isClosed()) throw new EventLoopError('Event loop is closed');
  const driver = signalDriver(this, where);
  let handlers = handlersByLoop.get(this);
  if (handlers === undefined) {
    handlers = new Map();
    handlersByLoop.set(this, handlers);
  }
  const entry: SignalEntry = {
    callback: callback as (...a: unknown[]) => unknown,
    args,
    ctx: this._captureContext(),
    driver,
    // A signal arrives from a Node event handler: it becomes a loop callback
    // (which wakes an idle loop), run in the context addSignalHandler had.
    listener: () => {
      if (this.isClosed() || handlers.get(name) !== entry) return;
      this._scheduleInContext(entry.callback, entry.args, entry.ctx);
    },
  };
  const previous = handlers.get(name);
  handlers.set(name, entry);
  // Add the new listener before removing the old one: in between, the signal's default action must not come back.
  driver.add(name, entry.listener);
  if (previous !== undefined) previous.driver.remove(name, previous.listener);
};

EventLoop.prototype.removeSignalHandler = function removeSignalHandler(this: EventLoop, signal: NodeJS.Signals | number): boolean {
  const name = toSignalName(signal, 'removeSignalHandler');
  const handlers = handlersByLoop.get(this);
  const entry = handlers?.get(name);
  if (entry === undefined) return false;
  handlers!.delete(name);
  entry.driver.remove(name, entry.listener);
  return true;
};

/** Remove every handler `loop` installed (asyncio's loop.close does this). */
function removeAllSignalHandlers(loop: EventLoop): void {
  const handlers = handlersByLoop.get(loop);
  if (handlers === undefined) return;
  handlersByLoop.delete(loop);
  for (const [name, entry] of handlers) entry.driver.remove(name, entry.listener);
}

// Closing a loop removes its signal handlers, as asyncio's unix loop does
// after the base close.
loopHooks.onClose.push(removeAllSignalHandlers);
