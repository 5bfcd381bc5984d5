import { describe, expect, it } from 'vitest';
import { EventLoop, nodeBackend, sleep, type Clock } from '../src/index.js';

// The custom-Clock example of the README, kept working.
class FastClock implements Clock {
  private readonly start = performance.now();
  constructor(private readonly factor: number) {}
  now() {
    return (performance.now() - this.start) * this.factor;
  }
  sleepTime(deadline: number) {
    return Math.max(0, (deadline - this.now()) / this.factor);
  }
}

describe('README: a custom Clock', () => {
  it('runs a loop on a sped-up clock: a sleep lasts its length in loop time', async () => {
    const { selector, os } = nodeBackend();
    const loop = new EventLoop({ clock: new FastClock(10_000), selector, os });
    const before = loop.time();
    const woke = await loop.runUntilComplete(async () => {
      await sleep(60_000);
      return loop.time();
    });
    loop.close();
    expect(woke - before).toBeGreaterThanOrEqual(60_000);
  });
});
