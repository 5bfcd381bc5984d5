import { describe, expect, it } from 'vitest';
import { createSimWorld, createTask, simulate, SimulationError, sleep } from '../../src/index.js';
import { quietLogger, rejection } from './support.js';

describe('strict mode (the default)', () => {
  it('fails the run with SimulationError listing a task exception nobody retrieved', async () => {
    const lost = new Error('lost in a background task');
    const err = await rejection(
      simulate(async () => {
        createTask(async () => {
          throw lost;
        });
        await sleep(10);
        return 'main finished';
      }),
    );
    expect(err).toBeInstanceOf(SimulationError);
    const e = err as SimulationError;
    expect(e.unhandled).toEqual([lost]);
    expect(e.leaked).toEqual([]);
    expect(e.message).toContain('lost in a background task');
  });

  it('a retrieved task exception is handled and passes', async () => {
    const result = await simulate(async () => {
      const t = createTask(async () => {
        throw new Error('caught');
      });
      try {
        await t;
      } catch (e) {
        return (e as Error).message;
      }
      return 'unreachable';
    });
    expect(result).toBe('caught');
  });

  it('fails the run with SimulationError listing a leaked task, after cancelling it and running its cleanup', async () => {
    const events: string[] = [];
    const err = await rejection(
      simulate(async () => {
        createTask(
          async () => {
            try {
              await sleep(60_000);
            } finally {
              events.push('cleanup ran');
            }
          },
          { name: 'poller' },
        );
        await sleep(1);
        events.push('main returned');
      }),
    );
    expect(err).toBeInstanceOf(SimulationError);
    const e = err as SimulationError;
    expect(e.leaked).toEqual(['poller (awaiting sleep(60000))']);
    expect(e.unhandled).toEqual([]);
    expect(e.message).toContain('poller');
    expect(events).toEqual(['main returned', 'cleanup ran']);
  });

  it("main's own error wins over the strict report", async () => {
    const mainError = new Error('main failed');
    let cleaned = false;
    const err = await rejection(
      simulate(async () => {
        createTask(async () => {
          throw new Error('also lost');
        });
        createTask(async () => {
          try {
            await sleep(Infinity);
          } finally {
            cleaned = true;
          }
        });
        await sleep(5);
        throw mainError;
      }),
    );
    expect(err).toBe(mainError);
    expect(cleaned).toBe(true);
  });

  it('a callback that throws counts as unhandled', async () => {
    const err = await rejection(
      simulate(async (world) => {
        world.loop.callSoon(() => {
          throw new TypeError('bad callback');
        });
        await sleep(1);
      }),
    );
    expect(err).toBeInstanceOf(SimulationError);
    expect((err as SimulationError).unhandled).toEqual([expect.objectContaining({ message: 'bad callback' })]);
  });
});

describe('non-strict mode', () => {
  it('passes despite unretrieved exceptions and leaked tasks, reporting them through the loop', async () => {
    const world = createSimWorld({ strict: false });
    const logger = quietLogger();
    world.loop.logger = logger;
    let cleaned = false;
    const result = await world.run(async () => {
      createTask(async () => {
        throw new Error('ignored failure');
      });
      createTask(async () => {
        try {
          await sleep(1000);
        } finally {
          cleaned = true;
        }
      });
      await sleep(1);
      return 42;
    });
    await world[Symbol.asyncDispose]();
    expect(result).toBe(42);
    expect(cleaned).toBe(true);
    expect(logger.lines.join('\n')).toContain('ignored failure');
  });

  it('still rejects with main\'s error', async () => {
    await expect(simulate(async () => Promise.reject(new RangeError('nope')), { strict: false })).rejects.toThrow(RangeError);
  });
});

describe('createSimWorld options', () => {
  it('validate types and ranges at the call', () => {
    expect(() => createSimWorld({ startTime: Number.NaN })).toThrow(TypeError);
    expect(() => createSimWorld({ epoch: 'now' as unknown as number })).toThrow(TypeError);
    expect(() => createSimWorld({ maxTime: 'long' as unknown as number })).toThrow(TypeError);
    expect(() => createSimWorld({ maxTime: 0 })).toThrow(RangeError);
    expect(() => createSimWorld({ maxSteps: -1 })).toThrow(RangeError);
    expect(() => createSimWorld({ strategy: 'chaos' as 'fifo' })).toThrow(RangeError);
    expect(() => createSimWorld({ fakeGlobals: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => createSimWorld({ seed: Infinity })).toThrow(RangeError);
    expect(createSimWorld({ seed: 7 }).seed).toBe('7');
  });

  it('a world runs once', async () => {
    const world = createSimWorld();
    await world.run(async () => undefined);
    await expect(world.run(async () => undefined)).rejects.toMatchObject({ name: 'InvalidStateError' });
  });
});
