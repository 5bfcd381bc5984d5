import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  createTask,
  currentTask,
  Event,
  Future,
  getRunningLoop,
  InvalidStateError,
  simulate,
  sleep,
  type Task,
  TaskGroup,
} from '../../src/index.js';
import { now, rejection, ticks } from './support.js';

class MyError extends Error {
  override name = 'MyError';
}

const after = <T>(ms: number, value: T) => async (): Promise<T> => {
  await sleep(ms);
  return value;
};
const failAfter = (ms: number, err: Error = new MyError(`failed after ${ms}`)) => async (): Promise<never> => {
  await sleep(ms);
  throw err;
};

/** The errors of an AggregateError, failing the test for anything else. */
function errorsOf(e: unknown): unknown[] {
  expect(e).toBeInstanceOf(AggregateError);
  return (e as AggregateError).errors;
}

describe('TaskGroup: children that succeed', () => {
  it('waits for every child and resolves to the body\'s result', async () => {
    await simulate(async () => {
      let t1!: Task<number>;
      let t2!: Task<number>;
      const result = await new TaskGroup().run(async (tg) => {
        t1 = tg.createTask(after(100, 42));
        t2 = tg.createTask(after(200, 11));
        return 'body';
      });
      expect(result).toBe('body');
      expect(t1.result()).toBe(42);
      expect(t2.result()).toBe(11);
      expect(now()).toBe(200);
    });
  });

  it('children may be added after the body awaited something', async () => {
    await simulate(async () => {
      let t2!: Task<number>;
      await new TaskGroup().run(async (tg) => {
        tg.createTask(after(100, 42));
        await sleep(150);
        t2 = tg.createTask(after(200, 11));
      });
      expect(t2.result()).toBe(11);
      expect(now()).toBe(350);
    });
  });

  it('a child cancelled explicitly does not disturb the group', async () => {
    await simulate(async () => {
      let t1!: Task<number>;
      let t2!: Task<number>;
      await new TaskGroup().run(async (tg) => {
        t1 = tg.createTask(after(1000, 42));
        await sleep(150);
        t1.cancel();
        t2 = tg.createTask(after(200, 11));
      });
      expect(t1.cancelled()).toBe(true);
      expect(t2.result()).toBe(11);
    });
  });

  it('children may create more children in the group, which waits for them too', async () => {
    await simulate(async () => {
      const finished: number[] = [];
      await new TaskGroup().run(async (tg) => {
        tg.createTask(async () => {
          await sleep(100);
          tg.createTask(async () => {
            await sleep(100);
            finished.push(1);
          });
          tg.createTask(async () => {
            await sleep(200);
            finished.push(2);
          });
        });
      });
      expect(finished).toEqual([1, 2]);
      expect(now()).toBe(300);
    });
  });

  it('createTask passes the name on', async () => {
    await simulate(async () => {
      let seen = '';
      await new TaskGroup().run(async (tg) => {
        const t = tg.createTask(
          async () => {
            seen = currentTask()!.getName();
          },
          { name: 'example name' },
        );
        expect(t.getName()).toBe('example name');
      });
      expect(seen).toBe('example name');
    });
  });
});

