import { describe, expect, it } from 'vitest';
import { sleep } from '../../src/index.js';
import { virtualLoop } from './support.js';

/** Queue `depth` chained microtasks of the given kind; returns a getter of how many have run. */
function chain(kind: 'promise' | 'queueMicrotask' | 'nextTick' | 'mixed', depth: number): () => number {
  let ran = 0;
  const step = (i: number): void => {
    ran++;
    if (i + 1 >= depth) return;
    const k = kind === 'mixed' ? (['promise', 'queueMicrotask', 'nextTick'] as const)[i % 3]! : kind;
    if (k === 'promise') void Promise.resolve().then(() => step(i + 1));
    else if (k === 'queueMicrotask') queueMicrotask(() => step(i + 1));
    else process.nextTick(() => step(i + 1));
  };
  const k0 = kind === 'mixed' ? 'promise' : kind;
  if (k0 === 'promise') void Promise.resolve().then(() => step(0));
  else if (k0 === 'queueMicrotask') queueMicrotask(() => step(0));
  else process.nextTick(() => step(0));
  return () => ran;
}

describe('guarantee 4: the microtasks a callback queued all run before the next loop callback', () => {
  it.each(['promise', 'queueMicrotask', 'nextTick', 'mixed'] as const)('holds for a chain of 10,000 %s microtasks', async (kind) => {
    const { loop } = virtualLoop();
    let ranBeforeNext = -1;
    let ran: () => number = () => 0;
    loop.callSoon(() => {
      ran = chain(kind, 10_000);
    });
    loop.callSoon(() => {
      ranBeforeNext = ran();
      loop.stop();
    });
    await loop.runForever();
    expect(ranBeforeNext).toBe(10_000);
    loop.close();
  });

  it('holds for a deep chain of awaits inside an async function started by a callback', async () => {
    const { loop } = virtualLoop();
    let steps = 0;
    let seen = -1;
    loop.callSoon(() => {
      void (async () => {
        for (let i = 0; i < 5000; i++) {
          await null;
          steps++;
        }
      })();
    });
    loop.callSoon(() => {
      seen = steps;
      loop.stop();
    });
    await loop.runForever();
    expect(seen).toBe(5000);
    loop.close();
  });

  it('holds between a timer callback and the next due timer', async () => {
    const { loop } = virtualLoop();
    let ran: () => number = () => 0;
    let seen = -1;
    loop.callLater(10, () => {
      ran = chain('mixed', 3000);
    });
    loop.callLater(10, () => {
      seen = ran();
      loop.stop();
    });
    await loop.runForever();
    expect(seen).toBe(3000);
    loop.close();
  });

  it('holds for every callback of a large batch', async () => {
    const { loop } = virtualLoop();
    const violations: number[] = [];
    let pending = 0;
    for (let i = 0; i < 2000; i++) {
      loop.callSoon(() => {
        if (pending !== 0) violations.push(i);
        pending = 3;
        void Promise.resolve()
          .then(() => pending--)
          .then(() => pending--);
        process.nextTick(() => pending--);
      });
    }
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(violations).toEqual([]);
    loop.close();
  });

  it('lets the code of a task between two awaits of loop futures run without another task interleaving', async () => {
    const { loop } = virtualLoop();
    const log: string[] = [];
    const worker = (name: string) => async (): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        log.push(`${name}${i}:start`);
        // plain-promise awaits do not yield to the loop
        await Promise.resolve();
        await new Promise<void>((r) => queueMicrotask(r));
        log.push(`${name}${i}:end`);
        await sleep(0);
      }
    };
    await loop.runUntilComplete(async () => {
      const a = loop.createTask(worker('a'));
      const b = loop.createTask(worker('b'));
      await a;
      await b;
    });
    for (let i = 0; i < log.length; i += 2) {
      expect(log[i]!.replace(':start', '')).toBe(log[i + 1]!.replace(':end', ''));
    }
    expect(log.length).toBe(12);
    loop.close();
  });
});
