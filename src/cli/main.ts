#!/usr/bin/env node
/**
 * The `simloop` command. `simloop run <module>` runs the module's scenario
 * (its default export, else its export `scenario`: `(world) => Promise<void>`)
 * once in a simulated world and prints the run's timeline. Exit codes: 0 the
 * run passed, 1 it failed, 2 a usage error (said in one line).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { simulate, type SimWorld, type SimWorldOptions } from '../index.js';
import { formatTimeline } from '../explore/timeline.js';

const USAGE = `usage: simloop run <module> [--seed S] [--strategy fifo|random] [--timeline]
       simloop --help | --version

  run         run the module's scenario (default export, or export "scenario")
              once in a simulated world; world options come from its export "world"
  --seed      the world's seed (default 0)
  --strategy  fifo (asyncio's order, default) or random (permutes what asyncio leaves unordered)
  --timeline  print every event of the run, not only the last 40`;

class UsageError extends Error {}

type Scenario = (world: SimWorld) => Promise<unknown>;

async function loadScenario(path: string): Promise<{ scenario: Scenario; world: SimWorldOptions }> {
  const abs = resolve(process.cwd(), path);
  if (!existsSync(abs)) throw new UsageError(`no such module: ${path}`);
  if (/\.[mc]?ts$/.test(abs)) {
    try {
      const api = (await import('tsx/esm/api')) as { register(): unknown };
      api.register();
    } catch {
      throw new UsageError(`${path} is TypeScript: install tsx (npm install -D tsx) so simloop can load it`);
    }
  }
  const mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  const scenario = (typeof mod.default === 'function' ? mod.default : mod.scenario) as Scenario | undefined;
  if (typeof scenario !== 'function') throw new UsageError(`${path} exports no scenario (a default export or an export named "scenario")`);
  const world = (mod.world ?? {}) as SimWorldOptions;
  return { scenario, world };
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        seed: { type: 'string' },
        strategy: { type: 'string' },
        timeline: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.version) {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
    console.log(pkg.version);
    return 0;
  }
  const [command, path, ...extra] = positionals;
  if (command === undefined) throw new UsageError('missing command (try simloop --help)');
  if (command !== 'run') throw new UsageError(`unknown command "${command}" (try simloop --help)`);
  if (path === undefined) throw new UsageError('simloop run: missing <module>');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const strategy = values.strategy ?? 'fifo';
  if (strategy !== 'fifo' && strategy !== 'random') throw new UsageError(`--strategy must be fifo or random, got "${strategy}"`);
  const { scenario, world } = await loadScenario(path);
  let ranWorld: SimWorld | null = null;
  const opts: SimWorldOptions = { ...world, strategy, seed: values.seed ?? world.seed ?? 0 };
  const limit = values.timeline ? Infinity : 40;
  try {
    await simulate(async (w) => {
      ranWorld = w;
      await scenario(w);
    }, opts);
  } catch (e) {
    if (ranWorld !== null) console.log(formatTimeline((ranWorld as SimWorld).trace(), { limit }));
    console.error(`\nFAILED (seed ${String(opts.seed)}, strategy ${strategy}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
  const trace = (ranWorld as SimWorld | null)?.trace() ?? [];
  console.log(formatTimeline(trace, { limit }));
  console.log(`\npassed (seed ${String(opts.seed)}, strategy ${strategy}): ${trace.length} events, ended at ${trace.length > 0 ? trace[trace.length - 1]!.time : 0} ms of virtual time`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(`simloop: ${e.message}`);
      process.exitCode = 2;
    } else {
      console.error(e);
      process.exitCode = 1;
    }
  },
);
