import { AsyncLocalStorage } from 'node:async_hooks';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createSimWorld, currentTask, InvalidStateError, simulate, sleep } from '../../src/index.js';
import { rejection } from './support.js';

const HOUR = 3_600_000;
const EPOCH = Date.UTC(2024, 0, 1);

/** Third-party style code: plain promises over the global timers and Date. */
async function retryWithBackoff<T>(attempt: () => T, tries: number): Promise<{ value: T; elapsed: number }> {
  const start = Date.now();
  for (let i = 0; ; i++) {
    try {
      return { value: attempt(), elapsed: Date.now() - start };
    } catch (e) {
      if (i + 1 >= tries) throw e;
      await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** i));
    }
  }
}

function originals() {
  return {
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
    setInterval: globalThis.setInterval,
    clearInterval: globalThis.clearInterval,
    setImmediate: globalThis.setImmediate,
    clearImmediate: globalThis.clearImmediate,
    Date: globalThis.Date,
    dateNow: Date.now,
    performanceNow: performance.now,
    hrtime: process.hrtime,
    hrtimeBigint: process.hrtime.bigint,
    queueMicrotask: globalThis.queueMicrotask,
    nextTick: process.nextTick,
    Intl: globalThis.Intl,
  };
}

describe('fake globals', () => {
  it('third-party code using setTimeout and Date sees virtual time', async () => {
    let calls = 0;
    const result = await simulate(
      async (world) => {
        const r = await retryWithBackoff(() => {
          if (++calls < 4) throw new Error('flaky');
          return 'ok';
        }, 5);
        return { ...r, time: world.loop.time(), now: Date.now(), date: new Date().toISOString() };
      },
      { fakeGlobals: true, epoch: EPOCH },
    );
    expect(result).toEqual({ value: 'ok', elapsed: 7000, time: 7000, now: EPOCH + 7000, date: '2024-01-01T00:00:07.000Z' });
  });

  it('an hour of setTimeout passes in virtual time', async () => {
    const times = await simulate(
      async (world) => {
        const seen: number[] = [];
        for (let i = 0; i < 60; i++) {
          await new Promise((r) => setTimeout(r, 60_000));
          seen.push(world.loop.time());
        }
        return seen;
      },
      { fakeGlobals: true },
    );
    expect(times).toHaveLength(60);
    expect(times.at(-1)).toBe(HOUR);
  });

  it('Date.now() is the epoch plus the virtual time elapsed since startTime; performance.now() is loop.time()', async () => {
    const seen = await simulate(
      async (world) => {
        const before = [Date.now(), performance.now(), world.loop.time()];
        await sleep(1500);
        return [before, [Date.now(), performance.now(), world.loop.time()]];
      },
      { fakeGlobals: true, epoch: EPOCH, startTime: 10_000 },
    );
    expect(seen).toEqual([
      [EPOCH, 10_000, 10_000],
      [EPOCH + 1500, 11_500, 11_500],
    ]);
  });

  it('the epoch defaults to 0', async () => {
    const now = await simulate(async () => [Date.now(), new Date().getTime()], { fakeGlobals: true, startTime: 123 });
    expect(now).toEqual([0, 0]);
  });

  it('fakes Date without args and Date() called as a function, and keeps parse, UTC, explicit dates and instanceof', async () => {
    const before = new Date(2000, 0, 1);
    const r = await simulate(
      async () => {
        await sleep(2000);
        const now = new Date();
        return {
          now: now.getTime(),
          asString: Date(),
          expected: new Date(EPOCH + 2000).toString(),
          explicit: new Date(2020, 5, 15).getFullYear(),
          fromMs: new Date(5).getTime(),
          parse: Date.parse('2021-01-01T00:00:00Z'),
          utc: Date.UTC(2021, 0, 1),
          nowIsDate: now instanceof Date,
          beforeIsDate: before instanceof Date,
          proto: Object.getPrototypeOf(now) === Date.prototype,
          iso: now.toISOString(),
        };
      },
      { fakeGlobals: true, epoch: EPOCH },
    );
    expect(r.now).toBe(EPOCH + 2000);
    expect(r.asString).toBe(r.expected);
    expect(r.explicit).toBe(2020);
    expect(r.fromMs).toBe(5);
    expect(r.parse).toBe(Date.UTC(2021, 0, 1));
    expect(r.utc).toBe(Date.UTC(2021, 0, 1));
    expect(r.nowIsDate && r.beforeIsDate && r.proto).toBe(true);
    expect(r.iso).toBe('2024-01-01T00:00:02.000Z');
  });

  it('process.hrtime and hrtime.bigint follow virtual time', async () => {
    const r = await simulate(
      async () => {
        const t0 = process.hrtime();
        const b0 = process.hrtime.bigint();
        await sleep(2500.5);
        return { diff: process.hrtime(t0), big: process.hrtime.bigint() - b0, t0 };
      },
      { fakeGlobals: true, startTime: 1000 },
    );
    expect(r.t0).toEqual([1, 0]);
    expect(r.diff).toEqual([2, 500_500_000]);
    expect(r.big).toBe(2_500_500_000n);
  });

  it('faked timers interleave with loop timers in time order, ties in scheduling order', async () => {
    const log = await simulate(
      async (world) => {
        const loop = world.loop;
        const out: string[] = [];
        const at = (name: string) => () => out.push(`${name}@${loop.time()}`);
        setTimeout(at('global20'), 20);
        loop.callLater(10, at('loop10a'));
        setTimeout(at('global10'), 10);
        loop.callLater(10, at('loop10b'));
        setTimeout(at('global5'), 5);
        loop.callLater(15, at('loop15'));
        setTimeout(at('global0'), 0);
        loop.callLater(0, at('loop0'));
        await sleep(30);
        return out;
      },
      { fakeGlobals: true },
    );
    expect(log).toEqual(['global0@0', 'loop0@0', 'global5@5', 'loop10a@10', 'global10@10', 'loop10b@10', 'loop15@15', 'global20@20']);
  });

  it('setImmediate is a loop callback, in FIFO order with callSoon, after nothing of the next iteration', async () => {
    const log = await simulate(
      async (world) => {
        const out: string[] = [];
        setImmediate((x: string) => out.push(x), 'immediate1');
        world.loop.callSoon(() => out.push('soon'));
        const cleared = setImmediate(() => out.push('cleared'));
        setImmediate(() => out.push('immediate2'));
        clearImmediate(cleared);
        await new Promise((r) => setImmediate(r));
        return out;
      },
      { fakeGlobals: true },
    );
    expect(log).toEqual(['immediate1', 'soon', 'immediate2']);
  });

  it('setInterval repeats from its due time, and clearInterval stops it', async () => {
    const log = await simulate(
      async (world) => {
        const out: number[] = [];
        const id = setInterval(() => {
          out.push(world.loop.time());
          if (out.length === 6) clearInterval(id);
        }, 100);
        await sleep(10);
        world.clock.advance(340);
        await sleep(1000);
        return out;
      },
      { fakeGlobals: true },
    );
    // 100, 200, 300 were all missed by the advance to 350: each still runs, in order, at once.
    expect(log).toEqual([350, 350, 350, 400, 500, 600]);
  });

  it('returns Node-like Timeout objects: ref, unref, hasRef, refresh, close and a numeric id for clearTimeout', async () => {
    const log = await simulate(
      async (world) => {
        const out: string[] = [];
        const t = setTimeout(function (this: unknown) {
          out.push(`t@${world.loop.time()} this=${this === t}`);
        }, 100);
        expect(t.hasRef()).toBe(true);
        expect(t.unref()).toBe(t);
        expect(t.hasRef()).toBe(false);
        expect(t.ref().hasRef()).toBe(true);
        await sleep(60);
        expect(t.refresh()).toBe(t); // now due at 160
        const byId = setTimeout(() => out.push('by id'), 10);
        const id = +byId;
        expect(typeof id).toBe('number');
        clearTimeout(id);
        const closed = setTimeout(() => out.push('closed'), 10);
        expect(closed.close()).toBe(closed);
        const disposed = setTimeout(() => out.push('disposed'), 10);
        disposed[Symbol.dispose]();
        await sleep(200);
        t.refresh(); // a fired timeout re-arms
        await sleep(200);
        return out;
      },
      { fakeGlobals: true },
    );
    expect(log).toEqual(['t@160 this=true', 't@360 this=true']);
  });

  it('runs faked timer callbacks in the async context of the code that scheduled them, as plain callbacks', async () => {
    const als = new AsyncLocalStorage<string>();
    const seen = await simulate(
      async () => {
        const out: unknown[] = [];
        await als.run('scheduler', async () => {
          await new Promise<void>((resolve) =>
            setTimeout(() => {
              out.push(als.getStore(), currentTask());
              resolve();
            }, 5),
          );
        });
        await new Promise<void>((resolve) => als.run('immediate', () => setImmediate(() => {
          out.push(als.getStore());
          resolve();
        })));
        return out;
      },
      { fakeGlobals: true },
    );
    expect(seen).toEqual(['scheduler', null, 'immediate']);
  });

  it("sends an error thrown in a faked timer to the loop's exception handler, and the loop goes on", async () => {
    const world = createSimWorld({ fakeGlobals: true });
    const reports: unknown[] = [];
    world.loop.setExceptionHandler((_loop, ctx) => reports.push(ctx.exception));
    const boom = new Error('boom');
    const after = await world.run(async () => {
      setTimeout(() => {
        throw boom;
      }, 5);
      await sleep(10);
      return world.loop.time();
    });
    expect(after).toBe(10);
    expect(reports).toEqual([boom]);
  });

  it('an error in a faked timer fails a strict run', async () => {
    const err = await rejection(
      simulate(async () => {
        setInterval(() => {
          throw new Error('interval failed');
        }, 5);
        await sleep(12);
      }, { fakeGlobals: true }),
    );
    expect((err as Error).name).toBe('SimulationError');
    expect((err as Error).message).toContain('interval failed');
  });

  it('util.promisify(setTimeout) and promisify(setImmediate) follow virtual time', async () => {
    const r = await simulate(
      async (world) => {
        const v = await promisify(setTimeout)(250, 'value');
        await promisify(setImmediate)();
        return [v, world.loop.time()];
      },
      { fakeGlobals: true },
    );
    expect(r).toEqual(['value', 250]);
  });

  it('leaves queueMicrotask, process.nextTick and Intl alone, and restores every global after the run', async () => {
    const before = originals();
    const during = await simulate(async () => originals(), { fakeGlobals: true });
    expect(during.queueMicrotask).toBe(before.queueMicrotask);
    expect(during.nextTick).toBe(before.nextTick);
    expect(during.Intl).toBe(before.Intl);
    for (const name of ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date', 'dateNow', 'performanceNow', 'hrtime', 'hrtimeBigint'] as const) {
      expect(during[name], name).not.toBe(before[name]);
    }
    expect(originals()).toEqual(before);
    expect(Object.hasOwn(performance, 'now')).toBe(false);
  });

  it('restores the globals after a failing run', async () => {
    const before = originals();
    await expect(
      simulate(async () => {
        setTimeout(() => undefined, 1000);
        throw new Error('main failed');
      }, { fakeGlobals: true }),
    ).rejects.toThrow('main failed');
    expect(originals()).toEqual(before);
    const deadlocked = createSimWorld({ fakeGlobals: true });
    await expect(deadlocked.run(async (w) => w.loop.createFuture())).rejects.toMatchObject({ name: 'DeadlockError' });
    expect(originals()).toEqual(before);
  });

  it('does not fake anything without fakeGlobals', async () => {
    const before = originals();
    const during = await simulate(async () => originals());
    expect(during).toEqual(before);
  });

  it('a second world faking the globals at the same time throws InvalidStateError', async () => {
    const first = createSimWorld({ fakeGlobals: true });
    const second = createSimWorld({ fakeGlobals: true });
    const running = first.run(async () => {
      await sleep(10);
      // From inside, a nested faking world is refused as well.
      const nested = await rejection(simulate(async () => undefined, { fakeGlobals: true }));
      expect(nested).toBeInstanceOf(InvalidStateError);
      return Date.now();
    });
    const err = await rejection(second.run(async () => undefined));
    expect(err).toBeInstanceOf(InvalidStateError);
    expect((err as Error).message).toMatch(/one world at a time/);
    expect(await running).toBe(10);
    // Once the first is done, another may fake them.
    // Virtual, not real, time: the faked clock reads the epoch at the start.
    const faked = await simulate(async () => Date.now(), { fakeGlobals: true, epoch: 7 });
    expect(faked).toBe(7);
  });

  it('a world that does not fake the globals may run beside one that does', async () => {
    const [a, b] = await Promise.all([
      simulate(async (w) => {
        await new Promise((r) => setTimeout(r, 50));
        return w.loop.time();
      }, { fakeGlobals: true }),
      simulate(async (w) => {
        await sleep(70);
        return w.loop.time();
      }),
    ]);
    expect([a, b]).toEqual([50, 70]);
  });

  it('a timer set by plain I/O while the loop idles wakes it and time jumps to it', async () => {
    const { readFile } = await import('node:fs/promises');
    const t = await simulate(
      async (world) => {
        await new Promise<void>((resolve) => {
          void readFile(new URL(import.meta.url)).then(() => setTimeout(resolve, 40));
        });
        return world.loop.time();
      },
      { fakeGlobals: true },
    );
    expect(t).toBe(40);
  });

  it('clearTimeout and clearImmediate leave real timers made before the run to the real functions', async () => {
    let realFired = false;
    const real = setTimeout(() => {
      realFired = true;
    }, 20);
    await simulate(async () => {
      clearTimeout(real);
      clearTimeout(undefined);
      clearTimeout(null as unknown as undefined);
    }, { fakeGlobals: true });
    await new Promise((r) => setTimeout(r, 40));
    expect(realFired).toBe(false);
  });

  it('reads delays as fake-timers do: NaN and negative ones are 0 for setTimeout; setInterval repeats at least every 1 ms, as in Node', async () => {
    const log = await simulate(
      async (world) => {
        const out: string[] = [];
        const at = (name: string) => () => out.push(`${name}@${world.loop.time()}`);
        setTimeout(at('nan'), Number.NaN);
        setTimeout(at('negative'), -5);
        world.loop.callLater(0, at('loop0'));
        setTimeout(at('huge'), Infinity); // past Node's maximum: 1 ms, as in Node
        let n = 0;
        const iv = setInterval(() => {
          out.push(`interval@${world.loop.time()}`);
          if (++n === 2) clearInterval(iv);
        }, 0);
        await sleep(5);
        return out;
      },
      { fakeGlobals: true },
    );
    expect(log).toEqual(['nan@0', 'negative@0', 'loop0@0', 'huge@1', 'interval@1', 'interval@2']);
  });

  it('keeps runs with faked globals deterministic: equal programs give equal traces', async () => {
    const traceOf = async () => {
      const world = createSimWorld({ fakeGlobals: true, strategy: 'random', seed: 'fg' });
      await world.run(async () => {
        const jobs = [3, 1, 2].map((d, i) => new Promise<void>((resolve) => setTimeout(() => {
          setImmediate(resolve);
        }, d * 10 + i)));
        const iv = setInterval(() => undefined, 7);
        await Promise.all(jobs);
        clearInterval(iv);
      });
      return world.trace();
    };
    const a = await traceOf();
    expect(a.some((e) => e.kind === 'timer' && e.detail === 'setInterval(anonymous)')).toBe(true);
    expect(await traceOf()).toEqual(a);
  });

  it('validates callbacks as Node does', async () => {
    await simulate(async () => {
      expect(() => setTimeout('code' as unknown as () => void, 5)).toThrow(TypeError);
      expect(() => setInterval(undefined as unknown as () => void, 5)).toThrow(/callback/);
      expect(() => setImmediate(42 as unknown as () => void)).toThrow(TypeError);
    }, { fakeGlobals: true });
  });
});
