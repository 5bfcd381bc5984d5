import { describe, expect, it } from 'vitest';
import { createTask, simulate, SimulationError, sleep } from '../../src/index.js';
import { rejection } from './support.js';

describe('run limits', () => {
  it('a run that passes maxTime fails with SimulationError naming the limit and listing pending tasks', async () => {
    let ticks = 0;
    const err = await rejection(
      simulate(
        async () => {
          createTask(() => sleep(1e9), { name: 'sleeper' });
          for (;;) {
            await sleep(1000);
            ticks++;
          }
        },
        { maxTime: 10_500 },
      ),
    );
    expect(err).toBeInstanceOf(SimulationError);
    const msg = (err as Error).message;
    expect(msg).toContain('maxTime');
    expect(msg).toContain('10500');
    expect(msg).toContain('main awaits sleep(1000)');
    expect(msg).toContain('sleeper awaits sleep(1000000000)');
    expect(ticks).toBe(10);
  });

  it('maxTime defaults to 365 days of virtual time', async () => {
    const err = await rejection(simulate(async () => sleep(366 * 24 * 3600 * 1000)));
    expect(err).toBeInstanceOf(SimulationError);
    expect((err as Error).message).toMatch(/maxTime \(31536000000 ms\)/);
  });

  it('a run that passes maxSteps fails with SimulationError naming the limit and listing pending tasks', async () => {
    const err = await rejection(
      simulate(
        async () => {
          createTask(() => sleep(1e6), { name: 'bystander' });
          for (;;) await sleep(0);
        },
        { maxSteps: 500 },
      ),
    );
    expect(err).toBeInstanceOf(SimulationError);
    const msg = (err as Error).message;
    expect(msg).toContain('maxSteps');
    expect(msg).toContain('500');
    expect(msg).toMatch(/main awaits/);
    expect(msg).toContain('bystander awaits sleep(1000000)');
  });

  it('a run within its limits passes', async () => {
    const t = await simulate(
      async (world) => {
        for (let i = 0; i < 10; i++) await sleep(100);
        return world.loop.time();
      },
      { maxTime: 1000, maxSteps: 100 },
    );
    expect(t).toBe(1000);
  });
});

describe('after a limit is hit', () => {
  it('the pending tasks are cancelled and their cleanup runs', async () => {
    const cleaned: string[] = [];
    const guarded = (name: string, body: () => Promise<unknown>) =>
      createTask(
        async () => {
          try {
            await body();
          } finally {
            await sleep(1);
            cleaned.push(name);
          }
        },
        { name },
      );
    const stepErr = await rejection(
      simulate(
        async () => {
          guarded('spinner', async () => {
            for (;;) await sleep(0);
          });
          await sleep(1e6);
        },
        { maxSteps: 300 },
      ),
    );
    expect((stepErr as Error).message).toContain('maxSteps');
    const timeErr = await rejection(
      simulate(
        async () => {
          guarded('ticker', async () => {
            for (;;) await sleep(100);
          });
          await sleep(1e6);
        },
        { maxTime: 1000 },
      ),
    );
    expect((timeErr as Error).message).toContain('maxTime');
    expect(cleaned).toEqual(['spinner', 'ticker']);
  });
});
