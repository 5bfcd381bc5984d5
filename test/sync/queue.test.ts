import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  createTask,
  gather,
  getRunningLoop,
  InvalidStateError,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  run,
  simulate,
  sleep,
  TaskGroup,
  TimeoutError,
  waitFor,
} from '../../src/index.js';
import { internals, rejection, ticks } from './support.js';

const gettersOf = (q: Queue<unknown>): unknown[] => internals<unknown[]>(q, '_getters');
const puttersOf = (q: Queue<unknown>): unknown[] => internals<unknown[]>(q, '_putters');

describe('Queue', () => {
  it('is empty and never full when unbounded; full once it holds maxsize items', async () => {
    await simulate(async () => {
      const q = new Queue<number>();
      expect(q.empty()).toBe(true);
      expect(q.full()).toBe(false);
      expect(q.maxsize).toBe(0);
      await q.put(1);
      expect(q.empty()).toBe(false);
      expect(q.qsize()).toBe(1);
      expect(await q.get()).toBe(1);
      expect(q.empty()).toBe(true);

      const bounded = new Queue<number>(1);
      await bounded.put(1);
      expect(bounded.full()).toBe(true);
    });
  });

  it('hands items out in the order they were put', async () => {
    await simulate(async () => {
      const q = new Queue<number>();
      for (const i of [1, 3, 2]) await q.put(i);
      expect([await q.get(), await q.get(), await q.get()]).toEqual([1, 3, 2]);
    });
  });

  it('keeps FIFO order through many puts and gets that wrap its storage', () => {
    const q = new Queue<number>();
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 7; i++) q.putNowait(next++);
      for (let i = 0; i < 5; i++) out.push(q.getNowait());
    }
    while (!q.empty()) out.push(q.getNowait());
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it('blocks put() while full, until a get() frees a slot', async () => {
    await simulate(async () => {
      const q = new Queue<number>(2);
      expect(q.maxsize).toBe(2);
      const put: number[] = [];
      const t = createTask(async () => {
        for (let i = 0; i < 3; i++) {
          await q.put(i);
          put.push(i);
        }
        return true;
      });
      await ticks(2);
      expect(put).toEqual([0, 1]);
      expect(await q.get()).toBe(0);
      await ticks();
      expect(put).toEqual([0, 1, 2]);
      expect(await q.get()).toBe(1);
      expect(await q.get()).toBe(2);
      expect(t.result()).toBe(true);
    });
  });

  it('accepts a fractional maxsize, full once qsize() reaches it', async () => {
    await simulate(async () => {
      const q = new Queue<number>(1.3);
      q.putNowait(1);
      q.putNowait(2);
      expect(q.full()).toBe(true);
      expect(() => q.putNowait(3)).toThrow(QueueFull);
    });
  });

  it('rejects a maxsize that is not a number with TypeError naming it', () => {
    expect(() => new Queue('2' as unknown as number)).toThrow('Queue: maxsize must be a number, got "2"');
    expect(() => new Queue(Number.NaN)).toThrow(TypeError);
    expect(() => new PriorityQueue({} as unknown as number)).toThrow('PriorityQueue: maxsize must be a number, got an object');
  });

  describe('get', () => {
    it('returns an available item without yielding to the loop', async () => {
      await simulate(async () => {
        const q = new Queue<number>();
        q.putNowait(1);
        let ranMeanwhile = false;
        getRunningLoop().callSoon(() => {
          ranMeanwhile = true;
        });
        expect(await q.get()).toBe(1);
        expect(ranMeanwhile).toBe(false);
      });
    });

    it('waits for an item when empty', async () => {
      await simulate(async () => {
        const q = new Queue<number>();
        const loop = getRunningLoop();
        loop.callLater(10, () => q.putNowait(1));
        expect(await q.get()).toBe(1);
        expect(loop.time()).toBe(10);
      });
    });

    it('getNowait() on an empty queue throws QueueEmpty', () => {
      const q = new Queue();
      expect(() => q.getNowait()).toThrow(QueueEmpty);
      q.putNowait(1);
      expect(q.getNowait()).toBe(1);
    });

    it('skips a getter cancelled while waiting', async () => {
      await simulate(async () => {
        const q = new Queue<string>();
        const t1 = createTask(() => q.get());
        const t2 = createTask(() => q.get());
        await ticks();
        t1.cancel();
        await ticks();
        expect(t1.done()).toBe(true);
        await q.put('a');
        await ticks();
        expect(await t2).toBe('a');
      });
    });

    it('takes items from waiting putters in the order they were put', async () => {
      await simulate(async () => {
        const q = new Queue<string>(1);
        createTask(() => q.put('a'));
        createTask(() => q.put('b'));
        expect(await q.get()).toBe('a');
        expect(await q.get()).toBe('b');
      });
    });

    it('lets a producer and a consumer pass items through a queue of size 1', async () => {
      await simulate(async () => {
        const q = new Queue<number>(1);
        const got: number[] = [];
        await new TaskGroup().run(async (tg) => {
          tg.createTask(async () => {
            for (let i = 0; i < 5; i++) await q.put(i);
          });
          tg.createTask(async () => {
            for (let i = 0; i < 5; i++) got.push(await q.get());
          });
        });
        expect(got).toEqual([0, 1, 2, 3, 4]);
      });
    });

    it('forgets a getter whose wait timed out', async () => {
      await simulate(async () => {
        const q = new Queue<number>(5);
        expect(await rejection(waitFor(() => q.get(), 100))).toBeInstanceOf(TimeoutError);
        expect(gettersOf(q)).toHaveLength(0);
      });
    });

    it('does not lose the item of a getter woken by put() and then cancelled', async () => {
      await simulate(async () => {
        const q = new Queue<number>();
        const reader = createTask(() => q.get());
        await ticks();
        q.putNowait(1);
        q.putNowait(2);
        reader.cancel();
        expect(await rejection(reader)).toBeInstanceOf(CancelledError);
        expect(await createTask(() => q.get())).toBe(1);
      });
    });

    it('passes the item of a cancelled woken getter to the next getter', async () => {
      await simulate(async () => {
        const q = new Queue<number>();
        const r1 = createTask(() => q.get());
        const r2 = createTask(() => q.get());
        const r3 = createTask(() => q.get());
        await ticks();
        q.putNowait(1);
        q.putNowait(2);
        r1.cancel();
        expect(await rejection(r1)).toBeInstanceOf(CancelledError);
        expect(new Set([await r2, await r3])).toEqual(new Set([1, 2]));
      });
    });
  });

  describe('put', () => {
    it('does not block on an unbounded queue', async () => {
      await simulate(async () => {
        const q = new Queue<number>();
        let ranMeanwhile = false;
        getRunningLoop().callSoon(() => {
          ranMeanwhile = true;
        });
        for (let i = 0; i < 100; i++) await q.put(i);
        expect(ranMeanwhile).toBe(false);
        expect(q.qsize()).toBe(100);
      });
    });

    it('waits for a free slot when full', async () => {
      await simulate(async () => {
        const q = new Queue<number>(1);
        const loop = getRunningLoop();
        loop.callLater(10, () => q.getNowait());
        await q.put(1);
        await q.put(2);
        expect(loop.time()).toBe(10);
        expect(q.getNowait()).toBe(2);
      });
    });

    it('putNowait() on a full queue throws QueueFull', () => {
      const q = new Queue(1);
      q.putNowait(1);
      expect(() => q.putNowait(2)).toThrow(QueueFull);
      expect(() => q.putNowait(2)).toThrow(/full \(maxsize 1\)/);
    });

    it('resolves a waiting getter with the item put', async () => {
      await simulate(async () => {
        const q = new Queue<string>();
        const t = createTask(() => q.get());
        await ticks();
        await q.put('a');
        expect(await t).toBe('a');
      });
    });

    it('does not lose the slot of a putter woken by get() and then cancelled', async () => {
      await simulate(async () => {
        const q = new Queue<number>(1);
        q.putNowait(1);
        let writer = createTask(() => q.put(2));
        await ticks();
        expect(q.getNowait()).toBe(1);
        writer.cancel();
        try {
          await writer;
        } catch (err) {
          expect(err).toBeInstanceOf(CancelledError);
          writer = createTask(() => q.put(2));
          await writer;
        }
        expect(q.getNowait()).toBe(2);
        expect(q.qsize()).toBe(0);
      });
    });

    it('passes the slot of a cancelled woken putter to the next putter', async () => {
      await simulate(async () => {
        const q = new Queue<string>(1);
        q.putNowait('x');
        const p1 = createTask(() => q.put('a'));
        const p2 = createTask(() => q.put('b'));
        await ticks();
        expect(q.getNowait()).toBe('x'); // wakes p1 ...
        p1.cancel(); // ... which cannot use the slot
        expect(await rejection(p1)).toBeInstanceOf(CancelledError);
        await p2;
        expect(q.getNowait()).toBe('b');
      });
    });

    it('skips a putter cancelled while waiting', async () => {
      await simulate(async () => {
        const q = new Queue<string>(1);
        const putA = createTask(() => q.put('a'));
        const putB = createTask(() => q.put('b'));
        const putC = createTask(() => q.put('X'));
        await ticks();
        expect(putA.done()).toBe(true);
        expect(putB.done()).toBe(false);
        putC.cancel();
        await ticks();
        expect(putC.done()).toBe(true);
        expect(q.getNowait()).toBe('a');
        await ticks();
        expect(q.getNowait()).toBe('b');
        await putB;
      });
    });

    it('lets putters of a queue of size 2 through as a getter drains it', async () => {
      await simulate(async () => {
        const q = new Queue<number>(2);
        const got: number[] = [];
        await new TaskGroup().run(async (tg) => {
          tg.createTask(async () => {
            await sleep(0);
            while (got.length < 4) {
              if (q.empty()) await sleep(0);
              else got.push(q.getNowait());
            }
          });
          for (const i of [0, 1, 2, 3]) tg.createTask(() => q.put(i));
        });
        expect(got).toEqual([0, 1, 2, 3]);
      });
    });

    it('forgets a putter cancelled while waiting', async () => {
      await simulate(async () => {
        const q = new Queue<number>(1);
        q.putNowait(1);
        const t = createTask(() => q.put(1));
        await ticks();
        expect(puttersOf(q)).toHaveLength(1);
        t.cancel();
        expect(await rejection(t)).toBeInstanceOf(CancelledError);
        expect(puttersOf(q)).toHaveLength(0);
      });
    });

    it('ends cancelled a putter cancelled after get() had already taken it off the waiting list', async () => {
      await simulate(async () => {
        const q = new Queue<number>(1);
        q.putNowait(1);
        const t = createTask(() => q.put(1));
        await ticks();
        q.getNowait();
        t.cancel();
        expect(await rejection(t)).toBeInstanceOf(CancelledError);
        expect(q.qsize()).toBe(0);
      });
    });
  });

  it('throws InvalidStateError when made to wait from a loop other than the one it is bound to (here a real one)', async () => {
    const q = new Queue<number>();
    await simulate(async () => {
      const t = createTask(() => q.get());
      await ticks();
      q.putNowait(1);
      await t;
    });
    await run(async () => {
      expect(await rejection(q.get())).toBeInstanceOf(InvalidStateError);
      q.putNowait(2); // non-blocking calls still work
      expect(await q.get()).toBe(2);
    });
  });
});

