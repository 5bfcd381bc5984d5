import fc from 'fast-check';

/**
 * fast-check parameters for one property: `numRuns` scaled by
 * `SIMLOOP_PROP_SCALE` (default 1), and `FC_SEED` / `FC_PATH` to replay the
 * counterexample a failing run printed (fast-check prints both on failure).
 */
export function params<T>(numRuns: number, extra: fc.Parameters<T> = {}): fc.Parameters<T> {
  const scale = Number(process.env.SIMLOOP_PROP_SCALE ?? '1');
  const p: fc.Parameters<T> = { numRuns: Math.max(1, Math.round(numRuns * (Number.isFinite(scale) && scale > 0 ? scale : 1))), ...extra };
  const seed = process.env.FC_SEED;
  if (seed !== undefined && seed !== '') {
    p.seed = Number(seed);
    const path = process.env.FC_PATH;
    if (path !== undefined && path !== '') p.path = path;
  }
  return p;
}
