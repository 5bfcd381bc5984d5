import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import {
  allTasks,
  createTask,
  currentTask,
  EventLoop,
  EventLoopError,
  Future,
  gather,
  getRunningLoop,
  InvalidStateError,
  simulate,
  sleep,
  Task,
} from '../../src/index.js';
import { microtasks, rejection, ticks } from './support.js';

describe('Task basics', () => {
  it('createTask does not call the function synchronously; it runs on a later loop iteration', async () => {
    await simulate(async () => {
      const order: string[] = [];
      const t = createTask(async () => {
        order.push('task body');
      });
      order.push('after createTask');
      await microtasks(20);
      expect(order).toEqual(['after createTask']);
      await t;
      expect(order).toEqual(['after createTask', 'task body']);
    });
  });

  it('a task\'s first step is scheduled like callSoon: after callbacks already scheduled, before later ones', async () => {
    await simulate(async () => {
      const loop = getRunningLoop();
      const order: string[] = [];
      loop.callSoon(() => order.push('before'));
      const t = createTask(() => void order.push('task'));
      loop.callSoon(() => order.push('after'));
      await ticks();
      expect(order).toEqual(['before', 'task', 'after']);
      await t;
    });
  });

  it('a task is a Future of its function\'s result', async () => {
    await simulate(async () => {
      const t = createTask(async () => {
        await sleep(10);
        return 'value';
      });
      expect(t).toBeInstanceOf(Future);
      expect(t.done()).toBe(false);
      expect(await t).toBe('value');
      expect(t.done()).toBe(true);
      expect(t.result()).toBe('value');
      expect(t.exception()).toBeNull();
    });
  });

  it('a task whose function returns a plain value (not a promise) ends with it', async () => {
    await simulate(async () => {
      const t = createTask(() => 5);
      expect(await t).toBe(5);
    });
  });

  it('a task whose function throws synchronously ends with that exception', async () => {
    await simulate(async () => {
      const err = new Error('sync throw');
      const t = createTask(() => {
        throw err;
      });
      expect(await rejection(t)).toBe(err);
      expect(t.exception()).toBe(err);
      expect(t.cancelled()).toBe(false);
    });
  });

  it('a task whose async function rejects ends with that exception', async () => {
    await simulate(async () => {
      const err = new TypeError('async throw');
      const t = createTask(async () => {
        await sleep(1);
        throw err;
      });
      expect(await rejection(t)).toBe(err);
    });
  });

  it('setResult and setException on a task throw InvalidStateError', async () => {
    await simulate(async () => {
      const t = createTask(async () => 1);
      expect(() => t.setResult(2)).toThrow(InvalidStateError);
      expect(() => t.setException(new Error('x'))).toThrow(InvalidStateError);
      expect(await t).toBe(1);
      expect(() => t.setResult(2)).toThrow(InvalidStateError);
    });
  });

  it('createTask with something that is not a function throws TypeError', async () => {
    await simulate(async () => {
      expect(() => createTask(Promise.resolve(1) as unknown as () => Promise<number>)).toThrow(TypeError);
      expect(() => createTask(async () => 1, { name: 3 as unknown as string })).toThrow(TypeError);
    });
  });

  it('a Task constructed with options that are not an object throws TypeError naming opts', async () => {
    await simulate(async () => {
      expect(() => new Task(async () => 1, 5 as unknown as { name?: string })).toThrow(/createTask: opts must be an object/);
      expect(() => new Task(async () => 1, null as unknown as { name?: string })).toThrow(TypeError);
    });
  });

  it('createTask outside a running loop throws EventLoopError', () => {
    expect(() => createTask(async () => 1)).toThrow(EventLoopError);
  });

  it('creating a task on a closed loop throws EventLoopError, however it is created', () => {
    const loop = new EventLoop();
    loop.close();
    expect(() => loop.createTask(async () => 1)).toThrow(EventLoopError);
    expect(() => new Task(async () => 1, { loop })).toThrow(EventLoopError);
  });

  it('a task runs its function in the async context of its creator', async () => {
    await simulate(async () => {
      const als = new AsyncLocalStorage<string>();
      const t = als.run('creator', () => createTask(async () => {
        await sleep(1);
        return als.getStore();
      }));
      expect(await t).toBe('creator');
    });
  });
});

describe('Task names', () => {
  it('default names are Task-1, Task-2, ... in creation order', async () => {
    await simulate(async () => {
      const a = createTask(async () => {});
      const b = createTask(async () => {});
      expect([a.getName(), b.getName()]).toEqual(['Task-1', 'Task-2']);
      await Promise.all([a, b]);
    });
  });

  it('a default name is the number the task got at creation, however late it is first read', async () => {
    await simulate(async () => {
      const a = createTask(async () => {});
      const b = createTask(async () => {});
      await Promise.all([a, b]);
      const c = createTask(async () => {});
      expect([c.getName(), b.getName(), a.getName()]).toEqual(['Task-3', 'Task-2', 'Task-1']);
      await c;
    });
  });

  it('names count per loop: two runs name their tasks alike', async () => {
    const names = async (): Promise<string[]> =>
      simulate(async () => {
        const ts = [createTask(async () => {}), createTask(async () => {})];
        await Promise.all(ts);
        return ts.map((t) => t.getName());
      });
    expect(await names()).toEqual(['Task-1', 'Task-2']);
    expect(await names()).toEqual(['Task-1', 'Task-2']);
  });

  it('a task given a name uses it and does not consume a number', async () => {
    await simulate(async () => {
      const named = createTask(async () => {}, { name: 'worker' });
      const next = createTask(async () => {});
      expect(named.getName()).toBe('worker');
      expect(next.getName()).toBe('Task-1');
      await Promise.all([named, next]);
    });
  });

  it('setName renames the task', async () => {
    await simulate(async () => {
      const t = createTask(async () => currentTask()!.getName());
      t.setName('renamed');
      expect(t.getName()).toBe('renamed');
      expect(await t).toBe('renamed');
    });
  });

  it('toString of a task never asked its name shows its default name', async () => {
    await simulate(async () => {
      const t = createTask(async () => 1);
      expect(String(t)).toBe("<Task pending name='Task-1'>");
      await t;
    });
  });

  it('toString shows the state and the name', async () => {
    await simulate(async () => {
      const t = createTask(async () => 1, { name: 'shown' });
      expect(String(t)).toContain('pending');
      expect(String(t)).toContain('shown');
      await t;
      expect(String(t)).toContain('finished');
    });
  });
});

