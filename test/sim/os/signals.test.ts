import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { currentTask, Event, getRunningLoop, SimulationError, simulate, sleep, type Future } from '../../../src/index.js';
import { rejection } from '../support.js';

describe('SimSignals.raise', () => {
  it('reaches the handler registered with addSignalHandler, which runs as a loop callback with its args', async () => {
    const got = await simulate(async (world) => {
      const loop = world.loop;
      const fut: Future<{ args: unknown[]; inLoop: boolean; task: unknown }> = loop.createFuture();
      loop.addSignalHandler('SIGTERM', (...args: unknown[]) => fut.setResult({ args, inLoop: getRunningLoop() === loop, task: currentTask() }), 'graceful', 3);
      world.signals.raise('SIGTERM');
      return fut;
    });
    expect(got).toEqual({ args: ['graceful', 3], inLoop: true, task: null });
  });

  it('delivers on a later loop iteration, not inside raise', async () => {
    const got = await simulate(async (world) => {
      const seen: string[] = [];
      world.loop.addSignalHandler('SIGHUP', () => seen.push('handler'));
      world.signals.raise('SIGHUP');
      seen.push('after raise');
      await sleep(0);
      return seen;
    });
    expect(got).toEqual(['after raise', 'handler']);
  });

  it('takes a signal number as well as a name', async () => {
    const got = await simulate(async (world) => {
      const fut = world.loop.createFuture<string>();
      world.loop.addSignalHandler('SIGUSR1', () => fut.setResult('usr1'));
      world.signals.raise(constants.signals.SIGUSR1);
      return fut;
    });
    expect(got).toBe('usr1');
  });

  it('happens in virtual time: a signal raised from a timer at 250 ms is handled at 250 ms', async () => {
    const got = await simulate(async (world) => {
      const stop = new Event();
      world.loop.addSignalHandler('SIGINT', () => stop.set());
      world.loop.callLater(250, () => world.signals.raise('SIGINT'));
      await stop.wait();
      return world.loop.time();
    });
    expect(got).toBe(250);
  });

  it('a handler replaced by a later addSignalHandler no longer runs; the new one does', async () => {
    const got = await simulate(async (world) => {
      const calls: string[] = [];
      world.loop.addSignalHandler('SIGUSR2', () => calls.push('first'));
      world.loop.addSignalHandler('SIGUSR2', () => calls.push('second'));
      world.signals.raise('SIGUSR2');
      await sleep(0);
      return calls;
    });
    expect(got).toEqual(['second']);
  });

  it('removeSignalHandler stops the handler, even for a signal raised before it was removed', async () => {
    const got = await simulate(async (world) => {
      const calls: string[] = [];
      world.loop.addSignalHandler('SIGCHLD', () => calls.push('handler'));
      world.signals.raise('SIGCHLD');
      const removed = world.loop.removeSignalHandler('SIGCHLD');
      world.signals.raise('SIGCHLD');
      await sleep(10);
      return { removed, calls, handled: world.signals.handled('SIGCHLD') };
    });
    expect(got).toEqual({ removed: true, calls: [], handled: false });
  });

  it("never touches the real process's signal listeners", async () => {
    const before = process.listenerCount('SIGTERM');
    const during = await simulate(async (world) => {
      world.loop.addSignalHandler('SIGTERM', () => {});
      return process.listenerCount('SIGTERM');
    });
    expect(during).toBe(before);
  });

  it('handled tells whether a handler is registered', async () => {
    const got = await simulate(async (world) => {
      const before = world.signals.handled('SIGTERM');
      world.loop.addSignalHandler('SIGTERM', () => {});
      const during = world.signals.handled(constants.signals.SIGTERM);
      world.loop.removeSignalHandler('SIGTERM');
      return [before, during, world.signals.handled('SIGTERM')];
    });
    expect(got).toEqual([false, true, false]);
  });

  it('an unhandled signal whose default action ends the process fails the run with a SimulationError, even when main returns', async () => {
    let returned = false;
    const err = await rejection(
      simulate(async (world) => {
        await sleep(40);
        world.signals.raise('SIGTERM');
        await sleep(10);
        returned = true;
      }),
    );
    expect(returned).toBe(true);
    expect(err).toBeInstanceOf(SimulationError);
    expect((err as Error).message).toMatch(/SIGTERM was raised at 40 ms and nothing handles it/);
    expect((err as Error).message).toMatch(/addSignalHandler\('SIGTERM'/);
  });

  it('an unhandled signal that is ignored by default (SIGWINCH, SIGCHLD) does nothing but is traced', async () => {
    const trace = await simulate(async (world) => {
      world.signals.raise('SIGWINCH');
      await sleep(1);
      return world.trace().filter((e) => e.kind === 'signal').map((e) => e.detail);
    });
    expect(trace).toEqual(['raise SIGWINCH', 'SIGWINCH not handled: ignored (its default action)']);
  });

  it('traces raise and delivery (kind signal)', async () => {
    const trace = await simulate(async (world) => {
      world.loop.addSignalHandler('SIGINT', () => {});
      await sleep(5);
      world.signals.raise('SIGINT');
      await sleep(0);
      world.loop.removeSignalHandler('SIGINT');
      return world.trace().filter((e) => e.kind === 'signal').map((e) => `${e.time} ${e.detail}`);
    });
    expect(trace).toEqual(['5 raise SIGINT', '5 deliver SIGINT to 1 handler(s)']);
  });

  it('an unknown signal is a RangeError and a non-signal a TypeError, as addSignalHandler throws', async () => {
    await simulate(async (world) => {
      expect(() => world.signals.raise('SIGNOPE' as never)).toThrow(RangeError);
      expect(() => world.signals.raise(999)).toThrow(RangeError);
      expect(() => world.signals.raise(null as never)).toThrow(/signals.raise: signal must be a signal name/);
    });
  });
});
