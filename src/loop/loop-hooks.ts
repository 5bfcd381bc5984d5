import type { EventLoop } from './event-loop.js';

/** The part of a future the loop itself relies on (the tasks layer's `Future` has it). */
export interface LoopFuture<T = unknown> extends PromiseLike<T> {
  done(): boolean;
  cancelled(): boolean;
  result(): T;
  addDoneCallback(cb: (f: any) => void): void;
  removeDoneCallback(cb: (f: any) => void): number;
}

/** Something the loop reports when it closes (a pending task, an unretrieved exception). */
export interface CloseReportable {
  /** @internal the exception-handler context describing the problem */
  _closeReport(): ExceptionContext;
}

/**
 * What the exception handler receives (asyncio's context dict): `message`
 * always, and whichever of `exception`, `future`, `task`, `handle` apply.
 */
export interface ExceptionContext {
  message: string;
  exception?: unknown;
  future?: unknown;
  task?: unknown;
  handle?: unknown;
  [key: string]: unknown;
}

/** Anything `runUntilComplete` and the combinators accept. */
export type Awaitable<T> = PromiseLike<T> | (() => Promise<T> | T);

/**
 * Hooks that upper layers fill when they load, so that `loop/` imports none
 * of them: the tasks layer turns awaitables into futures.
 */
export const loopHooks: {
  ensureFuture: (<T>(aw: Awaitable<T>, loop: EventLoop) => LoopFuture<T>) | null;
  /** Called, in order, at the end of every loop's `close()`: upper layers release what they hold for it (signal handlers...). */
  onClose: ((loop: EventLoop) => void)[];
} = { ensureFuture: null, onClose: [] };