describe('TaskGroup: a failing child', () => {
  it('cancels the other children and the body; the group throws AggregateError of the failure', async () => {
    await simulate(async () => {
      let siblingCancelled = false;
      let bodyCancelled = false;
      let afterGroup = false;
      let sibling!: Task<void>;
      const err = new MyError('child failed');
      const runner = createTask(async () => {
        await new TaskGroup().run(async (tg) => {
          tg.createTask(failAfter(100, err));
          sibling = tg.createTask(async () => {
            try {
              await sleep(5000);
            } catch (e) {
              siblingCancelled = true;
              throw e;
            }
          });
          try {
            await sleep(10_000);
          } catch (e) {
            bodyCancelled = true;
            throw e;
          }
        });
        afterGroup = true;
      });
      const got = await rejection(runner);
      expect(errorsOf(got)).toEqual([err]);
      expect(siblingCancelled).toBe(true);
      expect(sibling.cancelled()).toBe(true);
      expect(bodyCancelled).toBe(true);
      expect(afterGroup).toBe(false);
      expect(now()).toBe(100);
    });
  });

  it('collects every child failure that happened before the cancellation took effect', async () => {
    await simulate(async () => {
      const got = await rejection(
        new TaskGroup().run(async (tg) => {
          tg.createTask(failAfter(100));
          tg.createTask(failAfter(100));
          tg.createTask(failAfter(100));
          tg.createTask(after(5000, 'x'));
          await sleep(10_000);
        }),
      );
      const errors = errorsOf(got);
      expect(errors).toHaveLength(3);
      for (const e of errors) expect(e).toBeInstanceOf(MyError);
    });
  });

  it('leaves CancelledErrors out of the AggregateError', async () => {
    await simulate(async () => {
      const err = new MyError('only me');
      const got = await rejection(
        new TaskGroup().run(async (tg) => {
          tg.createTask(failAfter(10, err));
          tg.createTask(after(100, 'cancelled'));
        }),
      );
      expect(errorsOf(got)).toEqual([err]);
    });
  });

  it('the task running the group is not left cancelled afterwards', async () => {
    await simulate(async () => {
      await rejection(new TaskGroup().run(async (tg) => void tg.createTask(failAfter(0))));
      expect(currentTask()!.cancelling()).toBe(0);
      await sleep(0);
      await sleep(10);
      expect(now()).toBe(10);
    });
  });

  it('a child cannot be added once the group is shutting down after a failure', async () => {
    await simulate(async () => {
      let refused: unknown;
      const got = await rejection(
        new TaskGroup().run(async (tg) => {
          tg.createTask(failAfter(1));
          tg.createTask(async () => {
            try {
              await sleep(1000);
            } catch {
              try {
                tg.createTask(failAfter(1));
              } catch (e) {
                refused = e;
              }
            }
          });
        }),
      );
      expect(errorsOf(got)).toHaveLength(1);
      expect(refused).toBeInstanceOf(InvalidStateError);
      expect(String((refused as Error).message)).toMatch(/shutting down/);
    });
  });

  it('a child created by a child in the same step as a failure is cancelled too', async () => {
    await simulate(async () => {
      let ran = false;
      const err = new MyError('third task failed');
      const got = await rejection(
        new TaskGroup().run(async (tg) => {
          tg.createTask(async () => {
            tg.createTask(async () => {
              throw err;
            });
            await expect(
              (async () => {
                await sleep(0);
                await sleep(0);
              })(),
            ).rejects.toBeInstanceOf(CancelledError);
            ran = true;
          });
        }),
      );
      expect(ran).toBe(true);
      expect(errorsOf(got)).toEqual([err]);
    });
  });

  it('children that fail in their cleanup after the parent was cancelled still surface as AggregateError', async () => {
    await simulate(async () => {
      const runner = createTask(async () =>
        new TaskGroup().run(async (tg) => {
          for (let i = 0; i < 5; i++) {
            tg.createTask(async () => {
              try {
                await sleep(10_000);
              } finally {
                // eslint-disable-next-line no-unsafe-finally
                throw new MyError('in finally');
              }
            });
          }
          await sleep(10_000);
        }),
      );
      await sleep(100);
      runner.cancel();
      const errors = errorsOf(await rejection(runner));
      expect(errors).toHaveLength(5);
      for (const e of errors) expect(e).toBeInstanceOf(MyError);
    });
  });

  it('a child failing while the body handles an outside cancellation makes the group throw AggregateError', async () => {
    await simulate(async () => {
      const runner = createTask(async () =>
        new TaskGroup().run(async (tg) => {
          tg.createTask(failAfter(300));
          try {
            await sleep(10_000);
          } catch (e) {
            await sleep(500);
            throw e;
          }
        }),
      );
      await sleep(100);
      runner.cancel();
      const errors = errorsOf(await rejection(runner));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(MyError);
    });
  });

  it('an outside cancellation stays in force when the group throws AggregateError', async () => {
    await simulate(async () => {
      const started = new Event();
      const inner = createTask(async () => {
        try {
          await new TaskGroup().run(async (tg) => {
            tg.createTask(async () => {
              started.set();
              await sleep(0);
              throw new MyError('raise_error');
            });
            await sleep(1000);
          });
        } catch (e) {
          expect(e).toBeInstanceOf(AggregateError);
          expect(currentTask()!.cancelling()).toBe(1);
        }
        expect(currentTask()!.cancelling()).toBe(1);
        await sleep(1000);
        throw new Error('the sleep after the group should have been cancelled');
      });
      await started.wait();
      expect(inner.cancelling()).toBe(0);
      inner.cancel();
      expect(inner.cancelling()).toBe(1);
      expect(await rejection(inner)).toBeInstanceOf(CancelledError);
      expect(inner.cancelled()).toBe(true);
    });
  });
});

