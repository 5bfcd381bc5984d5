import type { EventLoop } from '../../loop/event-loop.js';
import type { OS } from '../../loop/os.js';
import type { Selector } from '../../loop/selector.js';
import type { Task } from '../../tasks/task.js';
import type { VirtualClock } from './virtual-clock.js';

/** The I/O drivers a part of the world lends the loop's selector. */
export type SimIo = { -readonly [K in 'stream' | 'datagram' | 'pipes']?: Selector[K] };

/** The OS services a part of the world lends the loop. */
export type SimOs = { -readonly [K in keyof OS]?: OS[K] };

/**
 * What a world gives its parts (network, DNS, processes, signals, executors,
 * files): the loop and clock, the world's seeded randomness, its trace, and
 * the ways to fail the run, run peers, and hold virtual time. Every part is
 * built from this alone, so each can be tested on its own world.
 */
export interface SimContext {
  readonly loop: EventLoop;
  readonly clock: VirtualClock;
  /**
   * A uniform draw in [0, 1) from the world's seeded stream named `stream`
   * (`'jitter'`, `'loss'`, `'duplicate'`, `'reorder'`, ...). Streams are
   * separate, so draws of one kind never shift another's.
   */
  random(stream: string): number;
  /**
   * Whether an event of probability `p` (0..1) happens, drawn from `stream`.
   * Use this for faults (loss, duplicate, reorder) rather than comparing a
   * `random()` draw: its zero draw means "does not happen", so schedules
   * shrink toward a network without faults.
   */
  chance(stream: string, p: number): boolean;
  /** Record a trace event now (network kinds: `connect`, `send`, `recv`, `close`, `reset`, `fault`). */
  trace(kind: string, detail: string, task?: string): void;
  /**
   * Fail the run with `error` whatever `main` does (a scripted peer's
   * mismatch): the run rejects with the first such error, even when `main`
   * caught its consequence or threw something else because of it.
   */
  fail(error: Error): void;
  /**
   * Run `fn` as a task of the world (a scripted peer, a simulated process):
   * it is not the code under test, so it never counts as leaked; the world
   * cancels it when `main` has returned.
   */
  spawn<T>(name: string, fn: () => Promise<T>): Task<T>;
  /**
   * Work outside the loop that virtual time must wait for has begun (a TLS
   * engine digesting bytes): until `release()` is called, time does not jump
   * and no deadlock is called; the loop waits in real time. A hold not
   * released within 5 s of real time fails the run as a deadlock naming `what`.
   */
  hold(what: string): () => void;
  /**
   * Check something once the run is over (after the leftover tasks were
   * cancelled): a returned error fails the run (after `main`'s own error,
   * before the strict report). Unmet scripted expectations are reported so.
   */
  onRunEnd(check: () => Error | null | undefined): void;
}

/** A part of a world: it lends its drivers to the loop when the world is built. */
export interface SimPart {
  /** @internal put this part's drivers into the selector's and OS's slots */
  _install(io: SimIo, os: SimOs): void;
}
