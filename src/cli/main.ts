#!/usr/bin/env node
/**
 * The `simloop` command: `explore` a scenario module under many schedules
 * (on worker threads with `--jobs`), `replay` one schedule from its token,
 * or `run` it once. Exit codes: 0 every run passed, 1 a run failed (printed
 * with the command that replays it), 2 a usage error, said in one line.
 * The library loads only once the command line parsed, so a usage error is
 * reported at once.
 */
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { parseCommand, USAGE } from './args.js';
import type { CommandIo } from './explore-command.js';
import { scenarioModulePath } from '../explore/scenario-module.js';
import { UsageError } from '../explore/usage-error.js';

/**
 * The entry of an explore worker thread once the CLI is bundled (its boot
 * code imports dist/cli.js and calls this): see `exploreParallel`.
 */
export async function exploreWorkerMain(): Promise<void> {
  const parallel = await import('../explore/parallel.js');
  await parallel.exploreWorkerMain();
}

const io: CommandIo = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
  progress: process.stderr,
};

/** The package's version: dist/cli.js sits one level below package.json, src/cli/main.ts two. */
function packageVersion(): string {
  const require = createRequire(import.meta.url);
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const pkg = require(path) as { name?: string; version?: string };
      if (pkg.name === 'simloop' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}

async function main(argv: string[]): Promise<number> {
  const cmd = parseCommand(argv);
  switch (cmd.kind) {
    case 'help':
      io.out(USAGE);
      return 0;
    case 'version':
      io.out(packageVersion());
      return 0;
    case 'run':
    case 'explore':
    case 'replay': {
      // A missing module is a usage error: say so before loading the library.
      scenarioModulePath(cmd.module);
      // The package's entry registers the loop's methods and default backends, as for any user of simloop.
      await import('../index.js');
      if (cmd.kind === 'run') return (await import('./run-command.js')).runCommand(cmd, io);
      const commands = await import('./explore-command.js');
      return cmd.kind === 'explore' ? commands.exploreCommand(cmd, io) : commands.replayCommand(cmd, io);
    }
  }
}

function isOneLineError(e: unknown): e is Error {
  // By name too: an explore worker's ScenarioModuleError arrives rebuilt as a plain Error.
  return e instanceof UsageError || (e instanceof Error && e.name === 'ScenarioModuleError');
}

// In a worker thread (an explore worker booting from the bundle) this file only provides exploreWorkerMain.
if (isMainThread) {
  // `simloop explore ... | head` closes the pipe early: stop quietly, as Unix tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      if (isOneLineError(e)) {
        process.stderr.write(`simloop: ${e.message}\n`);
        process.exitCode = 2;
      } else {
        console.error(e);
        process.exitCode = 1;
      }
    },
  );
}
