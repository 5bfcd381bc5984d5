import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository root: the CLI runs from here, so fixture paths read as a user would type them. */
export const repo = resolve(import.meta.dirname, '../..');

/** What one `simloop` invocation gave. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run the `simloop` CLI from the sources (node --import tsx src/cli/main.ts)
 * with `args`, in the repository root, stdout and stderr piped (so not a TTY),
 * and the SIMLOOP_* variables cleared unless `env` sets them.
 */
export function simloop(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const base: Record<string, string | undefined> = { ...process.env };
  // A child would see an undefined value as the string "undefined": drop the keys.
  for (const k of ['SIMLOOP_SEED', 'SIMLOOP_RUNS', 'SIMLOOP_REPLAY']) delete base[k];
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repo, env: { ...base, ...env }, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      done({ code, stdout, stderr });
    });
  });
}

/** The arguments after `simloop` of the replay command a failure printed. */
export function printedReplayArgs(stdout: string): string[] {
  const line = stdout.split('\n').find((l) => l.trim().startsWith('simloop replay '));
  if (line === undefined) throw new Error(`no "simloop replay" command in:\n${stdout}`);
  return line.trim().split(/\s+/).slice(1);
}
