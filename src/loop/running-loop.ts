import { EventLoopError } from '../errors.js';
import { currentFrame } from './context.js';
import { EventLoop, type LoopOptions } from './event-loop.js';

const KEY = Symbol.for('simloop.eventLoopPolicy.v1');
const slot = globalThis as unknown as Record<symbol, { loop: EventLoop | null } | undefined>;
/** The loop given to `setEventLoop`, shared by the ESM and CJS builds. */
const policy = (slot[KEY] ??= { loop: null });

/** The loop running the current code, or null. */
export function tryGetRunningLoop(): EventLoop | null {
  const frame = currentFrame();
  return frame !== undefined && frame.loop.isRunning() ? frame.loop : null;
}

/** The loop running the current code (seen across native awaits); `EventLoopError` when none. */
export function getRunningLoop(): EventLoop {
  const loop = tryGetRunningLoop();
  if (loop === null) throw new EventLoopError('no running event loop');
  return loop;
}

/**
 * The running loop, else the one given to `setEventLoop`, else
 * `EventLoopError` (as Python 3.14: no loop is created implicitly).
 */
export function getEventLoop(): EventLoop {
  const loop = tryGetRunningLoop() ?? policy.loop;
  if (loop === null) throw new EventLoopError('There is no current event loop; use newEventLoop() and setEventLoop(), or run()');
  return loop;
}

/** Make `loop` what `getEventLoop()` returns outside a running loop (null clears it). */
export function setEventLoop(loop: EventLoop | null): void {
  if (loop !== null && (typeof loop !== 'object' || typeof (loop as Partial<EventLoop>).callSoon !== 'function')) {
    throw new TypeError('setEventLoop: loop must be an EventLoop or null');
  }
  policy.loop = loop;
}

/** A new EventLoop (on the Node backends unless `opts` injects others). */
export function newEventLoop(opts?: LoopOptions): EventLoop {
  return new EventLoop(opts);
}
