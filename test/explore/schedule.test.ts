import { describe, expect, it } from 'vitest';
import { createTask, simulate, sleep } from '../../src/index.js';
import { decodeToken, encodeToken } from '../../src/schedule/replay-token.js';
import { Schedule } from '../../src/schedule/schedule.js';
import { DecisionLog, decisionWeight, trimDecisions } from '../../src/schedule/decisions.js';
import { ListChooser } from '../../src/schedule/chooser.js';
import { IndexedHeap } from '../../src/schedule/indexed-heap.js';

/** Two tasks that each log three steps; the log shows the interleaving. */
async function interleave(): Promise<string> {
  const log: string[] = [];
  const mk = (name: string) =>
    createTask(async () => {
      for (let i = 0; i < 3; i++) {
        log.push(`${name}${i}`);
        await sleep(0);
      }
    });
  await Promise.all([mk('a'), mk('b')]);
  return log.join(' ');
}

describe('Schedule', () => {
  it('with no decisions runs as fifo does', async () => {
    const fifo = await simulate(interleave, { strategy: 'fifo' });
    const empty = await simulate(interleave, { strategy: new Schedule(1) });
    expect(empty).toBe(fifo);
  });

  it('one value always gives the same run', async () => {
    const s = new Schedule(9, { picks: [1, 0, 1, 1], draws: {} });
    expect(await simulate(interleave, { strategy: s })).toBe(await simulate(interleave, { strategy: s }));
  });

  it('a pick of 1 lets the younger ready origin run first', async () => {
    const fifo = await simulate(interleave, { strategy: 'fifo' });
    const swapped = await simulate(interleave, { strategy: new Schedule(0, { picks: [1, 1, 1, 1, 1, 1], draws: {} }) });
    expect(swapped).not.toBe(fifo);
  });

  it('wraps a pick larger than the ready origins around', async () => {
    const a = await simulate(interleave, { strategy: new Schedule(0, { picks: [3], draws: {} }) });
    const b = await simulate(interleave, { strategy: new Schedule(0, { picks: [1], draws: {} }) });
    expect(a).toBe(b);
  });

  it('is frozen and prints readably', () => {
    const s = new Schedule('x', { picks: [0, 2], draws: { jitter: [5] } });
    expect(Object.isFrozen(s)).toBe(true);
    expect(String(s)).toBe('Schedule(seed x: picks [0, 2], jitter [5])');
    expect(s.weight).toBe(2);
  });

  it('rejects bad decisions naming them', () => {
    expect(() => new Schedule(0, { picks: [-1], draws: {} })).toThrow(/picks\[0\]/);
    expect(() => new Schedule(0, { picks: [], draws: { jitter: [1.5] } })).toThrow(/draws\.jitter\[0\]/);
    expect(() => new Schedule(0, null as never)).toThrow(TypeError);
  });
});

describe('replay tokens', () => {
  it('round-trip settings and decisions', () => {
    const content = { strategy: 'pct', depth: 4, seed: 's#3', world: { strict: false, maxTime: 1000 }, decisions: { picks: [0, 5, 300, 0], draws: { jitter: [65535, 0], loss: [1] } } };
    const back = decodeToken(encodeToken(content));
    expect(back).toEqual(content);
  });

  it('are compact for long FIFO-heavy decision lists', () => {
    const picks = Array.from({ length: 5000 }, (_, i) => (i % 97 === 0 ? 1 : 0));
    expect(encodeToken({ strategy: 'random', depth: 3, seed: '1', world: {}, decisions: { picks, draws: {} } }).length).toBeLessThan(400);
  });

  it('say clearly what is wrong with a foreign, damaged or future token', () => {
    expect(() => decodeToken('hello')).toThrow(/not a simloop replay token/);
    expect(() => decodeToken('sl9_abc')).toThrow(/version "sl9_" is not supported/);
    expect(() => decodeToken('sl3_!!!!')).toThrow(/damaged/);
    expect(() => decodeToken(42)).toThrow(TypeError);
  });

  it('are version 3 (sl3_): a pick indexes the origins with ready handles, the oldest at 0', () => {
    expect(encodeToken({ strategy: 'random', depth: 3, seed: '1', world: {}, decisions: { picks: [1], draws: {} } })).toMatch(/^sl3_/);
  });

  it('of version 2 (sl2_, made before every ready origin was a choice) are refused with the reason and what to do instead', () => {
    expect(() => decodeToken('sl2_M61WKlayUipKzEvJz1XSUUpRsjLWUSpOTU1RslIyVDZU0lEqV7KqrtVRKi4pSk3MLVayio6t5WBkgAAA')).toThrow(
      /replay token version "sl2_" was made by an older simloop and cannot be replayed: version 3 changed what a pick means.*sl3_ token/,
    );
  });

  it('of version 1 (sl1_) are refused with the reason and what to do instead', () => {
    expect(() => decodeToken('sl1_M61WKlayUipKzEvJz1XSUUpRsjLWUSpOTU1RslIyVDZU0lEqV7KqrtVRKi4pSk3MLVayio6t5WBkgAAA')).toThrow(
      /replay token version "sl1_" was made by an older simloop and cannot be replayed: .*rerun explore .*sl3_ token/,
    );
  });
});

describe('decisions', () => {
  it('trim drops trailing targets and empty streams', () => {
    expect(trimDecisions({ picks: [1, 0, 0], draws: { jitter: [0, 0], loss: [0, 3, 0] } })).toEqual({ picks: [1], draws: { loss: [0, 3] } });
  });

  it('weigh only what differs from the target', () => {
    expect(decisionWeight({ picks: [0, 1, 2, 0], draws: { jitter: [0, 9] } })).toBe(3);
  });

  it('a strict list reports a pick out of range and takes the target', () => {
    const errors: RangeError[] = [];
    const c = new ListChooser({ picks: [4], draws: {} }, new DecisionLog(), true, (e) => errors.push(e));
    expect(c.pick(2)).toBe(0);
    expect(errors[0]!.message).toMatch(/pick #0 chose ready origin 4, but only 2 were ready/);
  });

  it('a list past its end takes every target', () => {
    const c = new ListChooser({ picks: [1], draws: { jitter: [7] } }, new DecisionLog(), true, () => {});
    expect([c.pick(3), c.pick(3), c.draw('jitter'), c.draw('jitter'), c.draw('loss')]).toEqual([1, 0, 7, 0, 0]);
    expect(c.log.snapshot()).toEqual({ picks: [1, 0], draws: { jitter: [7, 0], loss: [0] } });
  });
});

describe('IndexedHeap', () => {
  it('keeps order under push, remove and re-keying, and tracks slots', () => {
    type N = { k: number; slot: number };
    const h = new IndexedHeap<N>((a, b) => a.k < b.k, (x) => x.slot, (x, i) => (x.slot = i));
    const ns: N[] = [5, 3, 8, 1, 9, 2].map((k) => ({ k, slot: -1 }));
    for (const n of ns) h.push(n);
    h.remove(ns[3]!);
    ns[0]!.k = 0;
    h.update(ns[0]!);
    const out: number[] = [];
    while (h.size > 0) {
      const top = h.items[0]!;
      out.push(top.k);
      h.remove(top);
    }
    expect(out).toEqual([0, 2, 3, 8, 9]);
    expect(ns.every((n) => n.slot === -1)).toBe(true);
  });
});
