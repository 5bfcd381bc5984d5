import { describe, expect, it } from 'vitest';
import { CancelledError, EventLoopError, Future, run, sleep } from '../../src/index.js';
import { rejection, virtualLoop } from './support.js';

describe('runUntilComplete', () => {
  it('resolves to the result of a Future completed by a callback', async () => {
    const { loop } = virtualLoop();
    const fut = loop.createFuture<number>();
    loop.callLater(10, () => fut.setResult(42));
    expect(await loop.runUntilComplete(fut)).toBe(42);
    expect(loop.isRunning()).toBe(false);
    loop.close();
  });

  it('rejects with the exception of a Future that failed', async () => {
    const { loop } = virtualLoop();
    const fut = loop.createFuture<number>();
    const boom = new Error('boom');
    loop.callSoon(() => fut.setException(boom));
    expect(await rejection(loop.runUntilComplete(fut))).toBe(boom);
    loop.close();
  });

  it('runs a function as a task and resolves to its return value', async () => {
    const { loop } = virtualLoop();
    const result = await loop.runUntilComplete(async () => {
      await sleep(5);
      return loop.time();
    });
    expect(result).toBe(5);
    loop.close();
  });

  it('wraps a plain promise in a future and resolves to its value', async () => {
    const { loop } = virtualLoop({ idle: 'wait' });
    expect(await loop.runUntilComplete(Promise.resolve('plain'))).toBe('plain');
    loop.close();
  });

  it('rejects with the reason of a plain promise that rejects', async () => {
    const { loop } = virtualLoop({ idle: 'wait' });
    const err = new Error('nope');
    expect(await rejection(loop.runUntilComplete(Promise.reject(err)))).toBe(err);
    loop.close();
  });

  it('runs a plain (non-async) function as a task and resolves to its return value', async () => {
    const { loop } = virtualLoop();
    expect(await loop.runUntilComplete(() => 'sync')).toBe('sync');
    loop.close();
  });

  it('rejects with the error a function throws', async () => {
    const { loop } = virtualLoop();
    const err = new Error('thrown');
    expect(
      await rejection(
        loop.runUntilComplete(() => {
          throw err;
        }),
      ),
    ).toBe(err);
    loop.close();
  });

  it('rejects with CancelledError when the future is cancelled', async () => {
    const { loop } = virtualLoop();
    const fut = loop.createFuture<void>();
    loop.callSoon(() => fut.cancel('stop it'));
    const err = await rejection(loop.runUntilComplete(fut));
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as Error).message).toBe('stop it');
    loop.close();
  });

  it('leaves no pending stop behind after the future failed: the next run goes on until its own stop()', async () => {
    const { loop } = virtualLoop();
    await rejection(
      loop.runUntilComplete(async () => {
        throw new Error('failed');
      }),
    );
    const order: string[] = [];
    loop.callSoon(() => order.push('first'));
    loop.callSoon(() => loop.callSoon(() => order.push('second iteration')));
    loop.callLater(10, () => {
      order.push('timer');
      loop.stop();
    });
    await loop.runForever();
    expect(order).toEqual(['first', 'second iteration', 'timer']);
    loop.close();
  });

  it('still runs the loop once when the future is already done', async () => {
    const { loop } = virtualLoop();
    const fut = loop.createFuture<string>();
    fut.setResult('done');
    let ran = false;
    loop.callSoon(() => {
      ran = true;
    });
    expect(await loop.runUntilComplete(fut)).toBe('done');
    expect(ran).toBe(true);
    loop.close();
  });

  it('leaves callbacks scheduled after the future completed for the next run', async () => {
    const { loop } = virtualLoop();
    const fut = loop.createFuture<void>();
    const order: string[] = [];
    loop.callSoon(() => {
      fut.setResult();
      loop.callLater(1, () => order.push('later'));
    });
    await loop.runUntilComplete(fut);
    expect(order).toEqual([]);
    loop.callLater(2, () => loop.stop());
    await loop.runForever();
    expect(order).toEqual(['later']);
    loop.close();
  });

  it('rejects with EventLoopError "Event loop stopped before Future completed." when stop() came first', async () => {
    const { loop } = virtualLoop();
    const fut = loop.createFuture<void>();
    loop.callSoon(() => loop.stop());
    const err = await rejection(loop.runUntilComplete(fut));
    expect(err).toBeInstanceOf(EventLoopError);
    expect((err as Error).message).toBe('Event loop stopped before Future completed.');
    expect(fut.done()).toBe(false);
    loop.close();
  });

  it('can run the same loop again after it stopped before the future completed', async () => {
    const { loop } = virtualLoop();
    const fut = loop.createFuture<number>();
    loop.callSoon(() => loop.stop());
    await rejection(loop.runUntilComplete(fut));
    loop.callSoon(() => fut.setResult(7));
    expect(await loop.runUntilComplete(fut)).toBe(7);
    loop.close();
  });

  it('does not stop a later run when its future completes after an earlier stop', async () => {
    const { loop } = virtualLoop();
    const fut = loop.createFuture<void>();
    loop.callSoon(() => loop.stop());
    await rejection(loop.runUntilComplete(fut));
    // The first run's done callback was removed: completing the future now must not stop this run.
    const order: string[] = [];
    loop.callSoon(() => fut.setResult());
    loop.callLater(5, () => {
      order.push('still running');
      loop.stop();
    });
    await loop.runForever();
    expect(order).toEqual(['still running']);
    loop.close();
  });

  it('throws TypeError for something that is not awaitable', async () => {
    const { loop } = virtualLoop();
    expect(await rejection(loop.runUntilComplete('blah' as never))).toBeInstanceOf(TypeError);
    expect(loop.isRunning()).toBe(false);
    loop.close();
  });

  it('throws RangeError for a future of another loop', async () => {
    const { loop } = virtualLoop();
    const { loop: other } = virtualLoop();
    const fut = new Future<void>({ loop: other });
    expect(await rejection(loop.runUntilComplete(fut))).toBeInstanceOf(RangeError);
    loop.close();
    other.close();
  });

  it('throws EventLoopError "This event loop is already running" when called while the loop runs', async () => {
    const { loop } = virtualLoop();
    const first = loop.runUntilComplete(sleepOn(loop, 10));
    const err = await rejection(loop.runUntilComplete(loop.createFuture()));
    expect(err).toBeInstanceOf(EventLoopError);
    expect((err as Error).message).toBe('This event loop is already running');
    await first;
    loop.close();
  });

  it('throws EventLoopError when called from one of the loop\'s own callbacks', async () => {
    const { loop } = virtualLoop();
    let inner: Promise<unknown> | null = null;
    loop.callSoon(() => {
      // Observe the rejection at once, so it never counts as unhandled.
      inner = rejection(loop.runUntilComplete(loop.createFuture()));
      loop.stop();
    });
    await loop.runForever();
    const err = await inner;
    expect(err).toBeInstanceOf(EventLoopError);
    loop.close();
  });

  it('throws EventLoopError when another loop is run from inside a running loop', async () => {
    const { loop } = virtualLoop();
    const { loop: other } = virtualLoop();
    const err = await loop.runUntilComplete(async () => rejection(other.runUntilComplete(Promise.resolve(1))));
    expect(err).toBeInstanceOf(EventLoopError);
    expect((err as Error).message).toMatch(/another loop is running/);
    expect(other.isRunning()).toBe(false);
    loop.close();
    other.close();
  });

  it('makes run() inside the running loop reject with EventLoopError', async () => {
    const { loop } = virtualLoop();
    const err = await loop.runUntilComplete(async () => rejection(run(async () => 1)));
    expect(err).toBeInstanceOf(EventLoopError);
    loop.close();
  });

  it('throws EventLoopError "Event loop is closed" on a closed loop', async () => {
    const { loop } = virtualLoop();
    loop.close();
    const err = await rejection(loop.runUntilComplete(Promise.resolve()));
    expect(err).toBeInstanceOf(EventLoopError);
    expect((err as Error).message).toBe('Event loop is closed');
  });
});

/** A loop future resolving after `ms` of loop time, made outside any task. */
function sleepOn(loop: ReturnType<typeof virtualLoop>['loop'], ms: number): Future<void> {
  const fut = loop.createFuture<void>();
  loop.callLater(ms, () => fut.setResult());
  return fut;
}
