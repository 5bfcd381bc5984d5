import { describe, expect, it } from 'vitest';
import { createSimWorld, Future, sleep } from '../../src/index.js';
import { collectReports, spyLogger, virtualLoop } from './support.js';

describe('debug mode: slow callbacks', () => {
  it('warns through logger.warn about a callback during which the loop clock moved past slowCallbackDuration', async () => {
    const { loop, clock } = virtualLoop({ debug: true });
    const logger = spyLogger(loop);
    loop.callSoon(function slowOne() {
      clock.advance(150);
    });
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(logger.warn).toHaveBeenCalledTimes(1);
    const text = String(logger.warn.mock.calls[0]![0]);
    expect(text).toMatch(/slowOne/);
    expect(text).toMatch(/took 150(\.0+)? ms/);
    loop.close();
  });

  it('does not warn about callbacks during which virtual time did not move', async () => {
    const { loop } = virtualLoop({ debug: true });
    const logger = spyLogger(loop);
    for (let i = 0; i < 100; i++) loop.callSoon(() => {});
    loop.callLater(10_000, () => loop.stop());
    await loop.runForever();
    expect(logger.warn).not.toHaveBeenCalled();
    loop.close();
  });

  it('does not count a clock jump to the next timer as part of the callback before it', async () => {
    const { loop } = virtualLoop({ debug: true });
    const logger = spyLogger(loop);
    loop.callSoon(() => {});
    loop.callLater(5000, () => {});
    loop.callLater(10_000, () => loop.stop());
    await loop.runForever();
    expect(logger.warn).not.toHaveBeenCalled();
    loop.close();
  });

  it('does not warn outside debug mode', async () => {
    const { loop, clock } = virtualLoop();
    const logger = spyLogger(loop);
    loop.callSoon(() => clock.advance(1000));
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(logger.warn).not.toHaveBeenCalled();
    loop.close();
  });

  it('warns only at or above slowCallbackDuration', async () => {
    const { loop, clock } = virtualLoop({ debug: true });
    const logger = spyLogger(loop);
    loop.slowCallbackDuration = 50;
    loop.callSoon(function fast() {
      clock.advance(49);
    });
    loop.callSoon(function slow() {
      clock.advance(50);
    });
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(String(logger.warn.mock.calls[0]![0])).toMatch(/slow/);
    expect(String(logger.warn.mock.calls[0]![0])).not.toMatch(/fast/);
    loop.close();
  });

  it('counts the microtasks a callback queued as part of it', async () => {
    const { loop, clock } = virtualLoop({ debug: true });
    const logger = spyLogger(loop);
    loop.callSoon(function queuesSlowWork() {
      void Promise.resolve()
        .then(() => undefined)
        .then(() => clock.advance(200));
    });
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(String(logger.warn.mock.calls[0]![0])).toMatch(/queuesSlowWork/);
    loop.close();
  });

  it('names the task whose step was slow', async () => {
    const world = createSimWorld();
    world.loop.setDebug(true);
    const logger = spyLogger(world.loop);
    await world.run(async () => {
      const t = world.loop.createTask(
        async () => {
          await sleep(1);
          world.clock.advance(500);
        },
        { name: 'sluggish' },
      );
      await t;
    });
    await world[Symbol.asyncDispose]();
    const warnings = logger.warn.mock.calls.map((c) => String(c[0]));
    expect(warnings.some((w) => w.includes("'sluggish'") && /took 500/.test(w))).toBe(true);
  });

  it('warns about a slow callback that was the last one of a run', async () => {
    const { loop, clock } = virtualLoop({ debug: true });
    const logger = spyLogger(loop);
    loop.callSoon(() => {
      clock.advance(300);
      loop.stop();
    });
    await loop.runForever();
    expect(logger.warn).toHaveBeenCalledTimes(1);
    loop.close();
  });

  it('does not carry the measurement of a callback that a failed run cut short into the next run', async () => {
    const { loop, clock } = virtualLoop({ debug: true });
    const logger = spyLogger(loop);
    loop.callSoon(function failsTheRun() {
      loop._fail(new Error('run failed'));
    });
    await expect(loop.runForever()).rejects.toThrow('run failed');
    clock.advance(10_000);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(logger.warn).not.toHaveBeenCalled();
    loop.close();
  });

  it('records where each callback was scheduled only in debug mode', () => {
    const { loop } = virtualLoop();
    const quiet = loop.callSoon(() => {});
    loop.setDebug(true);
    const noisy = loop.callSoon(() => {});
    expect(quiet._sourceTraceback).toBeUndefined();
    expect(noisy._sourceTraceback).toMatch(/debug\.test\.ts/);
    loop.close();
  });
});

describe('close(): what was left behind is reported through the exception handler', () => {
  it('reports a future whose exception was never retrieved', () => {
    const { loop } = virtualLoop();
    const reports = collectReports(loop);
    const fut = new Future<void>({ loop });
    const err = new Error('lost');
    fut.setException(err);
    loop.close();
    expect(reports).toHaveLength(1);
    expect(reports[0]!.message).toMatch(/exception was never retrieved/);
    expect(reports[0]!.exception).toBe(err);
    expect(reports[0]!.future).toBe(fut);
  });

  it('does not report a future whose exception was retrieved', () => {
    const { loop } = virtualLoop();
    const reports = collectReports(loop);
    const fut = new Future<void>({ loop });
    fut.setException(new Error('seen'));
    expect(fut.exception()).toBeInstanceOf(Error);
    loop.close();
    expect(reports).toEqual([]);
  });

  it('reports a task still pending at close', async () => {
    const { loop } = virtualLoop();
    const reports = collectReports(loop);
    const blocker = loop.createFuture<void>();
    const task = loop.createTask(async () => {
      await blocker;
    });
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
    expect(reports).toHaveLength(1);
    expect(reports[0]!.message).toMatch(/Task was destroyed but it is pending/);
    expect(reports[0]!.task).toBe(task);
  });

  it('reports a task whose exception was never retrieved', async () => {
    const { loop } = virtualLoop();
    const reports = collectReports(loop);
    const err = new Error('task failed');
    const task = loop.createTask(async () => {
      throw err;
    });
    loop.callSoon(() => loop.callSoon(() => loop.stop()));
    await loop.runForever();
    expect(task.done()).toBe(true);
    loop.close();
    expect(reports).toHaveLength(1);
    expect(reports[0]!.message).toMatch(/exception was never retrieved/);
    expect(reports[0]!.exception).toBe(err);
  });

  it('reports each problem once, even when close() is called again', () => {
    const { loop } = virtualLoop();
    const reports = collectReports(loop);
    new Future<void>({ loop }).setException(new Error('once'));
    loop.close();
    loop.close();
    expect(reports).toHaveLength(1);
  });

  it('writes the reports through logger.error with the default handler', () => {
    const { loop } = virtualLoop();
    const logger = spyLogger(loop);
    new Future<void>({ loop }).setException(new Error('to the log'));
    loop.close();
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(String(logger.error.mock.calls[0]![0])).toMatch(/never retrieved[\s\S]*to the log/);
  });
});