describe('TaskGroup: a failing body', () => {
  it('cancels the children; the AggregateError holds the body\'s error', async () => {
    await simulate(async () => {
      let t1!: Task<number>;
      let t2!: Task<number>;
      const err = new MyError('body failed');
      const got = await rejection(
        new TaskGroup().run(async (tg) => {
          t1 = tg.createTask(after(1000, 42));
          t2 = tg.createTask(after(2000, 11));
          await sleep(100);
          throw err;
        }),
      );
      expect(errorsOf(got)).toEqual([err]);
      expect(t1.cancelled()).toBe(true);
      expect(t2.cancelled()).toBe(true);
    });
  });

  it('a body throwing before any child started cancels them before they run', async () => {
    await simulate(async () => {
      let started = false;
      const start = async (): Promise<void> => {
        started = true;
      };
      let t1!: Task<void>;
      const got = await rejection(
        new TaskGroup().run(async (tg) => {
          t1 = tg.createTask(start);
          throw new MyError('at once');
        }),
      );
      expect(errorsOf(got)).toHaveLength(1);
      expect(t1.cancelled()).toBe(true);
      expect(started).toBe(false);
    });
  });

  it('children\'s errors come first, then the body\'s own', async () => {
    await simulate(async () => {
      const childErr = new MyError('child');
      const bodyErr = new MyError('body');
      const got = await rejection(
        createTask(async () =>
          new TaskGroup().run(async (tg) => {
            tg.createTask(failAfter(100, childErr));
            try {
              await sleep(10_000);
            } finally {
              // eslint-disable-next-line no-unsafe-finally
              throw bodyErr;
            }
          }),
        ),
      );
      expect(errorsOf(got)).toEqual([childErr, bodyErr]);
    });
  });

  it('a body that turns the cancellation into its own error surfaces that error', async () => {
    await simulate(async () => {
      let caught = 0;
      const runner = createTask(async () =>
        new TaskGroup().run(async () => {
          try {
            await sleep(10_000);
          } catch {
            caught += 10;
            throw new MyError('instead of the cancellation');
          }
        }),
      );
      await sleep(100);
      runner.cancel();
      const errors = errorsOf(await rejection(runner));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(MyError);
      expect(caught).toBe(10);
    });
  });

  it('an error in a cleanup around the children, after a child failed, joins the child\'s', async () => {
    await simulate(async () => {
      const task = createTask(async () => {
        try {
          await new TaskGroup().run(async (tg) => {
            try {
              tg.createTask(async () => {
                throw new MyError('from child');
              });
              await sleep(1000);
            } finally {
              // eslint-disable-next-line no-unsafe-finally
              throw new MyError('from cleanup');
            }
          });
        } catch (e) {
          expect(currentTask()!.cancelling()).toBe(0);
          return errorsOf(e).map((x) => (x as Error).message);
        }
        return [];
      });
      expect(await task).toEqual(['from child', 'from cleanup']);
    });
  });
});

