import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventLoop } from './event-loop.js';

/** What the loop needs to know of a task (the tasks layer implements it). */
export interface TaskRef {
  getName(): string;
  done(): boolean;
  /** Scheduling identity of the task: all its steps share it. */
  readonly _originId: number;
}

/**
 * The async-context frame simloop keeps: which loop runs the code, and which
 * task (null in a plain callback). Code resumed after a native `await` keeps
 * the frame of the code that awaited, which is what makes `currentTask()` and
 * `getRunningLoop()` right across native awaits.
 */
export interface Frame {
  readonly loop: EventLoop;
  readonly task: TaskRef | null;
}

/**
 * A frame, made by a constructor rather than as an object literal: V8 may
 * start allocating a literal's objects in the old generation (see young.ts),
 * and an old frame outliving its run would keep its loop, and everything the
 * loop reaches, alive through every young-generation GC.
 */
export class LoopFrame implements Frame {
  constructor(
    readonly loop: EventLoop,
    readonly task: TaskRef | null,
  ) {}
}

const KEY = Symbol.for('simloop.context.v1');
const slot = globalThis as unknown as Record<symbol, AsyncLocalStorage<Frame> | undefined>;

/**
 * One storage per process, shared by the ESM and CJS builds (a `Symbol.for`
 * key on globalThis), so both see the same running loop.
 */
export const frameStorage: AsyncLocalStorage<Frame> = (slot[KEY] ??= new AsyncLocalStorage<Frame>());

/** The frame of the code running now, if it runs under a simloop loop. */
export function currentFrame(): Frame | undefined {
  return frameStorage.getStore();
}
