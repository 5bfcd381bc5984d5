import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, sleep, type TraceEvent } from '../../../src/index.js';
import { toChromeTrace, writeChromeTrace, type ChromeTrace, type ChromeTraceEvent } from '../../../src/explore/chrome-trace.js';
import { queueTimerAndEcho, traceOf } from './scenarios.js';

const NETWORK_KINDS = ['connect', 'send', 'recv', 'close'];

let trace: TraceEvent[];
let doc: ChromeTrace;

beforeAll(async () => {
  trace = await traceOf(queueTimerAndEcho, { seed: 3, strategy: 'random' });
  // Parsed back from JSON, as Perfetto reads it.
  doc = JSON.parse(JSON.stringify(toChromeTrace(trace))) as ChromeTrace;
});

/** The track names, by tid. */
function trackNames(d: ChromeTrace): Map<number, string> {
  return new Map(d.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [e.tid, String(e.args!.name)]));
}

/** The slice or instant standing for trace event `seq`. */
function eventsBySeq(d: ChromeTrace): Map<number, ChromeTraceEvent> {
  return new Map(d.traceEvents.filter((e) => e.ph === 'X' || e.ph === 'i').map((e) => [Number(e.args!.seq), e]));
}

describe('toChromeTrace', () => {
  it('is a Chrome Trace Event document: events with a phase, pid, tid, finite µs times and a name', () => {
    expect(doc.displayTimeUnit).toBe('ms');
    expect(Array.isArray(doc.traceEvents)).toBe(true);
    for (const e of doc.traceEvents) {
      expect(['X', 'i', 's', 'f', 'M']).toContain(e.ph);
      expect(typeof e.name).toBe('string');
      expect(Number.isInteger(e.pid) && Number.isInteger(e.tid)).toBe(true);
      if (e.ph === 'M') continue;
      expect(Number.isFinite(e.ts)).toBe(true);
      if (e.ph === 'X') expect(e.dur).toBeGreaterThan(0);
      if (e.ph === 'i') expect(e.s).toBe('t');
    }
  });

  it('gives one event per trace event, each with its virtual time and place in the trace in args', () => {
    const bySeq = eventsBySeq(doc);
    expect(bySeq.size).toBe(trace.length);
    trace.forEach((t, i) => {
      const e = bySeq.get(i)!;
      expect(e.args).toMatchObject({ virtualTime: t.time, kind: t.kind });
      if (t.detail !== undefined) expect(e.args!.detail).toBe(t.detail);
    });
  });

  it('names a track after every task of the trace and puts its events there', () => {
    const names = trackNames(doc);
    const bySeq = eventsBySeq(doc);
    const tasks = new Set(trace.flatMap((t) => (t.task === undefined ? [] : [t.task])));
    expect([...tasks]).toEqual(expect.arrayContaining(['main', 'consumer', 'producer']));
    trace.forEach((t, i) => {
      if (t.task !== undefined) expect(names.get(bySeq.get(i)!.tid)).toBe(t.task);
    });
    expect(new Set(names.values()).size).toBe(names.size);
  });

  it('puts network events on a "network" track and callbacks, timers and clock jumps on a "loop" track', () => {
    const names = trackNames(doc);
    const bySeq = eventsBySeq(doc);
    const seen = new Set<string>();
    trace.forEach((t, i) => {
      const track = names.get(bySeq.get(i)!.tid);
      if (NETWORK_KINDS.includes(t.kind)) expect(track).toBe('network');
      if (t.kind === 'callback' || t.kind === 'timer' || t.kind === 'jump') expect(track).toBe('loop');
      seen.add(t.kind);
    });
    for (const kind of [...NETWORK_KINDS, 'timer', 'jump']) expect(seen).toContain(kind);
  });

  it('keeps events of one virtual instant apart and in trace order, and the gaps between instants as long as in virtual time', () => {
    const bySeq = eventsBySeq(doc);
    for (let i = 1; i < trace.length; i++) {
      const virtualGap = (trace[i]!.time - trace[i - 1]!.time) * 1000;
      expect(bySeq.get(i)!.ts! - bySeq.get(i - 1)!.ts!).toBeCloseTo(Math.max(virtualGap, 1), 6);
    }
    const shared = trace.filter((t, i) => i > 0 && t.time === trace[i - 1]!.time);
    expect(shared.length).toBeGreaterThan(10);
  });

  it('draws each loop step as a slice, and no two slices of one track overlap', () => {
    const slices = doc.traceEvents.filter((e) => e.ph === 'X');
    expect(slices.length).toBe(trace.filter((t) => t.kind === 'step' || t.kind === 'callback' || t.kind === 'timer').length);
    const byTrack = new Map<number, ChromeTraceEvent[]>();
    for (const s of slices) byTrack.set(s.tid, [...(byTrack.get(s.tid) ?? []), s]);
    for (const list of byTrack.values()) {
      list.sort((a, b) => a.ts! - b.ts!);
      for (let k = 1; k < list.length; k++) expect(list[k]!.ts!).toBeGreaterThanOrEqual(list[k - 1]!.ts! + list[k - 1]!.dur! - 1e-9);
    }
  });

  it('names a task step after what it resumes from', () => {
    const names = doc.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'step').map((e) => e.name);
    expect(names).toContain('start');
    expect(names).toContain('resume: Queue.get()');
    expect(names).toContain('resume: Event.wait()');
  });

  it('joins each flow start to a flow end that lands on the start of a step of the woken task', () => {
    const starts = doc.traceEvents.filter((e) => e.ph === 's');
    const ends = new Map(doc.traceEvents.filter((e) => e.ph === 'f').map((e) => [e.id, e]));
    expect(starts.length).toBeGreaterThan(5);
    expect(ends.size).toBe(starts.length);
    const stepStarts = new Set(doc.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'step').map((e) => `${e.tid}@${e.ts}`));
    const slices = doc.traceEvents.filter((e) => e.ph === 'X');
    for (const s of starts) {
      const f = ends.get(s.id)!;
      expect(f.bp).toBe('e');
      expect(f.ts!).toBeGreaterThan(s.ts!);
      expect(stepStarts).toContain(`${f.tid}@${f.ts}`);
      // the flow leaves from inside the slice that made the wake
      expect(slices.some((x) => x.tid === s.tid && x.ts! <= s.ts! && s.ts! < x.ts! + x.dur!)).toBe(true);
    }
  });

  it('names the process and orders the tracks loop, network, then tasks as they appear', () => {
    const d = toChromeTrace(trace, { processName: 'seed 3' });
    expect(d.traceEvents).toContainEqual(expect.objectContaining({ ph: 'M', name: 'process_name', args: { name: 'seed 3' } }));
    const names = trackNames(d);
    const order = d.traceEvents.filter((e) => e.name === 'thread_sort_index').sort((a, b) => Number(a.args!.sort_index) - Number(b.args!.sort_index));
    expect(order.slice(0, 3).map((e) => names.get(e.tid))).toEqual(['loop', 'network', 'main']);
  });

  it('gives a later task that reuses a finished task\'s name a track of its own', async () => {
    const t = await traceOf(async () => {
      for (let i = 0; i < 2; i++) await createTask(() => sleep(1), { name: 'worker' });
    });
    const names = [...trackNames(toChromeTrace(t)).values()];
    expect(names).toEqual(expect.arrayContaining(['worker', 'worker (2)']));
  });

  it('is the same document for the same trace', async () => {
    const again = await traceOf(queueTimerAndEcho, { seed: 3, strategy: 'random' });
    expect(JSON.stringify(toChromeTrace(again))).toBe(JSON.stringify(doc));
  });

  it('spreads same-instant events by the spacing asked for', () => {
    const d = toChromeTrace(
      [
        { time: 5, kind: 'jump', detail: '+5' },
        { time: 5, kind: 'timer', handle: '#1', detail: 'tick' },
        { time: 5, kind: 'send', detail: 'conn#1 a -> b 3B' },
        { time: 9, kind: 'jump', detail: '+4' },
      ],
      { spacing: 10 },
    );
    expect(d.traceEvents.filter((e) => e.ph !== 'M').map((e) => e.ts)).toEqual([5000, 5010, 5020, 9020]);
  });

  it('rejects bad options, naming them', () => {
    expect(() => toChromeTrace(trace, { spacing: 0 })).toThrow(RangeError);
    expect(() => toChromeTrace(trace, { spacing: Number.NaN })).toThrow(/spacing must be a number/);
    expect(() => toChromeTrace(trace, { processName: 7 as unknown as string })).toThrow(TypeError);
  });

  it('writes no control character or lone surrogate, raw or escaped, whatever the names and details hold', () => {
    const text = JSON.stringify(
      toChromeTrace([
        { time: 0, kind: 'create', task: 'tab\there\u0001' },
        { time: 0, kind: 'done', task: 'tab\there\u0001', detail: 'failed: Error: \ud800 bell\u0007 del\u007f' },
      ]),
    );
    expect(text).not.toMatch(/\\u[0-9a-f]{4}|[\u0000-\u001f\u007f]/i);
    expect(text).toContain('tab\ufffdhere\ufffd');
  });

  it('gives an empty trace as a document with only its tracks named', () => {
    const d = toChromeTrace([]);
    expect(d.traceEvents.every((e) => e.ph === 'M')).toBe(true);
  });
});

describe('writeChromeTrace', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'simloop-trace-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the document as JSON that parses back to it', () => {
    const path = join(dir, 'out.json');
    writeChromeTrace(path, trace, { processName: 'run' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(JSON.parse(JSON.stringify(toChromeTrace(trace, { processName: 'run' }))));
  });

  it('rejects a path that is not a string', () => {
    expect(() => writeChromeTrace(42 as unknown as string, trace)).toThrow(/path must be a non-empty string/);
  });
});
