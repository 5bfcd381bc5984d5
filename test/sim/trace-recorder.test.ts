import { describe, expect, it } from 'vitest';
import { TraceRecorder } from '../../src/backends/sim/trace-recorder.js';
import { createSimWorld, simulate, sleep } from '../../src/index.js';

describe('TraceRecorder', () => {
  it('gives back the events it recorded as objects, oldest first', () => {
    const r = new TraceRecorder(10);
    r.record(0, 'step', 'main', -1, undefined);
    r.record(5, 'jump', null, -1, 5);
    r.record(5, 'timer', null, 7, 'tick');
    expect(r.toArray()).toEqual([
      { time: 0, kind: 'step', task: 'main' },
      { time: 5, kind: 'jump', detail: '+5' },
      { time: 5, kind: 'timer', handle: '#7', detail: 'tick' },
    ]);
  });

  it('keeps only the last `limit` events once full, and counts them all', () => {
    const r = new TraceRecorder(3);
    for (let i = 0; i < 10; i++) r.record(i, 'callback', null, i, undefined);
    expect(r.toArray().map((e) => e.time)).toEqual([7, 8, 9]);
    expect(r.recorded).toBe(10);
  });

  it('grows past its first capacity up to the limit without losing events', () => {
    const r = new TraceRecorder(5000);
    for (let i = 0; i < 4000; i++) r.record(i, 'callback', null, i, undefined);
    const events = r.toArray();
    expect(events).toHaveLength(4000);
    expect(events[3999]!.time).toBe(3999);
  });

  it('records nothing with limit 0 and everything with Infinity', () => {
    const none = new TraceRecorder(0);
    const all = new TraceRecorder(Infinity);
    for (let i = 0; i < 3000; i++) {
      none.record(i, 'callback', null, i, undefined);
      all.record(i, 'callback', null, i, undefined);
    }
    expect(none.toArray()).toEqual([]);
    expect(all.toArray()).toHaveLength(3000);
  });
});

describe('the traceLimit option', () => {
  it('bounds a world trace to the last events of the run', async () => {
    let n = 0;
    await simulate(
      async (world) => {
        for (let i = 0; i < 200; i++) await sleep(1);
        n = world.trace().length;
      },
      { traceLimit: 50 },
    );
    expect(n).toBe(50);
  });

  it('rejects a negative, fractional or non-number traceLimit', () => {
    expect(() => createSimWorld({ traceLimit: -1 })).toThrow(RangeError);
    expect(() => createSimWorld({ traceLimit: 1.5 })).toThrow(/traceLimit/);
    expect(() => createSimWorld({ traceLimit: 'x' as unknown as number })).toThrow(TypeError);
  });
});
