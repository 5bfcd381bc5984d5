import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  createTask,
  currentTask,
  Future,
  getRunningLoop,
  InvalidStateError,
  simulate,
  sleep,
  TaskGroup,
  timeout,
  timeoutAt,
  Timeout,
  TimeoutError,
} from '../../src/index.js';
import { now, rejection, ticks } from './support.js';

describe('timeout', () => {
  it('resolves to the body\'s result when the deadline does not pass', async () => {
    await simulate(async () => {
      let scope!: Timeout;
      const result = await timeout(100, async (cm) => {
        scope = cm;
        await sleep(10);
        return 'in time';
      });
      expect(result).toBe('in time');
      expect(scope.expired()).toBe(false);
      expect(scope.when()).toBe(100);
      expect(now()).toBe(10);
    });
  });

  it('at the deadline the body sees CancelledError and the scope throws TimeoutError', async () => {
    await simulate(async () => {
      let inside: unknown;
      let scope!: Timeout;
      const err = await rejection(
        timeout(50, async (cm) => {
          scope = cm;
          try {
            await sleep(1000);
          } catch (e) {
            inside = e;
            throw e;
          }
        }),
      );
      expect(inside).toBeInstanceOf(CancelledError);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).cause).toBe(inside);
      expect(scope.expired()).toBe(true);
      expect(now()).toBe(50);
    });
  });

  it('the task running the scope is not left cancelled after a TimeoutError', async () => {
    await simulate(async () => {
      const t = createTask(async () => {
        await rejection(timeout(1, async () => sleep(1000)));
        expect(currentTask()!.cancelling()).toBe(0);
        await sleep(10);
        return 'went on';
      });
      expect(await t).toBe('went on');
      expect(t.cancelled()).toBe(false);
    });
  });

  it('null means no deadline: when() is null and it never expires', async () => {
    await simulate(async () => {
      let scope!: Timeout;
      await timeout(null, async (cm) => {
        scope = cm;
        await sleep(1_000_000);
      });
      expect(scope.when()).toBeNull();
      expect(scope.expired()).toBe(false);
    });
  });

  it('Infinity never expires', async () => {
    await simulate(async () => {
      expect(await timeout(Infinity, async () => sleep(1_000_000, 'slept'))).toBe('slept');
    });
  });

  it('a timeout of 0 expires at the first await, even of sleep(0)', async () => {
    await simulate(async () => {
      let scope!: Timeout;
      const err = await rejection(
        timeout(0, async (cm) => {
          scope = cm;
          await sleep(0);
        }),
      );
      expect(err).toBeInstanceOf(TimeoutError);
      expect(scope.expired()).toBe(true);
      expect(scope.when()).toBe(0);
    });
  });

  it('a deadline in the past expires at once', async () => {
    await simulate(async () => {
      await sleep(100);
      let scope!: Timeout;
      expect(
        await rejection(
          timeout(-11, async (cm) => {
            scope = cm;
            await sleep(10);
          }),
        ),
      ).toBeInstanceOf(TimeoutError);
      expect(scope.when()).toBe(89);
      expect(now()).toBe(100);
    });
  });

  it('a body that completes without awaiting is not expired even with a timeout of 0', async () => {
    await simulate(async () => {
      expect(await timeout(0, async () => 'quick')).toBe('quick');
    });
  });

  it('an error of the body other than the cancellation passes through unchanged', async () => {
    await simulate(async () => {
      const err = new RangeError('own error');
      let scope!: Timeout;
      expect(
        await rejection(
          timeout(10, async (cm) => {
            scope = cm;
            throw err;
          }),
        ),
      ).toBe(err);
      expect(scope.expired()).toBe(false);
    });
  });

  it('an error raised by the body\'s cleanup after expiry replaces the TimeoutError', async () => {
    await simulate(async () => {
      const err = new Error('cleanup failed');
      const got = await rejection(
        timeout(10, async () => {
          try {
            await sleep(1000);
          } finally {
            // eslint-disable-next-line no-unsafe-finally
            throw err;
          }
        }),
      );
      expect(got).toBe(err);
    });
  });

  it('a body that swallows the cancellation completes normally, but the scope is expired', async () => {
    await simulate(async () => {
      let scope!: Timeout;
      const result = await timeout(10, async (cm) => {
        scope = cm;
        try {
          await sleep(1000);
        } catch {
          return 'swallowed';
        }
        return 'slept';
      });
      expect(result).toBe('swallowed');
      expect(scope.expired()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
    });
  });

  it('throws TypeError at the call for NaN, a non-number or a missing body', async () => {
    await simulate(async () => {
      expect(() => timeout(Number.NaN, async () => {})).toThrow(TypeError);
      expect(() => timeout('1' as unknown as number, async () => {})).toThrow(TypeError);
      expect(() => timeout(1, undefined as unknown as () => Promise<void>)).toThrow(TypeError);
      expect(() => timeoutAt(Number.NaN, async () => {})).toThrow(TypeError);
    });
  });

  it('called from a plain callback (no task), the scope runs in a new task', async () => {
    await simulate(async () => {
      const loop = getRunningLoop();
      const got = new Future<unknown>();
      loop.callSoon(() => {
        timeout(5, async () => sleep(100)).then(
          (v) => got.setResult(v),
          (e) => got.setResult(e),
        );
      });
      expect(await got).toBeInstanceOf(TimeoutError);
      expect(now()).toBe(5);
    });
  });
});

