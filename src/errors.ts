/**
 * The error classes of simloop. Every class is registered once per process
 * (on a `Symbol.for` key of `globalThis`), so the ESM and CJS builds share
 * them and `instanceof` holds across both entries.
 */

const REGISTRY_KEY = Symbol.for('simloop.errors.v1');
type Registry = Record<string, unknown>;
const registry: Registry = ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] ??= {}) as Registry;

function shared<C>(name: string, cls: C): C {
  return (registry[name] ??= cls) as C;
}

class CancelledErrorImpl extends Error {
  override name = 'CancelledError';
  constructor(message?: string) {
    super(message ?? '');
  }
}
/** The operation was cancelled: thrown at the `await` of a cancelled task. */
export const CancelledError = shared('CancelledError', CancelledErrorImpl);
export type CancelledError = CancelledErrorImpl;

class InvalidStateErrorImpl extends Error {
  override name = 'InvalidStateError';
}
/** An object was used in a state that forbids the call (asyncio's InvalidStateError and RuntimeError for misuse). */
export const InvalidStateError = shared('InvalidStateError', InvalidStateErrorImpl);
export type InvalidStateError = InvalidStateErrorImpl;

class TimeoutErrorImpl extends Error {
  override name = 'TimeoutError';
}
/** A deadline (`waitFor`, `timeout`, `wait`, `asCompleted`) expired. */
export const TimeoutError = shared('TimeoutError', TimeoutErrorImpl);
export type TimeoutError = TimeoutErrorImpl;

class EventLoopErrorImpl extends Error {
  override name = 'EventLoopError';
}
/** Misuse of an event loop: already running, closed, or no running loop. */
export const EventLoopError = shared('EventLoopError', EventLoopErrorImpl);
export type EventLoopError = EventLoopErrorImpl;

class IncompleteReadErrorImpl extends Error {
  override name = 'IncompleteReadError';
  /** The bytes read before EOF. */
  readonly partial: Uint8Array;
  /** The number of bytes expected, or `null` when reading up to a separator. */
  readonly expected: number | null;
  constructor(partial: Uint8Array, expected: number | null) {
    super(`${partial.length} bytes read on a total of ${expected === null ? 'undefined' : expected} expected bytes`);
    this.partial = partial;
    this.expected = expected;
  }
}
/** EOF came before a read was satisfied. */
export const IncompleteReadError = shared('IncompleteReadError', IncompleteReadErrorImpl);
export type IncompleteReadError = IncompleteReadErrorImpl;

class LimitOverrunErrorImpl extends Error {
  override name = 'LimitOverrunError';
  /** The number of bytes to consume to get past the overrun. */
  readonly consumed: number;
  constructor(message: string, consumed: number) {
    super(message);
    this.consumed = consumed;
  }
}
/** A stream reader's buffer limit was reached while looking for a separator. */
export const LimitOverrunError = shared('LimitOverrunError', LimitOverrunErrorImpl);
export type LimitOverrunError = LimitOverrunErrorImpl;

class QueueEmptyImpl extends Error {
  override name = 'QueueEmpty';
}
/** `getNowait()` on an empty queue. */
export const QueueEmpty = shared('QueueEmpty', QueueEmptyImpl);
export type QueueEmpty = QueueEmptyImpl;

class QueueFullImpl extends Error {
  override name = 'QueueFull';
}
/** `putNowait()` on a full queue. */
export const QueueFull = shared('QueueFull', QueueFullImpl);
export type QueueFull = QueueFullImpl;

class QueueShutDownImpl extends Error {
  override name = 'QueueShutDown';
}
/** A put or get on a queue that was shut down. */
export const QueueShutDown = shared('QueueShutDown', QueueShutDownImpl);
export type QueueShutDown = QueueShutDownImpl;

class BrokenBarrierErrorImpl extends Error {
  override name = 'BrokenBarrierError';
}
/** A barrier was broken or reset while a task waited on it. */
export const BrokenBarrierError = shared('BrokenBarrierError', BrokenBarrierErrorImpl);
export type BrokenBarrierError = BrokenBarrierErrorImpl;

class SendfileNotAvailableErrorImpl extends Error {
  override name = 'SendfileNotAvailableError';
}
/** `sendfile` with `fallback: false` where no fast path exists. */
export const SendfileNotAvailableError = shared('SendfileNotAvailableError', SendfileNotAvailableErrorImpl);
export type SendfileNotAvailableError = SendfileNotAvailableErrorImpl;

class SimulationErrorImpl extends Error {
  override name = 'SimulationError';
  /** Task exceptions that were never retrieved (strict mode). */
  readonly unhandled: unknown[];
  /** Names of the tasks still pending when `main` returned (strict mode). */
  readonly leaked: string[];
  constructor(message: string, opts: { unhandled?: unknown[]; leaked?: string[]; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.unhandled = opts.unhandled ?? [];
    this.leaked = opts.leaked ?? [];
  }
}
/** A simulation failed: strict-mode findings, or a `maxTime`/`maxSteps` limit. */
export const SimulationError = shared('SimulationError', SimulationErrorImpl);
export type SimulationError = SimulationErrorImpl;

class DeadlockErrorImpl extends Error {
  override name = 'DeadlockError';
  /** One line per blocked task: its name and what it awaits. */
  readonly blocked: string[];
  constructor(message: string, blocked: string[] = []) {
    super(message);
    this.blocked = blocked;
  }
}
/** Simulation: tasks are blocked and nothing can ever wake them. */
export const DeadlockError = shared('DeadlockError', DeadlockErrorImpl);
export type DeadlockError = DeadlockErrorImpl;

class ScriptMismatchErrorImpl extends Error {
  override name = 'ScriptMismatchError';
}
/** A scripted peer received something other than it expected. */
export const ScriptMismatchError = shared('ScriptMismatchError', ScriptMismatchErrorImpl);
export type ScriptMismatchError = ScriptMismatchErrorImpl;

class ScheduleFailureImpl extends Error {
  override name = 'ScheduleFailure';
  /** The failing run's own seed (`SimWorld.seed`). */
  readonly seed: string;
  /** A replay token: `replay(scenario, token)` (or `SIMLOOP_REPLAY`) reruns the shrunk schedule exactly. */
  readonly replay: string;
  /** The shrunk run's whole trace. */
  readonly trace: { time: number; kind: string; task?: string; handle?: string; detail?: string }[];
  constructor(
    message: string,
    opts: { seed: string; replay: string; trace: { time: number; kind: string; task?: string; handle?: string; detail?: string }[]; cause: unknown },
  ) {
    super(message, { cause: opts.cause });
    this.seed = opts.seed;
    this.replay = opts.replay;
    this.trace = opts.trace;
  }
}
/** `explore`/`replay`: a schedule made the scenario fail; carries the seed, the replay token, the trace and the cause. */
export const ScheduleFailure = shared('ScheduleFailure', ScheduleFailureImpl);
export type ScheduleFailure = ScheduleFailureImpl;

/** True for `CancelledError` from either build. */
export function isCancelledError(e: unknown): e is CancelledError {
  return e instanceof CancelledError;
}
