import { describe, expect, it } from 'vitest';
import { formatDuration, Progress } from '../../src/cli/progress.js';

/** A stream that records what is written, and a clock the test moves. */
function fakes(isTTY: boolean, columns = 100): { stream: { isTTY: boolean; columns: number; write(t: string): void; text: string }; clock: { t: number; now(): number } } {
  const stream = { isTTY, columns, text: '', write(t: string) { this.text += t; } };
  const clock = { t: 0, now() { return this.t; } };
  return { stream, clock };
}

describe('Progress on a terminal', () => {
  it('draws a bar with runs done/total, rate and ETA, redrawn in place on one line', () => {
    const { stream, clock } = fakes(true);
    const p = new Progress(100, stream, { now: () => clock.now() });
    clock.t = 2000;
    p.update(25);
    const frames = stream.text.split('\r\x1b[2K').filter((f) => f !== '');
    expect(frames[0]).toBe('[..............................] explore:   0/100 runs (0%), -- runs/s, ETA --');
    expect(frames[1]).toBe('[########......................] explore:  25/100 runs (25%), 13 runs/s, ETA 6s');
    expect(stream.text).not.toContain('\n');
  });

  it('redraws at most every redrawMs, but always for the last run', () => {
    const { stream, clock } = fakes(true);
    const p = new Progress(10, stream, { now: () => clock.now(), redrawMs: 100 });
    const frames = (): number => stream.text.split('\r\x1b[2K').filter((f) => f !== '').length;
    clock.t = 50;
    p.update(1);
    expect(frames()).toBe(1);
    clock.t = 150;
    p.update(2);
    expect(frames()).toBe(2);
    clock.t = 160;
    p.update(10);
    expect(frames()).toBe(3);
  });

  it('measures the rate over the recent window, so a slow start fades out of the ETA', () => {
    const { stream, clock } = fakes(true);
    const p = new Progress(1000, stream, { now: () => clock.now(), windowMs: 1000 });
    clock.t = 10_000;
    p.update(10);
    clock.t = 11_000;
    p.update(110);
    const last = stream.text.split('\r\x1b[2K').at(-1)!;
    expect(last).toContain(' 110/1000 runs (11%), 100 runs/s, ETA 9s');
  });

  it('clears its line when it finishes, and draws nothing after', () => {
    const { stream, clock } = fakes(true);
    const p = new Progress(4, stream, { now: () => clock.now() });
    p.finish();
    expect(stream.text.endsWith('\r\x1b[2K')).toBe(true);
    const before = stream.text;
    clock.t = 1000;
    p.update(4);
    expect(stream.text).toBe(before);
  });

  it('fits a narrow terminal: no bar, and never wider than the line', () => {
    const { stream } = fakes(true, 40);
    new Progress(100, stream, { now: () => 0 });
    const frame = stream.text.replace('\r\x1b[2K', '');
    expect(frame.startsWith('[')).toBe(false);
    expect(frame.length).toBeLessThan(40);
  });
});

describe('Progress elsewhere (a pipe, a CI log)', () => {
  it('writes a plain line every tenth of the runs and at the last, without control characters', () => {
    const { stream, clock } = fakes(false);
    const p = new Progress(30, stream, { now: () => clock.now() });
    for (let done = 1; done <= 30; done++) {
      clock.t = done * 100;
      p.update(done);
    }
    p.finish();
    const lines = stream.text.trimEnd().split('\n');
    expect(lines.map((l) => l.split(' ')[1])).toEqual(['3/30', '6/30', '9/30', '12/30', '15/30', '18/30', '21/30', '24/30', '27/30', '30/30']);
    expect(lines[0]).toBe('explore: 3/30 runs (10%), 10 runs/s, ETA 3s');
    expect(lines[9]).toBe('explore: 30/30 runs (100%), 10 runs/s, ETA 0s');
    expect(stream.text).not.toMatch(/[\r\x1b]/);
  });

  it('writes a line per run when fewer than ten runs were asked for', () => {
    const { stream } = fakes(false);
    const p = new Progress(3, stream, { now: () => 0 });
    p.update(1);
    p.update(2);
    p.update(3);
    expect(stream.text.split('\n').filter((l) => l !== '')).toHaveLength(3);
  });
});

describe('formatDuration', () => {
  it('reads as seconds, then m:ss, then h:mm:ss', () => {
    expect(formatDuration(4.4)).toBe('4s');
    expect(formatDuration(65)).toBe('1:05');
    expect(formatDuration(7384)).toBe('2:03:04');
    expect(formatDuration(Infinity)).toBe('--');
  });
});