describe('timeoutAt', () => {
  it('expires at the given loop time; when() is that time', async () => {
    await simulate(async () => {
      await sleep(20);
      let scope!: Timeout;
      expect(
        await rejection(
          timeoutAt(70, async (cm) => {
            scope = cm;
            await sleep(1000);
          }),
        ),
      ).toBeInstanceOf(TimeoutError);
      expect(scope.when()).toBe(70);
      expect(scope.expired()).toBe(true);
      expect(now()).toBe(70);
    });
  });

  it('null means no deadline', async () => {
    await simulate(async () => {
      expect(await timeoutAt(null, async (cm) => cm.when())).toBeNull();
    });
  });
});

describe('Timeout.reschedule', () => {
  it('moves the deadline later', async () => {
    await simulate(async () => {
      expect(
        await rejection(
          timeout(10, async (cm) => {
            cm.reschedule(now() + 100);
            expect(cm.when()).toBe(100);
            await sleep(1000);
          }),
        ),
      ).toBeInstanceOf(TimeoutError);
      expect(now()).toBe(100);
    });
  });

  it('moves the deadline earlier', async () => {
    await simulate(async () => {
      await rejection(
        timeout(1000, async (cm) => {
          await sleep(5);
          cm.reschedule(now() + 5);
          await sleep(1000);
        }),
      );
      expect(now()).toBe(10);
    });
  });

  it('reschedule(null) removes the deadline', async () => {
    await simulate(async () => {
      const result = await timeout(10, async (cm) => {
        cm.reschedule(null);
        expect(cm.when()).toBeNull();
        await sleep(100);
        return 'no deadline';
      });
      expect(result).toBe('no deadline');
    });
  });

  it('a deadline rescheduled into the past expires at the next iteration', async () => {
    await simulate(async () => {
      await sleep(50);
      await rejection(
        timeout(1000, async (cm) => {
          cm.reschedule(0);
          await sleep(100);
        }),
      );
      expect(now()).toBe(50);
    });
  });

  it('works from another task while the body runs, and cancelling the task then is a plain cancellation', async () => {
    await simulate(async () => {
      const scope = new Future<Timeout>();
      const t = createTask(async () =>
        timeoutAt(10, async (cm) => {
          scope.setResult(cm);
          await sleep(50);
        }),
      );
      const cm = await scope;
      expect(cm.when()).toBe(10);
      cm.reschedule(30);
      expect(cm.when()).toBe(30);
      cm.reschedule(null);
      expect(cm.when()).toBeNull();
      t.cancel();
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      expect(cm.expired()).toBe(false);
    });
  });

  it('throws InvalidStateError once the scope has finished', async () => {
    await simulate(async () => {
      const cm = await timeout(10, async (c) => c);
      expect(() => cm.reschedule(20)).toThrow(InvalidStateError);
      expect(() => cm.reschedule(20)).toThrow(/finished/);
    });
  });

  it('throws InvalidStateError once the scope has expired', async () => {
    await simulate(async () => {
      let scope!: Timeout;
      await rejection(
        timeout(10, async (cm) => {
          scope = cm;
          await sleep(100);
        }),
      );
      expect(() => scope.reschedule(200)).toThrow(InvalidStateError);
    });
  });

  it('throws InvalidStateError while the expiry is being delivered', async () => {
    await simulate(async () => {
      await timeout(10, async (cm) => {
        await rejection(sleep(100));
        expect(() => cm.reschedule(200)).toThrow(InvalidStateError);
      });
    });
  });

  it('throws TypeError for NaN', async () => {
    await simulate(async () => {
      await timeout(10, async (cm) => {
        expect(() => cm.reschedule(Number.NaN)).toThrow(TypeError);
      });
    });
  });
});

