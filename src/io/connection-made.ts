import type { CapturedContext } from '../loop/async-context.js';
import type { EventLoop } from '../loop/event-loop.js';
import { Future } from '../tasks/future.js';

/**
 * asyncio's connection waiter: resolve once what a new transport's
 * constructor scheduled (`connectionMade`) has run, through a loop callback
 * scheduled after it in the same context. If the caller is cancelled first,
 * nobody else holds the transport, so `release` closes it.
 */
export async function afterConnectionMade(loop: EventLoop, ctx: CapturedContext, release: () => void): Promise<void> {
  const waiter = new Future<void>({ loop });
  waiter._label = 'connectionMade';
  loop._scheduleInContext(() => {
    if (!waiter.done()) waiter.setResult(undefined);
  }, [], ctx);
  try {
    await waiter;
  } catch (err) {
    release();
    throw err;
  }
}