describe('LifoQueue', () => {
  it('hands out the most recently put item first', async () => {
    await simulate(async () => {
      const q = new LifoQueue<number>();
      for (const i of [1, 3, 2]) await q.put(i);
      expect([await q.get(), await q.get(), await q.get()]).toEqual([2, 3, 1]);
    });
  });
});

describe('PriorityQueue', () => {
  it('hands out the smallest item first', async () => {
    await simulate(async () => {
      const q = new PriorityQueue<number>();
      for (const i of [1, 3, 2]) await q.put(i);
      expect([await q.get(), await q.get(), await q.get()]).toEqual([1, 2, 3]);
    });
  });

  it('orders arrays element by element, like Python tuples', () => {
    const q = new PriorityQueue<[number, string]>();
    q.putNowait([2, 'b']);
    q.putNowait([1, 'z']);
    q.putNowait([2, 'a']);
    expect([q.getNowait(), q.getNowait(), q.getNowait()]).toEqual([
      [1, 'z'],
      [2, 'a'],
      [2, 'b'],
    ]);
  });

  it('hands out items of equal priority in the same order as asyncio.PriorityQueue', () => {
    // Items of equal priority are distinct arrays with equal contents;
    // the expected order of their tags was computed with CPython's heapq.
    const q = new PriorityQueue<number[]>();
    const tags = new Map<number[], number>();
    const put = (priority: number, tag: number): void => {
      const item = [priority];
      tags.set(item, tag);
      q.putNowait(item);
    };
    [3, 1, 3, 1, 2, 1, 3, 2, 1, 2, 3, 1].forEach((p, tag) => put(p, tag));
    const out: number[] = [];
    for (let i = 0; i < 4; i++) out.push(tags.get(q.getNowait())!);
    [2, 1, 3].forEach((p, i) => put(p, 12 + i));
    while (!q.empty()) out.push(tags.get(q.getNowait())!);
    expect(out).toEqual([1, 5, 11, 3, 8, 13, 4, 9, 7, 12, 6, 2, 10, 14, 0]);
  });

  it('rejects an item that cannot be compared with TypeError and leaves the queue as it was', async () => {
    await simulate(async () => {
      const q = new PriorityQueue<unknown>();
      q.putNowait(1);
      q.putNowait(2);
      expect(() => q.putNowait('three')).toThrow(TypeError);
      expect(() => q.putNowait('three')).toThrow(/PriorityQueue: cannot compare "three" with 1/);
      expect(q.qsize()).toBe(2);
      q.getNowait();
      q.taskDone();
      q.getNowait();
      q.taskDone();
      // The rejected put did not count as an unfinished task.
      await q.join();
    });
  });

  it('accepts [priority, payload] items whose priorities differ, as Python does', () => {
    const q = new PriorityQueue<[number, object]>();
    const a = { name: 'a' };
    const b = { name: 'b' };
    q.putNowait([2, b]);
    q.putNowait([1, a]);
    expect(q.getNowait()[1]).toBe(a);
    expect(q.getNowait()[1]).toBe(b);
    q.putNowait([1, a]);
    expect(() => q.putNowait([1, b])).toThrow(TypeError);
    expect(q.qsize()).toBe(1);
  });
});