describe('nested timeouts and outside cancellation', () => {
  it('with equal deadlines only the outermost scope turns the cancellation into TimeoutError', async () => {
    await simulate(async () => {
      let innerSawCancel = false;
      let outer!: Timeout;
      let inner!: Timeout;
      const err = await rejection(
        timeoutAt(10, async (cm1) => {
          outer = cm1;
          try {
            await timeoutAt(10, async (cm2) => {
              inner = cm2;
              await sleep(1000);
            });
          } catch (e) {
            innerSawCancel = e instanceof CancelledError;
            throw e;
          }
        }),
      );
      expect(err).toBeInstanceOf(TimeoutError);
      expect(innerSawCancel).toBe(true);
      expect(outer.expired()).toBe(true);
      expect(inner.expired()).toBe(true);
    });
  });

  it('an inner timeout that expires first throws TimeoutError inside the outer scope, which goes on', async () => {
    await simulate(async () => {
      const result = await timeout(100, async (outer) => {
        const innerErr = await rejection(timeout(10, async () => sleep(1000)));
        expect(innerErr).toBeInstanceOf(TimeoutError);
        expect(outer.expired()).toBe(false);
        await sleep(20);
        return 'outer finished';
      });
      expect(result).toBe('outer finished');
      expect(now()).toBe(30);
    });
  });

  it('after an inner timeout, the outer deadline still interrupts later work', async () => {
    await simulate(async () => {
      const err = await rejection(
        timeout(100, async () => {
          await rejection(timeout(10, async () => sleep(1000)));
          await sleep(10_000);
        }),
      );
      expect(err).toBeInstanceOf(TimeoutError);
      expect(now()).toBe(100);
    });
  });

  it('a cancellation from outside is not swallowed by a timeout that expires at the same time', async () => {
    await simulate(async () => {
      const loop = getRunningLoop();
      let scope!: Timeout;
      const t = createTask(async () =>
        timeoutAt(10, async (cm) => {
          scope = cm;
          await sleep(1000);
        }),
      );
      loop.callAt(10, () => t.cancel('from outside'));
      const err = await rejection(t);
      expect(err).toBeInstanceOf(CancelledError);
      expect(t.cancelled()).toBe(true);
      expect(scope.expired()).toBe(true);
    });
  });

  it('a cancellation from outside before the deadline propagates and the scope is not expired', async () => {
    await simulate(async () => {
      let scope!: Timeout;
      const t = createTask(async () =>
        timeout(1000, async (cm) => {
          scope = cm;
          await sleep(2000);
        }),
      );
      await sleep(10);
      t.cancel();
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      expect(scope.expired()).toBe(false);
    });
  });

  it('a task cancelling itself inside a scope gets CancelledError, not TimeoutError', async () => {
    await simulate(async () => {
      let scope!: Timeout;
      const err = await rejection(
        timeout(10_000, async (cm) => {
          scope = cm;
          currentTask()!.cancel();
          await sleep(10_000);
        }),
      );
      expect(err).toBeInstanceOf(CancelledError);
      expect(scope.expired()).toBe(false);
      currentTask()!.uncancel();
    });
  });

  it('a timeout inside cleanup after a caught cancellation still gives TimeoutError', async () => {
    await simulate(async () => {
      const t = createTask(async () => {
        try {
          await sleep(1000);
        } catch {
          // cancelled: clean up under a deadline
        }
        return rejection(timeout(0, async () => sleep(1000)));
      });
      await ticks();
      t.cancel();
      expect(await t).toBeInstanceOf(TimeoutError);
      expect(t.cancelling()).toBe(1);
    });
  });

  it('a new cancellation inside such a cleanup scope propagates as CancelledError', async () => {
    await simulate(async () => {
      const t = createTask(async () => {
        try {
          await sleep(1000);
        } catch {
          // cancelled once
        }
        return rejection(
          timeout(1000, async () => {
            currentTask()!.cancel();
            await sleep(2000);
          }),
        );
      });
      await ticks();
      t.cancel();
      expect(await t).toBeInstanceOf(CancelledError);
    });
  });
});

