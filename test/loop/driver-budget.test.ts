import { describe, expect, it } from 'vitest';
import { EventLoop, VirtualClock } from '../../src/index.js';
import { TestSelector } from './support.js';

/**
 * Run five callbacks on a loop whose selector allows `budget` callbacks per
 * driver; the first also queues a host immediate. Returns the order of all six.
 */
async function orderWithBudget(budget: number): Promise<string[]> {
  const selector = Object.assign(new TestSelector(), { driverBudget: budget });
  const loop = new EventLoop({ clock: new VirtualClock(), selector, os: {} });
  const order: string[] = [];
  for (let i = 0; i < 5; i++) {
    loop.callSoon(() => {
      order.push(`cb${i}`);
      if (i === 0) setImmediate(() => order.push('host'));
      if (i === 4) loop.stop();
    });
  }
  await loop.runForever();
  loop.close();
  // The host immediate, if it has not run yet, runs before one queued now.
  await new Promise((r) => setImmediate(r));
  return order;
}

describe("a selector's driverBudget", () => {
  it('lets the host run its own callbacks after that many loop callbacks', async () => {
    expect(await orderWithBudget(2)).toEqual(['cb0', 'cb1', 'host', 'cb2', 'cb3', 'cb4']);
  });

  it('runs a whole batch before the host when it is larger than the batch', async () => {
    expect(await orderWithBudget(16)).toEqual(['cb0', 'cb1', 'cb2', 'cb3', 'cb4', 'host']);
  });
});
