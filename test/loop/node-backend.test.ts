import { createHook } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { EventLoop, nodeBackend, sleep } from '../../src/index.js';
import { NodeClock } from '../../src/backends/node/node-clock.js';
import { NodeSelector } from '../../src/backends/node/node-selector.js';

// Real time passes in these tests: they assert on order and effects only,
// never on measured durations.

/** Resolves after a real timer, outside any loop. */
const realTimeout = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Counts the immediates Node makes between `enable()` and `disable()`. */
function immediateCounter(): { count: number; enable(): void; disable(): void } {
  const counter = {
    count: 0,
    enable: (): void => void hook.enable(),
    disable: (): void => void hook.disable(),
  };
  const hook = createHook({
    init(_id, type) {
      if (type === 'Immediate') counter.count++;
    },
  });
  return counter;
}

describe('the Node backend', () => {
  it('nodeBackend() gives a fresh clock, selector and OS per call', () => {
    const a = nodeBackend();
    const b = nodeBackend();
    expect(a.clock).toBeInstanceOf(NodeClock);
    expect(a.selector).toBeInstanceOf(NodeSelector);
    expect(a.selector).not.toBe(b.selector);
    expect(typeof a.os).toBe('object');
  });

  it('has a monotonic clock in milliseconds', async () => {
    const loop = new EventLoop();
    const t0 = loop.time();
    await realTimeout(5);
    const t1 = loop.time();
    expect(t1).toBeGreaterThan(t0);
    loop.close();
  });

  it('wakes the idle loop for a callSoon made from a plain Node callback', async () => {
    const loop = new EventLoop();
    setTimeout(() => loop.callSoon(() => loop.stop()), 5);
    await loop.runForever();
    expect(loop.isRunning()).toBe(false);
    loop.close();
  });

  it('wakes the idle loop for callSoonThreadsafe, and passes its arguments', async () => {
    const loop = new EventLoop();
    const seen: unknown[] = [];
    setTimeout(() => {
      loop.callSoonThreadsafe(
        (a: number, b: string) => {
          seen.push(a, b);
          loop.stop();
        },
        1,
        'b',
      );
    }, 5);
    await loop.runForever();
    expect(seen).toEqual([1, 'b']);
    loop.close();
  });

  it('wakes an idle loop for a callSoon from a Node I/O-style event (setImmediate)', async () => {
    const loop = new EventLoop();
    let ran = false;
    const running = loop.runForever();
    setImmediate(() =>
      loop.callSoon(() => {
        ran = true;
        loop.stop();
      }),
    );
    await running;
    expect(ran).toBe(true);
    loop.close();
  });

  it('wakes an idle loop waiting on a far timer for a callSoon from outside', async () => {
    const loop = new EventLoop();
    const far = loop.callLater(60_000, () => {});
    setTimeout(() => loop.callSoon(() => loop.stop()), 5);
    await loop.runForever();
    far.cancel();
    loop.close();
  });

  it('runs real timers in when order and never before their when', async () => {
    const loop = new EventLoop();
    const order: string[] = [];
    const early: string[] = [];
    const at = (label: string, delay: number): void => {
      const h = loop.callLater(delay, () => {
        if (loop.time() < h.when()) early.push(label);
        order.push(label);
      });
    };
    at('c', 30);
    at('a', 5);
    at('b', 15);
    at('a2', 5);
    loop.callLater(40, () => loop.stop());
    await loop.runForever();
    expect(order).toEqual(['a', 'a2', 'b', 'c']);
    expect(early).toEqual([]);
    loop.close();
  });

  it('fires a real timer roughly on time: after a shorter Node timer, long before a much longer one', async () => {
    const loop = new EventLoop();
    const events: string[] = [];
    const short = setTimeout(() => events.push('node 1 ms'), 1);
    const long = setTimeout(() => events.push('node 5 s'), 5000);
    loop.callLater(20, () => {
      events.push('loop 20 ms');
      loop.stop();
    });
    await loop.runForever();
    clearTimeout(short);
    clearTimeout(long);
    expect(events).toEqual(['node 1 ms', 'loop 20 ms']);
    loop.close();
  });

  it('fires a timer scheduled from a plain Node callback while the loop waits idle on a later one', async () => {
    const loop = new EventLoop();
    const order: string[] = [];
    const late = loop.callLater(60_000, () => order.push('late'));
    setTimeout(() => {
      loop.callLater(5, () => {
        order.push('early');
        loop.stop();
      });
    }, 5);
    await loop.runForever();
    expect(order).toEqual(['early']);
    late.cancel();
    loop.close();
  });

  it('fires a timer scheduled from a plain Node callback while the loop waits with nothing pending', async () => {
    const loop = new EventLoop();
    let fired = false;
    setTimeout(() => {
      loop.callLater(1, () => {
        fired = true;
        loop.stop();
      });
    }, 5);
    await loop.runForever();
    expect(fired).toBe(true);
    loop.close();
  });

  it('resumes a task that slept after awaiting real Node work', async () => {
    const loop = new EventLoop();
    const result = await loop.runUntilComplete(async () => {
      await realTimeout(2);
      await sleep(2);
      return 'done';
    });
    expect(result).toBe('done');
    loop.close();
  });

  it('holds guarantee 4 on real time too: a callback\'s microtasks run before the next callback', async () => {
    const loop = new EventLoop();
    let pending = 0;
    const violations: number[] = [];
    for (let i = 0; i < 500; i++) {
      loop.callSoon(() => {
        if (pending !== 0) violations.push(i);
        pending = 2;
        void Promise.resolve().then(() => queueMicrotask(() => pending--));
        process.nextTick(() => pending--);
      });
    }
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    expect(violations).toEqual([]);
    loop.close();
  });

  it("runs what a callback's microtasks schedule after the loop went idle: a callSoon, then a timer", async () => {
    const loop = new EventLoop();
    const log: string[] = [];
    loop.callSoon(() => {
      log.push('callback');
      // Several microtask hops: the loop has nothing ready when the callback returns.
      void Promise.resolve()
        .then(() => Promise.resolve())
        .then(() => {
          log.push('microtask');
          loop.callSoon(() => {
            log.push('soon');
            void Promise.resolve().then(() => loop.callLater(1, () => {
              log.push('timer');
              loop.stop();
            }));
          });
        });
    });
    await loop.runForever();
    expect(log).toEqual(['callback', 'microtask', 'soon', 'timer']);
    loop.close();
  });

  it('stops when stop() is called from the microtasks of the last ready callback', async () => {
    const loop = new EventLoop();
    loop.callSoon(() => void Promise.resolve().then(() => loop.stop()));
    await loop.runForever();
    expect(loop.isRunning()).toBe(false);
    loop.close();
  });

  it('runs the callbacks of an event that wakes an idle loop, and of the task it wakes, in one driver immediate', async () => {
    const loop = new EventLoop();
    const events = 50;
    const hook = immediateCounter();
    let left = events;
    // Each event comes from a real timer while the loop is idle, as a socket's
    // data would; its callback wakes a task (a second hop) that schedules the next.
    const fire = (): void => {
      loop.callSoonThreadsafe(() => {
        const f = loop.createFuture<void>();
        loop.createTask(async () => {
          await f;
          if (--left === 0) loop.stop();
          else setTimeout(fire, 0);
        });
        f.setResult(undefined);
      });
    };
    setTimeout(() => {
      hook.enable();
      fire();
    }, 1);
    await loop.runForever();
    hook.disable();
    loop.close();
    expect(hook.count).toBeLessThanOrEqual(events + 1);
  });

  it('runs a chain of ten callbacks in one driver', async () => {
    // The process's first driver also makes the loop's shape anchors (one
    // cleared immediate): have it made before counting.
    const warm = new EventLoop();
    warm.callSoon(() => warm.stop());
    await warm.runForever();
    warm.close();
    const loop = new EventLoop();
    const hook = immediateCounter();
    hook.enable();
    let n = 0;
    const next = (): void => {
      if (++n === 10) loop.stop();
      else loop.callSoon(next);
    };
    loop.callSoon(next);
    await loop.runForever();
    hook.disable();
    loop.close();
    expect(n).toBe(10);
    // One immediate, or none when this code itself runs in a driver's
    // checkpoint (after the warm loop's run), which then runs this loop too.
    expect(hook.count).toBeLessThanOrEqual(1);
  });

  it('starts a loop run from the microtasks that end another loop\'s run in the same driver immediate', async () => {
    const first = new EventLoop();
    const second = new EventLoop();
    const hook = immediateCounter();
    first.callSoon(() => first.stop());
    const order: string[] = [];
    const chained = first.runForever().then(() => {
      hook.enable();
      second.callSoon(() => {
        order.push('second');
        second.stop();
      });
      return second.runForever();
    });
    await chained;
    hook.disable();
    first.close();
    second.close();
    expect(order).toEqual(['second']);
    expect(hook.count).toBe(0);
  });

  it('lets libuv run between handed-over drivers: a Node timer fires during a long chain of loops, each started by the end of the one before', async () => {
    let fired = -1;
    let runs = 0;
    setTimeout(() => {
      fired = runs;
    }, 0);
    for (; runs < 2000; runs++) {
      const loop = new EventLoop();
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      loop.close();
    }
    expect(fired).toBeGreaterThanOrEqual(0);
    expect(fired).toBeLessThan(2000);
  });

  it('lets Node\'s own callbacks run during a long chain of loop callbacks', async () => {
    const loop = new EventLoop();
    let n = 0;
    let seenAt = -1;
    const next = (): void => {
      if (++n === 2000) loop.stop();
      else loop.callSoon(next);
    };
    loop.callSoon(() => {
      setImmediate(() => {
        seenAt = n;
      });
      next();
    });
    await loop.runForever();
    loop.close();
    expect(seenAt).toBeGreaterThan(0);
    expect(seenAt).toBeLessThan(2000);
  });

  it('does not keep the process alive after the loop is closed', async () => {
    const loop = new EventLoop();
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    loop.callLater(60_000, () => {});
    setTimeout(() => loop.stop(), 5);
    await loop.runForever();
    loop.close();
    const after = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(after).toBeLessThanOrEqual(before);
  });
});