const queueClasses = [
  ['Queue', Queue],
  ['LifoQueue', LifoQueue],
  ['PriorityQueue', PriorityQueue],
] as const;

describe.each(queueClasses)('%s join and taskDone', (_name, QueueClass) => {
  it('taskDone() more times than items were put throws RangeError', () => {
    const q = new QueueClass<number>();
    expect(() => q.taskDone()).toThrow(RangeError);
    expect(() => q.taskDone()).toThrow(/called more times than items were put/);
  });

  it('join() resolves once every item put has been marked done', async () => {
    await simulate(async () => {
      const q = new QueueClass<number>();
      for (let i = 0; i < 100; i++) q.putNowait(i);
      let sum = 0;
      let running = true;
      await new TaskGroup().run(async (tg) => {
        for (let w = 0; w < 2; w++) {
          tg.createTask(async () => {
            while (running) {
              const item = await q.get();
              sum += item;
              q.taskDone();
            }
          });
        }
        await q.join();
        expect(sum).toBe(4950);
        running = false;
        q.putNowait(0);
        q.putNowait(0);
      });
    });
  });

  it('join() on a queue with nothing unfinished resolves at once', async () => {
    await simulate(async () => {
      const q = new QueueClass<number>();
      let ranMeanwhile = false;
      getRunningLoop().callSoon(() => {
        ranMeanwhile = true;
      });
      await q.join();
      await q.join();
      expect(ranMeanwhile).toBe(false);
    });
  });
});