describe('TaskGroup: cancellation from outside', () => {
  it('cancelling the parent while the group waits cancels every child and propagates CancelledError with the message', async () => {
    await simulate(async () => {
      let cancelledChildren = 0;
      const runner = createTask(async () =>
        new TaskGroup().run(async (tg) => {
          for (let i = 0; i < 5; i++) {
            tg.createTask(async () => {
              try {
                await sleep(5000);
              } catch (e) {
                cancelledChildren++;
                throw e;
              }
            });
          }
        }),
      );
      await sleep(100);
      expect(runner.done()).toBe(false);
      runner.cancel('test');
      const err = await rejection(runner);
      expect(err).toBeInstanceOf(CancelledError);
      expect((err as Error).message).toBe('test');
      expect(cancelledChildren).toBe(5);
    });
  });

  it('cancelling the parent while the body awaits cancels the body and the children', async () => {
    await simulate(async () => {
      let count = 0;
      const runner = createTask(async () =>
        new TaskGroup().run(async (tg) => {
          for (let i = 0; i < 5; i++) {
            tg.createTask(async () => {
              try {
                await sleep(5000);
              } catch (e) {
                count++;
                throw e;
              }
            });
          }
          try {
            await sleep(10_000);
          } catch (e) {
            count += 10;
            throw e;
          }
        }),
      );
      await sleep(100);
      runner.cancel();
      expect(await rejection(runner)).toBeInstanceOf(CancelledError);
      expect(count).toBe(15);
    });
  });

  it('an outside cancellation that reaches the children before they fail propagates as CancelledError with its message', async () => {
    await simulate(async () => {
      const runner = createTask(async () =>
        new TaskGroup().run(async (tg) => {
          for (let i = 0; i < 5; i++) tg.createTask(failAfter(100));
          try {
            await sleep(10_000);
          } catch (e) {
            throw e;
          }
        }),
      );
      await sleep(50);
      runner.cancel('test');
      const err = await rejection(runner);
      expect(err).toBeInstanceOf(CancelledError);
      expect((err as Error).message).toBe('test');
    });
  });

  it('a group with no children propagates the cancellation of its body', async () => {
    await simulate(async () => {
      let count = 0;
      const runner = createTask(async () =>
        new TaskGroup().run(async () => {
          try {
            await sleep(10_000);
          } catch (e) {
            count += 10;
            throw e;
          }
        }),
      );
      await sleep(100);
      runner.cancel();
      expect(await rejection(runner)).toBeInstanceOf(CancelledError);
      expect(count).toBe(10);
    });
  });

  it('nested groups: an outside cancellation propagates through both', async () => {
    await simulate(async () => {
      const runner = createTask(async () =>
        new TaskGroup().run(async (g1) => {
          g1.createTask(async () => sleep(10_000));
          await new TaskGroup().run(async (g2) => {
            for (let i = 0; i < 5; i++) g2.createTask(failAfter(100));
            await sleep(10_000);
          });
        }),
      );
      await sleep(50);
      runner.cancel();
      expect(await rejection(runner)).toBeInstanceOf(CancelledError);
    });
  });

  it('nested groups: children failing in cleanup surface as an AggregateError inside an AggregateError', async () => {
    await simulate(async () => {
      const runner = createTask(async () =>
        new TaskGroup().run(async () => {
          await new TaskGroup().run(async (g2) => {
            for (let i = 0; i < 5; i++) {
              g2.createTask(async () => {
                try {
                  await sleep(10_000);
                } finally {
                  // eslint-disable-next-line no-unsafe-finally
                  throw new MyError('cleanup');
                }
              });
            }
            await sleep(10_000);
          });
        }),
      );
      await sleep(100);
      runner.cancel();
      const outer = errorsOf(await rejection(runner));
      expect(outer).toHaveLength(1);
      const inner = errorsOf(outer[0]);
      expect(inner).toHaveLength(5);
    });
  });

  it('a child failing while the cancelled body cleans up wins, also when the group runs in a task that the cancelled task awaits', async () => {
    await simulate(async () => {
      const nested = async (): Promise<void> =>
        new TaskGroup().run(async (g1) => {
          g1.createTask(failAfter(300));
          try {
            await sleep(10_000);
          } catch (e) {
            await sleep(500);
            throw e;
          }
        });
      const runner = createTask(async () => {
        await createTask(nested);
      });
      await sleep(100);
      runner.cancel();
      const errors = errorsOf(await rejection(runner));
      expect(errors[0]).toBeInstanceOf(MyError);
    });
  });

  it('cancelling the parent while the group waits for slow children propagates CancelledError', async () => {
    await simulate(async () => {
      const runner = createTask(async () =>
        new TaskGroup().run(async (g) => {
          g.createTask(after(1000, 42));
          g.createTask(after(2000, 11));
        }),
      );
      await sleep(50);
      runner.cancel();
      expect(await rejection(runner)).toBeInstanceOf(CancelledError);
    });
  });
});