describe('NodeSelector', () => {
  it('calls onWake after a finite wait', async () => {
    const sel = new NodeSelector();
    await new Promise<void>((resolve) => sel.wait(2, () => resolve()));
    sel.close();
  });

  it('never calls onWake for a wait that cancelWait ended', async () => {
    const sel = new NodeSelector();
    let woke = false;
    sel.wait(1, () => {
      woke = true;
    });
    sel.cancelWait();
    await realTimeout(10);
    expect(woke).toBe(false);
    sel.close();
  });

  it('holds an endless wait (the process stays alive) until cancelled', async () => {
    const sel = new NodeSelector();
    const count = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = count();
    sel.wait(Infinity, () => {
      throw new Error('an endless wait must not wake by itself');
    });
    expect(count()).toBe(before + 1);
    sel.cancelWait();
    expect(count()).toBe(before);
    sel.close();
  });

  it('close() is idempotent', () => {
    const sel = new NodeSelector();
    sel.wait(1000, () => {});
    sel.close();
    sel.close();
  });
});

describe('NodeClock', () => {
  it('sleepTime is the time left until the deadline, and 0 once it passed', () => {
    const clock = new NodeClock();
    const now = clock.now();
    expect(clock.sleepTime(now - 10)).toBe(0);
    const left = clock.sleepTime(now + 60_000);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(60_000);
    expect(clock.sleepTime(Infinity)).toBe(Infinity);
  });
});
