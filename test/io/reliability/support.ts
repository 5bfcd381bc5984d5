/** Counts of every kind of resource keeping the process alive now (`process.getActiveResourcesInfo()`). */
export function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/**
 * What is held now beyond `baseline`, by kind: what we left behind (the test
 * runner's own timers may come and go, so fewer than the baseline is fine).
 */
export function leftSince(baseline: Record<string, number>): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [kind, n] of Object.entries(resourceCounts())) if (n > (baseline[kind] ?? 0)) extra[kind] = n - (baseline[kind] ?? 0);
  return extra;
}