describe('TaskGroup: nesting', () => {
  it('an outer child failing cancels the inner group, whose cancellation does not add to the errors', async () => {
    await simulate(async () => {
      const got = await rejection(
        createTask(async () =>
          new TaskGroup().run(async (g1) => {
            g1.createTask(failAfter(100, new MyError('outer child')));
            await new TaskGroup().run(async (g2) => {
              g2.createTask(failAfter(10_000));
            });
          }),
        ),
      );
      const errors = errorsOf(got);
      expect(errors).toHaveLength(1);
      expect((errors[0] as Error).message).toBe('outer child');
    });
  });

  it('an inner child failing gives the outer group an AggregateError holding the inner one', async () => {
    await simulate(async () => {
      const got = await rejection(
        createTask(async () =>
          new TaskGroup().run(async (g1) => {
            g1.createTask(failAfter(10_000));
            await new TaskGroup().run(async (g2) => {
              g2.createTask(failAfter(100, new MyError('inner child')));
            });
          }),
        ),
      );
      const errors = errorsOf(got);
      expect(errors).toHaveLength(1);
      expect(errorsOf(errors[0])).toHaveLength(1);
      expect((errorsOf(errors[0])[0] as Error).message).toBe('inner child');
    });
  });

  it('when both groups fail, each handles its own and the cancelling() counts come back', async () => {
    await simulate(async () => {
      const me = currentTask()!;
      let outerErr: unknown;
      try {
        await new TaskGroup().run(async (outer) => {
          const innerErr = await rejection(
            new TaskGroup().run(async (inner) => {
              inner.createTask(failAfter(0, new MyError('inner')));
              outer.createTask(failAfter(0, new MyError('outer')));
            }),
          );
          expect((errorsOf(innerErr)[0] as Error).message).toBe('inner');
          expect(me.cancelling()).toBe(1);
        });
      } catch (e) {
        outerErr = e;
      }
      expect((errorsOf(outerErr)[0] as Error).message).toBe('outer');
      expect(me.cancelling()).toBe(0);
    });
  });

  it('a cancellation does not leak out of a group that failed', async () => {
    await simulate(async () => {
      await rejection(
        new TaskGroup().run(async (tg) => {
          tg.createTask(async () => {
            throw new MyError('x');
          });
        }),
      );
      await sleep(0);
      expect(currentTask()!.cancelling()).toBe(0);
    });
  });
});

describe('TaskGroup: lifecycle', () => {
  it('a group runs once: a second run throws InvalidStateError', async () => {
    await simulate(async () => {
      const tg = new TaskGroup();
      await tg.run(async () => {});
      const err = await rejection(tg.run(async () => {}));
      expect(err).toBeInstanceOf(InvalidStateError);
      expect((err as Error).message).toMatch(/already been entered/);
    });
  });

  it('running a group from inside its own body throws InvalidStateError', async () => {
    await simulate(async () => {
      const tg = new TaskGroup();
      await tg.run(async () => {
        expect(await rejection(tg.run(async () => {}))).toBeInstanceOf(InvalidStateError);
      });
    });
  });

  it('createTask after the group finished throws InvalidStateError and never runs the function', async () => {
    await simulate(async () => {
      const tg = new TaskGroup();
      await tg.run(async () => {});
      let ran = false;
      expect(() =>
        tg.createTask(async () => {
          ran = true;
        }),
      ).toThrow(/finished/);
      await ticks();
      expect(ran).toBe(false);
    });
  });

  it('a group used outside any task throws InvalidStateError', async () => {
    await simulate(async () => {
      const loop = getRunningLoop();
      const outcome = new Future<unknown>();
      loop.callSoon(() => {
        new TaskGroup().run(async () => 'never').then(
          (v) => outcome.setResult(v),
          (e) => outcome.setResult(e),
        );
      });
      const err = await outcome;
      expect(err).toBeInstanceOf(InvalidStateError);
      expect((err as Error).message).toMatch(/parent task/);
    });
  });

  it('run with something that is not a function throws TypeError', async () => {
    await simulate(async () => {
      expect(await rejection(new TaskGroup().run(null as unknown as () => Promise<void>))).toBeInstanceOf(TypeError);
    });
  });

  it('many short children come and go while the group runs', async () => {
    await simulate(async () => {
      let finished = 0;
      await new TaskGroup().run(async (tg) => {
        for (let i = 0; i < 10; i++) {
          await sleep(100);
          tg.createTask(async () => {
            await sleep(300);
            finished++;
          });
        }
      });
      expect(finished).toBe(10);
      expect(now()).toBe(1300);
    });
  });

  it('children keep spawning until one fails: the group stops them all', async () => {
    await simulate(async () => {
      let hydras = 0;
      const hydra = (tg: TaskGroup) => async (): Promise<void> => {
        hydras++;
        await sleep(10);
        tg.createTask(hydra(tg));
        tg.createTask(hydra(tg));
      };
      const got = await rejection(
        new TaskGroup().run(async (tg) => {
          tg.createTask(hydra(tg));
          tg.createTask(async () => {
            while (hydras < 10) await sleep(15);
            throw new MyError('hercules');
          });
        }),
      );
      expect(errorsOf(got)).toHaveLength(1);
      expect(hydras).toBeGreaterThanOrEqual(10);
    });
  });
});