describe('Task factory', () => {
  it('createTask goes through the loop\'s task factory, which receives createTask\'s options', async () => {
    await simulate(async (world) => {
      const seen: unknown[] = [];
      world.loop.setTaskFactory((loop, fn, opts) => {
        seen.push(opts);
        return new Task(fn, { ...opts, loop });
      });
      expect(world.loop.getTaskFactory()).not.toBeNull();
      const t = createTask(async () => 'made', { name: 'via-factory' });
      expect(t.getName()).toBe('via-factory');
      expect(await t).toBe('made');
      expect(seen).toEqual([{ name: 'via-factory' }]);
      world.loop.setTaskFactory(null);
      expect(world.loop.getTaskFactory()).toBeNull();
    });
  });

  it('the task factory is used by loop.createTask and by combinators that wrap functions', async () => {
    await simulate(async (world) => {
      let made = 0;
      world.loop.setTaskFactory((loop, fn, opts) => {
        made++;
        return new Task(fn, { ...opts, loop });
      });
      await world.loop.createTask(async () => 1);
      await gather([async () => 1, async () => 2]);
      world.loop.setTaskFactory(null);
      expect(made).toBe(3);
    });
  });
});

describe('currentTask and allTasks', () => {
  it('currentTask() inside a task is that task', async () => {
    await simulate(async () => {
      let seen: unknown;
      const t = createTask(async () => {
        seen = currentTask();
      });
      await t;
      expect(seen).toBe(t);
    });
  });

  it('currentTask() is right across native awaits of plain promises, even as tasks interleave', async () => {
    await simulate(async () => {
      const mismatches: string[] = [];
      const body = async (): Promise<void> => {
        const me = currentTask();
        for (let i = 0; i < 5; i++) {
          await Promise.resolve();
          if (currentTask() !== me) mismatches.push('after Promise.resolve');
          await new Promise<void>((r) => setImmediate(r));
          if (currentTask() !== me) mismatches.push('after setImmediate');
          await sleep(0);
          if (currentTask() !== me) mismatches.push('after sleep(0)');
          await (async () => {
            await Promise.resolve();
          })();
          if (currentTask() !== me) mismatches.push('after a nested async function');
        }
      };
      await Promise.all([createTask(body), createTask(body), createTask(body)]);
      expect(mismatches).toEqual([]);
    });
  });

  it('currentTask() in the main task of a simulation is the main task', async () => {
    await simulate(async () => {
      expect(currentTask()?.getName()).toBe('main');
    });
  });

  it('currentTask() is null in a plain loop callback and outside any loop', async () => {
    expect(currentTask()).toBeNull();
    await simulate(async () => {
      const loop = getRunningLoop();
      let inCallback: unknown = 'unset';
      loop.callSoon(() => (inCallback = currentTask()));
      await ticks();
      expect(inCallback).toBeNull();
    });
  });

  it('currentTask(loop) is null when the code runs on another loop', async () => {
    const other = new EventLoop();
    try {
      await simulate(async () => {
        expect(currentTask(other)).toBeNull();
        expect(currentTask(getRunningLoop())).not.toBeNull();
      });
    } finally {
      other.close();
    }
  });

  it('two loops running at once in one process each see their own running loop and tasks', async () => {
    const body = async (label: string): Promise<string[]> =>
      simulate(async (world) => {
        const problems: string[] = [];
        const check = (where: string): void => {
          if (getRunningLoop() !== world.loop) problems.push(`${label}: wrong loop ${where}`);
          if (currentTask()?.getLoop() !== world.loop) problems.push(`${label}: wrong task ${where}`);
        };
        await Promise.all(
          [1, 2].map((n) =>
            createTask(async () => {
              for (let i = 0; i < 5; i++) {
                check(`task ${n} before`);
                await new Promise<void>((r) => setImmediate(r));
                check(`task ${n} after setImmediate`);
                await sleep(n);
                check(`task ${n} after sleep`);
              }
            }),
          ),
        );
        return problems;
      });
    const [a, b] = await Promise.all([body('A'), body('B')]);
    expect([...a, ...b]).toEqual([]);
  });

  it('allTasks() lists the pending tasks of the running loop, the current one included, and drops finished ones', async () => {
    await simulate(async () => {
      const main = currentTask()!;
      const a = createTask(async () => sleep(10));
      const b = createTask(async () => sleep(20));
      expect(allTasks()).toEqual(new Set([main, a, b]));
      await a;
      expect(allTasks()).toEqual(new Set([main, b]));
      await b;
      expect(allTasks()).toEqual(new Set([main]));
    });
  });

  it('allTasks() outside a running loop throws EventLoopError unless a loop is given', () => {
    expect(() => allTasks()).toThrow(EventLoopError);
    const loop = new EventLoop();
    try {
      expect(allTasks(loop).size).toBe(0);
    } finally {
      loop.close();
    }
  });
});
