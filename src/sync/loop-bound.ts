import { InvalidStateError } from '../errors.js';
import type { EventLoop } from '../loop/event-loop.js';
import { getRunningLoop } from '../loop/running-loop.js';

/**
 * The base of every primitive (asyncio's `_LoopBoundMixin`): a primitive is
 * bound to the running loop the first time it has to wait, not when it is
 * created, so it may be built at module level and its non-blocking calls
 * (`release()`, `putNowait()`, `set()`, ...) work without any loop.
 * Waiting on it later from another loop throws `InvalidStateError`, since
 * its waiter futures would belong to a loop that does not run them.
 */
export abstract class LoopBound {
  private _loop: EventLoop | null = null;

  /**
   * @internal The class's name for messages. Spelled out rather than read
   * from `constructor.name`, which a bundler may rename (`Event2`).
   */
  protected abstract get _kind(): string;

  /** The running loop, after checking (and on first use recording) that it is this primitive's. */
  protected _getLoop(): EventLoop {
    const loop = getRunningLoop();
    if (this._loop === null) {
      this._loop = loop;
    } else if (this._loop !== loop) {
      throw new InvalidStateError(
        `${this._kind} is bound to a different event loop; create one per loop instead of sharing it`,
      );
    }
    return loop;
  }
}