describe.each(queueClasses)('%s shutdown', (_name, QueueClass) => {
  it('on an empty queue wakes a blocked getter with QueueShutDown, and puts and gets then throw it', async () => {
    await simulate(async () => {
      const q = new QueueClass<string>();
      const getTask = createTask(() => q.get());
      await ticks();
      q.shutdown();
      expect(q.qsize()).toBe(0);
      await q.join();
      await ticks();
      expect(getTask.done()).toBe(true);
      expect(await rejection(getTask)).toBeInstanceOf(QueueShutDown);

      expect(await rejection(q.put('data'))).toBeInstanceOf(QueueShutDown);
      expect(() => q.putNowait('data')).toThrow(QueueShutDown);
      expect(await rejection(q.get())).toBeInstanceOf(QueueShutDown);
      expect(() => q.getNowait()).toThrow(QueueShutDown);
    });
  });

  it('on a non-empty queue fails blocked putters but still hands out the items left', async () => {
    await simulate(async () => {
      const q = new QueueClass<string>(1);
      q.putNowait('data');
      const joinTask = createTask(() => q.join());
      const putTask = createTask(() => q.put('data2'));
      await ticks();
      expect(putTask.done()).toBe(false);

      q.shutdown(false);
      expect(q.qsize()).toBe(1);
      await ticks();
      expect(putTask.done()).toBe(true);
      expect(await rejection(putTask)).toBeInstanceOf(QueueShutDown);

      expect(await q.get()).toBe('data');
      await ticks();
      expect(joinTask.done()).toBe(false);

      expect(await rejection(q.put('data'))).toBeInstanceOf(QueueShutDown);
      expect(() => q.putNowait('data')).toThrow(QueueShutDown);
      expect(await rejection(q.get())).toBeInstanceOf(QueueShutDown);
      expect(() => q.getNowait()).toThrow(QueueShutDown);

      q.taskDone();
      await ticks();
      expect(joinTask.done()).toBe(true);
      await joinTask;
      expect(() => q.taskDone()).toThrow(RangeError);
    });
  });

  it('with immediate drains the queue, counting the dropped items as done', async () => {
    await simulate(async () => {
      const q = new QueueClass<string>();
      q.putNowait('data');
      const joinTask = createTask(() => q.join());
      q.shutdown(true);
      expect(q.qsize()).toBe(0);
      await ticks();
      expect(joinTask.done()).toBe(true);
      await joinTask;

      expect(await rejection(q.put('data'))).toBeInstanceOf(QueueShutDown);
      expect(() => q.putNowait('data')).toThrow(QueueShutDown);
      expect(await rejection(q.get())).toBeInstanceOf(QueueShutDown);
      expect(() => q.getNowait()).toThrow(QueueShutDown);
      expect(() => q.taskDone()).toThrow(RangeError);
    });
  });

  it('with immediate still waits in join() for items already taken but not marked done', async () => {
    await simulate(async () => {
      const q = new QueueClass<string>();
      q.putNowait('data');
      q.putNowait('data');
      const joinTask = createTask(() => q.join());
      expect(await q.get()).toBe('data');
      q.shutdown(true);
      expect(q.qsize()).toBe(0);
      await ticks();
      expect(joinTask.done()).toBe(false);

      expect(await rejection(q.put('data'))).toBeInstanceOf(QueueShutDown);
      expect(await rejection(q.get())).toBeInstanceOf(QueueShutDown);

      q.taskDone();
      expect(() => q.taskDone()).toThrow(RangeError);
      await ticks();
      expect(joinTask.done()).toBe(true);
      await joinTask;
    });
  });

  it('wakes every blocked getter and putter', async () => {
    await simulate(async () => {
      const empty = new QueueClass<number>();
      const full = new QueueClass<number>(1);
      full.putNowait(0);
      const getters = [0, 1, 2].map(() => createTask(() => empty.get()));
      const putters = [1, 2, 3].map((i) => createTask(() => full.put(i)));
      await ticks();
      empty.shutdown();
      full.shutdown();
      const results = await gather([...getters, ...putters], { returnExceptions: true });
      for (const r of results) expect(r).toBeInstanceOf(QueueShutDown);
      expect(full.getNowait()).toBe(0);
    });
  });

  it('rejects a non-boolean immediate with TypeError', () => {
    const q = new QueueClass();
    expect(() => q.shutdown('yes' as unknown as boolean)).toThrow(TypeError);
    expect(() => q.putNowait(1)).not.toThrow();
  });
});
