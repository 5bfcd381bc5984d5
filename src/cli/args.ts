import { parseArgs } from 'node:util';
import { decodeToken } from '../schedule/replay-token.js';
import { applyExploreEnv, type SimloopEnv } from '../testing/env-overrides.js';
import { UsageError } from '../explore/usage-error.js';

/** Schedules `simloop explore` tries when neither `--runs` nor `SIMLOOP_RUNS` says (explore's own default). */
export const DEFAULT_CLI_RUNS = 100;

/** `simloop run <module>`: one run, printed as a timeline. */
export interface RunCommand {
  kind: 'run';
  module: string;
  /** Undefined when neither --seed nor SIMLOOP_SEED says: the module's world seed, else 0. */
  seed: string | undefined;
  strategy: 'fifo' | 'random';
  timeline: boolean;
}

/** `simloop explore <module>`; `replay` is set when `SIMLOOP_REPLAY` asks for just that schedule. */
export interface ExploreCommand {
  kind: 'explore';
  module: string;
  runs: number;
  seed: string | undefined;
  strategy: 'random' | 'pct';
  depth: number | undefined;
  jobs: number;
  trace: string | undefined;
  selfCheck: boolean;
  replay: string | undefined;
}

/** `simloop replay <module> --replay TOKEN`. */
export interface ReplayCommand {
  kind: 'replay';
  module: string;
  replay: string;
  trace: string | undefined;
}

/** What a command line asks for. */
export type Command = { kind: 'help' } | { kind: 'version' } | RunCommand | ExploreCommand | ReplayCommand;

/** The usage text of `simloop --help`. */
export const USAGE = `usage: simloop explore <module> [--runs N] [--seed S] [--strategy random|pct] [--depth D]
                        [--jobs J] [--trace out.json] [--self-check]
       simloop replay <module> --replay TOKEN [--trace out.json]
       simloop run <module> [--seed S] [--strategy fifo|random] [--timeline]
       simloop --help | --version

  <module>      a module whose default export (else its export "scenario") is the
                scenario, (world) => Promise<void>; its export "world" gives the world
                options (fakeGlobals, strict, maxTime, ...). .ts modules load through tsx.
  explore       run the scenario under many schedules until one fails; shrink the
                failing one and print it with the command that replays it
  --runs        schedules to try (default ${DEFAULT_CLI_RUNS}; env SIMLOOP_RUNS wins)
  --seed        the explore seed (default: from the clock, and printed; env SIMLOOP_SEED wins)
  --strategy    random (default) or pct (probabilistic concurrency testing)
  --depth       pct's depth: depth - 1 priority change points per run (default 3)
  --jobs        worker threads sharing the runs (default 1); same result as one
  --trace       write the failing schedule's trace (or the last run's) as Chrome
                Trace Event JSON (open it in https://ui.perfetto.dev)
  --self-check  run each seed twice and report where the two runs part
  replay        run the one schedule a replay token describes (env SIMLOOP_REPLAY wins;
                with explore, SIMLOOP_REPLAY runs just that schedule)
  run           run the scenario once; --strategy fifo (asyncio's order, default) or
                random; --timeline prints every event, not only the last 40

exit status: 0 every run passed, 1 a run failed, 2 a usage error`;

type OptionName = 'runs' | 'seed' | 'strategy' | 'depth' | 'jobs' | 'trace' | 'self-check' | 'replay' | 'timeline' | 'help' | 'version';

