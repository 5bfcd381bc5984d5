import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../../src/index.js';
import { formatTimeline, formatVirtualTime } from '../../../src/explore/timeline.js';
import { queueTimerAndEcho, traceOf } from './scenarios.js';

/** The start of each column in a line, from the header's labels. */
function columns(header: string): number[] {
  return ['kind', 'task', 'detail'].map((label) => header.indexOf(label));
}

describe('formatVirtualTime', () => {
  it('prints h:mm:ss.mmm', () => {
    expect(formatVirtualTime(0)).toBe('0:00:00.000');
    expect(formatVirtualTime(65_250)).toBe('0:01:05.250');
    expect(formatVirtualTime(3 * 3_600_000 + 7)).toBe('3:00:00.007');
    expect(formatVirtualTime(26 * 3_600_000)).toBe('26:00:00.000');
  });

  it('adds sub-millisecond digits only when there are some, to the microsecond', () => {
    expect(formatVirtualTime(0.5)).toBe('0:00:00.0005');
    expect(formatVirtualTime(1.25)).toBe('0:00:00.00125');
    expect(formatVirtualTime(0.1 + 0.2)).toBe('0:00:00.0003');
    expect(formatVirtualTime(59_999.9999)).toBe('0:01:00.000');
  });

  it('prints negative and non-finite times', () => {
    expect(formatVirtualTime(-1500)).toBe('-0:00:01.500');
    expect(formatVirtualTime(Infinity)).toBe('Infinity');
  });
});

describe('formatTimeline', () => {
  it('starts with a header and aligns the kind, task and detail columns of every line', async () => {
    const lines = formatTimeline(await traceOf(queueTimerAndEcho)).split('\n');
    expect(lines[0]).toMatch(/^\s*time\s+kind\s+task\s+detail$/);
    const [kindAt, taskAt, detailAt] = columns(lines[0]!);
    for (const line of lines.slice(1)) {
      expect(line.slice(kindAt! - 2, kindAt)).toBe('  ');
      expect(line[kindAt!]).toMatch(/[a-z]/);
      if (line.length > detailAt!) expect(line.slice(taskAt! - 2, taskAt)).toBe('  ');
    }
  });

  it('prints each virtual instant once, on the first of its events', async () => {
    const trace = await traceOf(queueTimerAndEcho);
    const lines = formatTimeline(trace).split('\n').slice(1);
    expect(lines).toHaveLength(trace.length);
    const times = lines.map((l) => l.slice(0, columns(formatTimeline(trace).split('\n')[0]!)[0]).trim());
    const instants = [...new Set(trace.map((e) => formatVirtualTime(e.time)))];
    expect(times.filter((t) => t !== '')).toEqual(instants);
    trace.forEach((e, i) => expect(times[i]).toBe(i > 0 && trace[i - 1]!.time === e.time ? '' : formatVirtualTime(e.time)));
  });

  it('shows task names, what each step resumes from, and clock jumps in ms', async () => {
    const text = formatTimeline(await traceOf(queueTimerAndEcho));
    expect(text).toMatch(/^\s*0:00:00\.000\s+create\s+main$/m);
    expect(text).toMatch(/^\s+step\s+consumer\s+start$/m);
    expect(text).toMatch(/^\s+wake\s+consumer\s+Queue\.get\(\)$/m);
    expect(text).toMatch(/^\s+step\s+consumer\s+after Queue\.get\(\)$/m);
    expect(text).toMatch(/^\s*0:00:00\.010\s+jump\s+\+10 ms$/m);
    expect(text).toMatch(/^\s+send\s+conn#1 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:8080 5B$/m);
  });

  it('with a limit, shows the last events after a line counting the earlier ones', async () => {
    const trace = await traceOf(queueTimerAndEcho);
    const lines = formatTimeline(trace, { limit: 5 }).split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[1]!.trim()).toMatch(new RegExp(`^\\.\\.\\.\\s+${trace.length - 5} earlier events$`));
    const last = trace[trace.length - 1]!;
    expect(lines[6]).toContain(last.kind);
    // the first line shown carries its time even when the instant began earlier
    expect(lines[2]).toContain(formatVirtualTime(trace[trace.length - 5]!.time));
  });

  it('leaves out the kinds asked for, counting only the rest against the limit', async () => {
    const trace = await traceOf(queueTimerAndEcho);
    const text = formatTimeline(trace, { omit: ['callback', 'timer'] });
    expect(text).not.toMatch(/\bcallback\b|\btimer\b/);
    expect(text.split('\n')).toHaveLength(1 + trace.filter((e) => e.kind !== 'callback' && e.kind !== 'timer').length);
    expect(formatTimeline(trace, { omit: ['callback'], limit: 2 }).split('\n')[1]!.trim()).toMatch(/^\.\.\.\s+\d+ earlier events$/);
  });

  it('is the same text for the same trace', async () => {
    const a = formatTimeline(await traceOf(queueTimerAndEcho, { seed: 9, strategy: 'random' }));
    const b = formatTimeline(await traceOf(queueTimerAndEcho, { seed: 9, strategy: 'random' }));
    expect(a).toBe(b);
  });

  it('caps the task column, letting a longer name overflow its own line only', () => {
    const long = 'a-task-with-a-rather-long-descriptive-name';
    const events: TraceEvent[] = [
      { time: 0, kind: 'create', task: long },
      { time: 0, kind: 'create', task: 'short' },
    ];
    const lines = formatTimeline(events).split('\n');
    expect(lines[1]).toContain(long);
    expect(columns(lines[0]!)[2]! - columns(lines[0]!)[1]!).toBe(24 + 2);
  });

  it('is just the header for an empty trace', () => {
    expect(formatTimeline([]).trim()).toBe('time  kind  task  detail');
  });

  it('rejects a bad limit or omit, naming it', () => {
    expect(() => formatTimeline([], { limit: -1 })).toThrow(RangeError);
    expect(() => formatTimeline([], { limit: 1.5 })).toThrow(/limit must be a whole number/);
    expect(() => formatTimeline([], { limit: 'x' as unknown as number })).toThrow(TypeError);
    expect(() => formatTimeline([], { omit: 'callback' as unknown as string[] })).toThrow(/omit must be an array/);
  });
});
