import { promiseHooks } from 'node:v8';
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

/**
 * Where the current frame is kept: one record per realm, shared by the ESM
 * and CJS builds (a `Symbol.for` key on globalThis), so that both see the same
 * running loop and the promise hooks are installed once.
 */
interface FrameTracker {
  /** The frame of the code running now. */
  current: Frame | undefined;
  /**
   * The frames to go back to when the promise reactions running now end,
   * `depth` of them. Reactions nest only when one runs a microtask
   * checkpoint of its own; an index instead of push and pop, which V8 does
   * not inline into the hooks.
   */
  readonly saved: (Frame | undefined)[];
  depth: number;
  /** Whether the promise hooks are installed (on the first frame entered). */
  hooked: boolean;
  /**
   * The property of a promise that holds the frame it was made in (absent
   * when made outside every frame). One per tracker, not a `Symbol.for`:
   * promise hooks see the promises of every realm of the thread (vm
   * contexts), and a copy of simloop loaded in another realm has its own
   * tracker, whose frames this one must not take up.
   */
  readonly key: symbol;
}

const KEY = Symbol.for('simloop.frames.v2');
const slot = globalThis as unknown as Record<symbol, FrameTracker | undefined>;
const tracker: FrameTracker = (slot[KEY] ??= { current: undefined, saved: [], depth: 0, hooked: false, key: Symbol('simloop.promiseFrame') });
const PROMISE_FRAME = tracker.key;

type FramedPromise = Promise<unknown> & Record<symbol, Frame | undefined>;

/**
 * How frames follow native awaits: V8's promise hooks. A promise made while
 * a frame is current (an `await`'s, a `then`'s) keeps that frame, and its
 * reaction runs in it; so the code after an `await` runs in the frame of the
 * code that awaited, whoever settled the promise and wherever. That is what
 * an AsyncLocalStorage does for promises, at a fraction of the cost: while
 * any AsyncLocalStorage is enabled, Node 20 runs its async_hooks machinery
 * for every promise, timer, immediate and socket request of the process
 * (async ids, init hooks, an execution stack), which cost simloop's own
 * code, and raw Node code in the same process, about 0.8 us per echo round
 * trip. Frames do not follow Node's own callbacks (timers, immediates, I/O
 * and EventEmitter events), which run outside every loop, as callbacks from
 * another thread do in asyncio.
 */
function installHooks(): void {
  tracker.hooked = true;
  promiseHooks.createHook({
    init(promise: Promise<unknown>): void {
      const frame = tracker.current;
      if (frame !== undefined) (promise as FramedPromise)[PROMISE_FRAME] = frame;
    },
    before(promise: Promise<unknown>): void {
      tracker.saved[tracker.depth++] = tracker.current;
      tracker.current = (promise as FramedPromise)[PROMISE_FRAME];
    },
    after(): void {
      // A reaction that began before the hooks were installed has nothing saved: it ends outside every frame.
      if (tracker.depth === 0) {
        tracker.current = undefined;
        return;
      }
      const i = --tracker.depth;
      tracker.current = tracker.saved[i];
      tracker.saved[i] = undefined;
    },
  });
}

/** The frame of the code running now, if it runs under a simloop loop. */
export function currentFrame(): Frame | undefined {
  return tracker.current;
}

/**
 * Make `frame` current (undefined: no frame) and return the frame to put
 * back with `restoreFrame`, in a `finally`: the code that runs until then,
 * and the reactions of every promise it makes, run in `frame`.
 */
export function enterFrame(frame: Frame | undefined): Frame | undefined {
  if (!tracker.hooked) installHooks();
  const old = tracker.current;
  tracker.current = frame;
  return old;
}

/** Put back the frame `enterFrame` returned. */
export function restoreFrame(old: Frame | undefined): void {
  tracker.current = old;
}
