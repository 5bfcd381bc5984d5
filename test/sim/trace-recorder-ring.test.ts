import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TraceRecorder, type TraceEvent } from '../../src/backends/sim/trace-recorder.js';

describe('TraceRecorder across its blocks', () => {
  it('keeps exactly the last `limit` events, in order, whatever the limit and count', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.constant(Infinity)), fc.integer({ min: 0, max: 5000 }), (limit, count) => {
        const r = new TraceRecorder(limit);
        const all: TraceEvent[] = [];
        for (let i = 0; i < count; i++) {
          const task = i % 3 === 0 ? `task-${i % 5}` : null;
          const detail = i % 4 === 0 ? i : i % 4 === 1 ? `d${i % 7}` : undefined;
          r.record(i, i % 2 === 0 ? 'step' : 'timer', task, i % 2 === 0 ? i : -1, detail);
          const ev: TraceEvent = { time: i, kind: i % 2 === 0 ? 'step' : 'timer' };
          if (task !== null) ev.task = task;
          if (i % 2 === 0) ev.handle = `#${i}`;
          if (detail !== undefined) ev.detail = typeof detail === 'number' ? `+${detail}` : detail;
          all.push(ev);
        }
        expect(r.recorded).toBe(count);
        expect(r.toArray()).toEqual(limit === 0 ? [] : all.slice(Math.max(0, count - limit)));
      }),
      { numRuns: 60 },
    );
  });
});