describe('TaskGroup with await using', () => {
  it('disposal waits for the children', async () => {
    await simulate(async () => {
      let t!: Task<number>;
      {
        await using tg = new TaskGroup();
        t = tg.createTask(after(50, 7));
      }
      expect(t.result()).toBe(7);
      expect(now()).toBe(50);
    });
  });

  it('disposal throws the children\'s failures as AggregateError and cancels the others', async () => {
    await simulate(async () => {
      const err = new MyError('child');
      let other!: Task<string>;
      const got = await rejection(
        (async () => {
          await using tg = new TaskGroup();
          tg.createTask(failAfter(10, err));
          other = tg.createTask(after(1000, 'slow'));
        })(),
      );
      expect(errorsOf(got)).toEqual([err]);
      expect(other.cancelled()).toBe(true);
      expect(currentTask()!.cancelling()).toBe(0);
    });
  });

  it('a child failing while the block awaits interrupts the block; the AggregateError leaves as the error of a SuppressedError', async () => {
    await simulate(async () => {
      const childErr = new MyError('child');
      const got = await rejection(
        (async () => {
          await using tg = new TaskGroup();
          tg.createTask(failAfter(1, childErr));
          await sleep(100);
        })(),
      );
      // JavaScript's rule for `using`: the block's own error (our CancelledError) is suppressed by disposal's.
      const { error, suppressed } = got as { error: unknown; suppressed: unknown };
      expect(errorsOf(error)).toEqual([childErr]);
      expect(suppressed).toBeInstanceOf(CancelledError);
      expect(now()).toBe(1);
      expect(currentTask()!.cancelling()).toBe(0);
    });
  });

  it('a group that never got a child disposes cleanly', async () => {
    await simulate(async () => {
      {
        await using tg = new TaskGroup();
        void tg;
      }
    });
  });
});

describe('TaskGroup and abort signals', () => {
  it('a body aborted through the task\'s signal when a child fails reports only the child\'s error', async () => {
    await simulate(async () => {
      const err = new MyError('child');
      const got = await rejection(
        new TaskGroup().run(async (tg) => {
          tg.createTask(failAfter(0, err));
          await delay(60_000, undefined, { signal: currentTask()!.signal });
        }),
      );
      expect(errorsOf(got)).toEqual([err]);
      expect(currentTask()!.cancelling()).toBe(0);
    });
  });

  it('a body aborted through the task\'s signal by an outside cancellation propagates CancelledError', async () => {
    await simulate(async () => {
      const runner = createTask(async () =>
        new TaskGroup().run(async (tg) => {
          tg.createTask(after(10_000, 'x'));
          await delay(60_000, undefined, { signal: currentTask()!.signal });
        }),
      );
      await sleep(10);
      runner.cancel();
      expect(await rejection(runner)).toBeInstanceOf(CancelledError);
      expect(runner.cancelled()).toBe(true);
    });
  });
});