const OPTIONS = {
  runs: { type: 'string' },
  seed: { type: 'string' },
  strategy: { type: 'string' },
  depth: { type: 'string' },
  jobs: { type: 'string' },
  trace: { type: 'string' },
  'self-check': { type: 'boolean' },
  replay: { type: 'string' },
  timeline: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

const ALLOWED: Record<'run' | 'explore' | 'replay', ReadonlySet<OptionName>> = {
  run: new Set(['seed', 'strategy', 'timeline']),
  explore: new Set(['runs', 'seed', 'strategy', 'depth', 'jobs', 'trace', 'self-check']),
  replay: new Set(['replay', 'trace']),
};

function positiveInteger(text: string, what: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${what} must be an integer >= 1, got ${JSON.stringify(text)}`);
  return n;
}

function envMessage(e: unknown): never {
  throw new UsageError(e instanceof Error ? e.message : String(e));
}

/**
 * Parse a `simloop` command line (`argv` without node and the script) and
 * apply the environment's overrides (`SIMLOOP_SEED`, `SIMLOOP_RUNS`,
 * `SIMLOOP_REPLAY` win over the options). Throws a `UsageError` with a
 * one-line message for an unknown command or option, an option the command
 * does not take, a missing or malformed value, or a damaged replay token.
 */
export function parseCommand(argv: readonly string[], env: SimloopEnv = process.env): Command {
  const { values, positionals, tokens } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: false, tokens: true });
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const spec = (OPTIONS as Record<string, { type: 'string' | 'boolean' }>)[t.name];
    if (spec === undefined) throw new UsageError(`unknown option ${t.rawName} (try simloop --help)`);
    // Without strict parsing, "--trace --runs 5" would take "--runs" as the file name.
    if (spec.type === 'string' && (t.value === undefined || (t.inlineValue === false && t.value.startsWith('--')))) throw new UsageError(`${t.rawName} needs a value`);
    if (spec.type === 'boolean' && t.inlineValue === true) throw new UsageError(`${t.rawName} takes no value`);
  }
  if (values.help === true) return { kind: 'help' };
  if (values.version === true) return { kind: 'version' };
  const [command, module, ...extra] = positionals;
  if (command === undefined) throw new UsageError('missing command: explore, replay or run (try simloop --help)');
  if (command !== 'run' && command !== 'explore' && command !== 'replay') throw new UsageError(`unknown command "${command}" (try simloop --help)`);
  for (const t of tokens) {
    if (t.kind === 'option' && !ALLOWED[command].has(t.name as OptionName)) throw new UsageError(`simloop ${command} takes no ${t.rawName} (try simloop --help)`);
  }
  if (module === undefined || module === '') throw new UsageError(`simloop ${command}: missing <module>`);
  if (extra.length > 0) throw new UsageError(`simloop ${command}: unexpected argument "${extra[0]}"`);
  const str = (name: OptionName): string | undefined => values[name] as string | undefined;
  const trace = str('trace');
  if (trace === '') throw new UsageError('--trace needs a file name');

  if (command === 'run') {
    const strategy = str('strategy') ?? 'fifo';
    if (strategy !== 'fifo' && strategy !== 'random') throw new UsageError(`--strategy must be fifo or random, got ${JSON.stringify(strategy)}`);
    const given = applyExploreEnv({ seed: str('seed') }, { SIMLOOP_SEED: env['SIMLOOP_SEED'] }).seed;
    const seed = given === undefined ? undefined : String(given);
    return { kind: 'run', module, seed, strategy, timeline: values.timeline === true };
  }

  if (command === 'replay') {
    let token = str('replay');
    try {
      token = applyExploreEnv({ replay: token }, { SIMLOOP_REPLAY: env['SIMLOOP_REPLAY'] }).replay;
    } catch (e) {
      envMessage(e);
    }
    if (token === undefined || token.trim() === '') throw new UsageError('simloop replay: missing --replay TOKEN (the token a failing run printed)');
    token = token.trim();
    try {
      decodeToken(token, '--replay');
    } catch (e) {
      envMessage(e);
    }
    return { kind: 'replay', module, replay: token, trace };
  }

  const strategy = str('strategy') ?? 'random';
  if (strategy !== 'random' && strategy !== 'pct') throw new UsageError(`--strategy must be random or pct, got ${JSON.stringify(strategy)}`);
  const depthText = str('depth');
  const depth = depthText === undefined ? undefined : positiveInteger(depthText, '--depth');
  if (depth !== undefined && strategy !== 'pct') throw new UsageError('--depth is PCT\'s setting: add --strategy pct');
  const jobsText = str('jobs');
  const runsText = str('runs');
  let opts: { runs?: number; seed?: number | string; replay?: string } = {};
  if (runsText !== undefined) opts.runs = positiveInteger(runsText, '--runs');
  if (str('seed') !== undefined) opts.seed = str('seed');
  try {
    opts = applyExploreEnv(opts, env);
  } catch (e) {
    envMessage(e);
  }
  return {
    kind: 'explore',
    module,
    runs: opts.runs ?? DEFAULT_CLI_RUNS,
    seed: opts.seed === undefined ? undefined : String(opts.seed),
    strategy,
    depth,
    jobs: jobsText === undefined ? 1 : positiveInteger(jobsText, '--jobs'),
    trace,
    selfCheck: values['self-check'] === true,
    replay: opts.replay,
  };
}
