import { AsyncLocalStorage } from 'node:async_hooks';
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { EventLoop, EventLoopError, VirtualClock, currentTask, getRunningLoop, type Future } from '../../../src/index.js';

/** Run `main` on a fresh Node-backend loop, then dispose of the loop. */
async function withLoop<T>(main: (loop: EventLoop) => Promise<T>): Promise<T> {
  const loop = new EventLoop();
  try {
    return await loop.runUntilComplete(() => main(loop));
  } finally {
    await loop[Symbol.asyncDispose]();
  }
}

/** Our listeners for SIGUSR2 must all be gone after each test: with none, SIGUSR2 would end this process. */
const usr2Listeners = (): number => process.listenerCount('SIGUSR2');

describe('addSignalHandler / removeSignalHandler (real signals)', () => {
  it('runs the handler as a loop callback, with its args, when the process receives the signal', async () => {
    const before = usr2Listeners();
    await withLoop(async (loop) => {
      const got: Future<unknown[]> = loop.createFuture();
      loop.addSignalHandler('SIGUSR2', (...args: unknown[]) => {
        // A loop callback: the loop is running here, and no task is.
        expect(getRunningLoop()).toBe(loop);
        expect(currentTask()).toBeNull();
        got.setResult(args);
      }, 'a', 1);
      process.kill(process.pid, 'SIGUSR2');
      expect(await got).toEqual(['a', 1]);
      expect(loop.removeSignalHandler('SIGUSR2')).toBe(true);
    });
    expect(usr2Listeners()).toBe(before);
  });

  it('runs the handler in the async context addSignalHandler was called in', async () => {
    await withLoop(async (loop) => {
      const store = new AsyncLocalStorage<string>();
      const got: Future<string | undefined> = loop.createFuture();
      store.run('request-42', () => loop.addSignalHandler('SIGUSR2', () => got.setResult(store.getStore())));
      process.kill(process.pid, 'SIGUSR2');
      expect(await got).toBe('request-42');
      loop.removeSignalHandler('SIGUSR2');
    });
  });

  it('accepts the signal number, and replaces the earlier handler for the same signal', async () => {
    await withLoop(async (loop) => {
      const calls: string[] = [];
      const got: Future<void> = loop.createFuture();
      const before = usr2Listeners();
      loop.addSignalHandler('SIGUSR2', () => calls.push('first'));
      loop.addSignalHandler(constants.signals.SIGUSR2, () => {
        calls.push('second');
        got.setResult();
      });
      expect(usr2Listeners()).toBe(before + 1);
      process.kill(process.pid, 'SIGUSR2');
      await got;
      expect(calls).toEqual(['second']);
      expect(loop.removeSignalHandler(constants.signals.SIGUSR2)).toBe(true);
    });
  });

  it('removeSignalHandler returns false when there was none, and removes only this loop\'s', async () => {
    const before = usr2Listeners();
    await withLoop(async (loop) => {
      expect(loop.removeSignalHandler('SIGUSR2')).toBe(false);
      loop.addSignalHandler('SIGUSR2', () => {});
      expect(usr2Listeners()).toBe(before + 1);
      expect(loop.removeSignalHandler('SIGUSR2')).toBe(true);
      expect(loop.removeSignalHandler('SIGUSR2')).toBe(false);
      expect(usr2Listeners()).toBe(before);
    });
  });

  it('a removed handler is not called', async () => {
    await withLoop(async (loop) => {
      const calls: string[] = [];
      const got: Future<void> = loop.createFuture();
      // A listener of the test's own keeps SIGUSR2 from ending the process once ours is gone.
      const keep = (): void => {
        if (!got.done()) loop.callSoonThreadsafe(() => got.setResult());
      };
      process.on('SIGUSR2', keep);
      try {
        loop.addSignalHandler('SIGUSR2', () => calls.push('handler'));
        loop.removeSignalHandler('SIGUSR2');
        process.kill(process.pid, 'SIGUSR2');
        await got;
        // One more loop iteration: a handler call would have been scheduled by now.
        await new Promise<void>((resolve) => loop.callSoon(resolve));
        expect(calls).toEqual([]);
      } finally {
        process.off('SIGUSR2', keep);
      }
    });
  });

  it('closing the loop removes its handlers', async () => {
    const before = usr2Listeners();
    const loop = new EventLoop();
    loop.addSignalHandler('SIGUSR2', () => {});
    loop.addSignalHandler('SIGHUP', () => {});
    expect(usr2Listeners()).toBe(before + 1);
    loop.close();
    expect(usr2Listeners()).toBe(before);
    expect(process.listenerCount('SIGHUP')).toBe(0);
    expect(loop.removeSignalHandler('SIGUSR2')).toBe(false);
  });

  it('rejects bad signals: TypeError for a wrong type, RangeError for unknown or uncatchable ones', () => {
    const loop = new EventLoop();
    try {
      const cb = (): void => {};
      expect(() => loop.addSignalHandler({} as never, cb)).toThrow(TypeError);
      expect(() => loop.addSignalHandler(2.5 as never, cb)).toThrow(TypeError);
      expect(() => loop.addSignalHandler('SIGFOO' as never, cb)).toThrow(RangeError);
      expect(() => loop.addSignalHandler(9999, cb)).toThrow(RangeError);
      expect(() => loop.addSignalHandler('SIGKILL', cb)).toThrow(/SIGKILL cannot be caught/);
      expect(() => loop.addSignalHandler(constants.signals.SIGSTOP, cb)).toThrow(RangeError);
      expect(() => loop.removeSignalHandler('SIGFOO' as never)).toThrow(RangeError);
      expect(() => loop.removeSignalHandler(null as never)).toThrow(TypeError);
      expect(() => loop.addSignalHandler('SIGUSR2', 'nope' as never)).toThrow(TypeError);
      expect(() => loop.addSignalHandler('SIGUSR2', async () => {})).toThrow(/async functions/);
      expect(process.listenerCount('SIGKILL')).toBe(0);
    } finally {
      loop.close();
    }
  });

  it('throws EventLoopError on a closed loop, and TypeError naming the driver on an OS without signals', () => {
    const closed = new EventLoop();
    closed.close();
    expect(() => closed.addSignalHandler('SIGUSR2', () => {})).toThrow(EventLoopError);
    const bare = new EventLoop({ clock: new VirtualClock(), os: {} });
    try {
      expect(() => bare.addSignalHandler('SIGUSR2', () => {})).toThrow(/no signals driver/);
    } finally {
      bare.close();
    }
  });
});