describe('timeout around a TaskGroup', () => {
  it('a group cancelled by the deadline while its body waits ends the scope with TimeoutError', async () => {
    await simulate(async () => {
      const err = await rejection(
        timeout(-1, async () =>
          new TaskGroup().run(async () => {
            await sleep(0);
          }),
        ),
      );
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).cause).toBeInstanceOf(CancelledError);
    });
  });

  it('children failing in their cleanup at the deadline surface as AggregateError, and the task is not left cancelled', async () => {
    await simulate(async () => {
      const err = await rejection(
        timeout(10, async () =>
          new TaskGroup().run(async (tg) => {
            tg.createTask(async () => {
              try {
                await sleep(2000);
              } finally {
                // eslint-disable-next-line no-unsafe-finally
                throw new RangeError('crash in cleanup');
              }
            });
            try {
              throw new TypeError('body error');
            } finally {
              await sleep(1000);
            }
          }),
        ),
      );
      expect(err).toBeInstanceOf(AggregateError);
      const errors = (err as AggregateError).errors;
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(RangeError);
      expect(currentTask()!.cancelling()).toBe(0);
      await sleep(5);
      expect(now()).toBe(15);
    });
  });
});

describe('timeout and abort signals', () => {
  it('cm.signal is aborted at the deadline with a TimeoutError reason', async () => {
    await simulate(async () => {
      let signal!: AbortSignal;
      await rejection(
        timeout(10, async (cm) => {
          signal = cm.signal;
          expect(signal.aborted).toBe(false);
          await sleep(100);
        }),
      );
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBeInstanceOf(TimeoutError);
    });
  });

  it('cm.signal read after the expiry is already aborted', async () => {
    await simulate(async () => {
      let scope!: Timeout;
      await rejection(
        timeout(10, async (cm) => {
          scope = cm;
          await sleep(100);
        }),
      );
      expect(scope.signal.aborted).toBe(true);
    });
  });

  it('plain work aborted through cm.signal at the deadline ends the scope with TimeoutError', async () => {
    await simulate(async () => {
      const err = await rejection(
        timeout(10, async (cm) => {
          await delay(60_000, undefined, { signal: cm.signal });
        }),
      );
      expect(err).toBeInstanceOf(TimeoutError);
      expect(now()).toBe(10);
      expect(currentTask()!.cancelling()).toBe(0);
    });
  });

  it('plain work aborted through the task\'s signal at the deadline ends the scope with TimeoutError', async () => {
    await simulate(async () => {
      const err = await rejection(
        timeout(10, async () => {
          await delay(60_000, undefined, { signal: currentTask()!.signal });
        }),
      );
      expect(err).toBeInstanceOf(TimeoutError);
      expect(currentTask()!.cancelling()).toBe(0);
      expect(currentTask()!.signal.aborted).toBe(false);
    });
  });

  it('plain work aborted through cm.signal while an outside cancellation is also pending ends the task cancelled', async () => {
    await simulate(async () => {
      const loop = getRunningLoop();
      const t = createTask(async () =>
        timeoutAt(10, async (cm) => {
          await delay(60_000, undefined, { signal: cm.signal });
        }),
      );
      loop.callAt(10, () => t.cancel('outside'));
      const err = await rejection(t);
      expect(err).toBeInstanceOf(CancelledError);
      expect(t.cancelled()).toBe(true);
    });
  });

  it('the task\'s signal is fresh again after a timeout turned into TimeoutError', async () => {
    await simulate(async () => {
      const before = currentTask()!.signal;
      await rejection(timeout(10, async () => sleep(100)));
      expect(before.aborted).toBe(true);
      expect(currentTask()!.signal.aborted).toBe(false);
    });
  });
});
