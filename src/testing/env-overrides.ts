import type { ExploreOptions } from '../explore/explore.js';
import { decodeToken } from '../schedule/replay-token.js';

/** The environment variables that override explore's options. */
export type SimloopEnv = Readonly<Record<string, string | undefined>>;

/**
 * `opts` with the environment's overrides applied: `SIMLOOP_REPLAY=<token>`
 * (run just that schedule), `SIMLOOP_SEED` (the explore seed, as a string; surrounding blanks dropped)
 * and `SIMLOOP_RUNS` (an integer >= 1). An unset or empty variable overrides
 * nothing; a malformed one throws a RangeError naming it, before any run.
 */
export function applyExploreEnv<T extends ExploreOptions>(opts: T, env: SimloopEnv = process.env): T {
  const out: T = { ...opts };
  const runs = env['SIMLOOP_RUNS'];
  if (runs !== undefined && runs !== '') {
    const n = /^\s*\d+\s*$/.test(runs) ? Number(runs) : NaN;
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`SIMLOOP_RUNS must be an integer >= 1, got ${JSON.stringify(runs)}`);
    out.runs = n;
  }
  const seed = env['SIMLOOP_SEED']?.trim();
  if (seed !== undefined && seed !== '') out.seed = seed;
  const token = env['SIMLOOP_REPLAY']?.trim();
  if (token !== undefined && token !== '') {
    // Decoded here so that a damaged token is reported under the variable's name.
    decodeToken(token, 'SIMLOOP_REPLAY');
    out.replay = token;
  }
  return out;
}
