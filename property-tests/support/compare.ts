import type { Group } from './model.js';

function show(g: Group | undefined): string {
  if (g === undefined) return '(nothing)';
  const ins = g.ins.length > 0 ? ` {${[...g.ins].sort().join(', ')}}` : '';
  return `${g.label}@${g.time}${ins}`;
}

function sameGroup(a: Group, b: Group): boolean {
  if (a.label !== b.label || a.time !== b.time) return false;
  if (a.ins.length !== b.ins.length) return false;
  const x = [...a.ins].sort();
  const y = [...b.ins].sort();
  return x.every((v, i) => v === y[i]);
}

/**
 * Null when `actual` equals `expected` (labels in order, virtual times, and
 * per callback the multiset of what ran inside it); otherwise a message that
 * shows the first difference with a little context from both sides.
 */
export function diffGroups(expected: readonly Group[], actual: readonly Group[]): string | null {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = actual[i];
    if (e !== undefined && a !== undefined && sameGroup(e, a)) continue;
    const from = Math.max(0, i - 3);
    const lines = [`loop callbacks differ at #${i} (model: ${expected.length} callbacks, run: ${actual.length})`];
    for (let j = from; j < Math.min(n, i + 4); j++) {
      const mark = j === i ? '>>' : '  ';
      lines.push(`${mark} #${j}  model: ${show(expected[j])}`);
      lines.push(`${mark} #${j}  run:   ${show(actual[j])}`);
    }
    return lines.join('\n');
  }
  return null;
}

/** Null when the two traces are equal, else where they part. */
export function diffTraces<T>(a: readonly T[], b: readonly T[]): string | null {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = JSON.stringify(a[i]);
    const y = JSON.stringify(b[i]);
    if (x !== y) return `traces part at event #${i} (lengths ${a.length} and ${b.length}):\n  first:  ${x}\n  second: ${y}`;
  }
  return null;
}
