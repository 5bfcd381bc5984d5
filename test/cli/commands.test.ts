import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import '../../src/index.js';
import type { ExploreCommand, ReplayCommand } from '../../src/cli/args.js';
import { exploreCommand, replayCommand, replayCommandLine, shellQuote, type CommandIo } from '../../src/cli/explore-command.js';
import { runCommand } from '../../src/cli/run-command.js';
import { UsageError } from '../../src/explore/usage-error.js';
import { encodeToken } from '../../src/schedule/replay-token.js';

const dir = mkdtempSync(join(tmpdir(), 'simloop-cli-commands-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LOST = 'test/cli/fixtures/lost-update.ts';
const FIXED = 'test/cli/fixtures/fixed-update.js';
// The commands resolve modules against the current directory, as the CLI does: the repository root here.
process.chdir(resolve(import.meta.dirname, '../..'));

function capture(): CommandIo & { stdout: () => string; stderr: () => string; drawn: () => string } {
  let out = '';
  let err = '';
  let drawn = '';
  return {
    out: (t) => void (out += `${t}\n`),
    err: (t) => void (err += `${t}\n`),
    progress: { isTTY: false, write: (t: string) => void (drawn += t) },
    stdout: () => out,
    stderr: () => err,
    drawn: () => drawn,
  };
}

function exploreCmd(module: string, over: Partial<ExploreCommand> = {}): ExploreCommand {
  return { kind: 'explore', module, runs: 10, seed: '1', strategy: 'random', depth: undefined, jobs: 1, trace: undefined, selfCheck: false, replay: undefined, ...over };
}

function replayCmd(module: string, replay: string, trace?: string): ReplayCommand {
  return { kind: 'replay', module, replay, trace };
}

/** The token in the "simloop replay" line a failure printed. */
function printedToken(stdout: string): string {
  const m = /simloop replay \S+ --replay (sl3_\S+)/.exec(stdout);
  if (m === null) throw new Error(`no replay command in:\n${stdout}`);
  return m[1]!;
}

describe('exploreCommand', () => {
  it('prints the report and the command that gives the same runs again when every run passes', async () => {
    const io = capture();
    expect(await exploreCommand(exploreCmd(FIXED, { runs: 5, seed: 'abc' }), io)).toBe(0);
    expect(io.stdout()).toMatch(/^passed: all 5 runs \(seed "abc", strategy random\) in \d+\.\d\d s, \d+ runs\/s\n/);
    expect(io.stdout()).toContain(`the same runs again: simloop explore ${FIXED} --runs 5 --seed abc\n`);
  });

  it('names pct and its depth in the report', async () => {
    const io = capture();
    expect(await exploreCommand(exploreCmd(FIXED, { runs: 3, strategy: 'pct', depth: 2 }), io)).toBe(0);
    expect(io.stdout()).toContain('(seed "1", strategy pct, depth 2)');
    expect(io.stdout()).toContain('--strategy pct --depth 2');
  });

  it('prints the failure (cause, shrink, timeline) and then the exact replay command, and writes the shrunk schedule\'s trace', async () => {
    const io = capture();
    const trace = join(dir, 'fail.json');
    expect(await exploreCommand(exploreCmd(LOST, { trace }), io)).toBe(1);
    const out = io.stdout();
    expect(out).toMatch(/^explore: run 2 failed \(seed "1#1", strategy random\):\n {2}Error: lost update: balance is 1, expected 2\n/);
    expect(out).toContain('timeline of the failing schedule');
    expect(out.trimEnd().endsWith(`replay it:\n  ${replayCommandLine(LOST, printedToken(out))}`)).toBe(true);
    const json = JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: { name: string; args?: { name?: string } }[] };
    expect(json.traceEvents.filter((e) => e.name === 'thread_name').map((e) => e.args?.name)).toEqual(expect.arrayContaining(['main', 'deposit-a', 'deposit-b']));
    expect(io.stderr()).toContain(`written to ${trace}`);
  });

  it('replays just the SIMLOOP_REPLAY schedule instead of exploring', async () => {
    const first = capture();
    await exploreCommand(exploreCmd(LOST), first);
    const token = printedToken(first.stdout());
    const io = capture();
    expect(await exploreCommand(exploreCmd(LOST, { replay: token, runs: 1000 }), io)).toBe(1);
    expect(io.stdout()).toContain('the replayed schedule failed');
    expect(io.drawn()).toBe('');
  });

  it('reports a self-check divergence as a failure, naming the seed', async () => {
    const io = capture();
    expect(await exploreCommand(exploreCmd('test/cli/fixtures/leaks-randomness.ts', { runs: 30, selfCheck: true }), io)).toBe(1);
    expect(io.stdout()).toMatch(/^FAILED: explore selfCheck: seed "1#\d+" gave two different runs/);
  });

  it('makes a usage error of a world export that sets the seed, of a module that throws while loading, and of a missing --trace directory', async () => {
    await expect(exploreCommand(exploreCmd('test/cli/fixtures/world-sets-seed.js'), capture())).rejects.toThrow(
      new UsageError('test/cli/fixtures/world-sets-seed.js: its export "world" must not set seed or strategy (use --seed and --strategy)'),
    );
    const load = await exploreCommand(exploreCmd('test/cli/fixtures/throws-on-load.js'), capture()).catch((e: unknown) => e);
    expect(load).toBeInstanceOf(UsageError);
    expect((load as Error).message).toBe('test/cli/fixtures/throws-on-load.js failed to load: Error: cannot start: missing configuration');
    await expect(exploreCommand(exploreCmd(FIXED, { trace: join(dir, 'no/such/dir/t.json') }), capture())).rejects.toThrow(/^--trace: no such directory: /);
  });
});

describe('replayCommand', () => {
  it('prints the timeline and exits 0 when the schedule passes, and --trace writes that run', async () => {
    const token = encodeToken({ strategy: 'random', depth: 3, seed: '1#0', world: {}, decisions: { picks: [], draws: {} } });
    const io = capture();
    const trace = join(dir, 'replay.json');
    expect(await replayCommand(replayCmd(FIXED, token, trace), io)).toBe(0);
    expect(io.stdout()).toMatch(/the replayed schedule passed \(seed "1#0", strategy random\): \d+ events/);
    expect(JSON.parse(readFileSync(trace, 'utf8'))).toHaveProperty('traceEvents');
  });

  it('makes a usage error of a token that does not fit the scenario', async () => {
    const token = encodeToken({ strategy: 'random', depth: 3, seed: '1#0', world: {}, decisions: { picks: [9], draws: {} } });
    await expect(replayCommand(replayCmd(FIXED, token), capture())).rejects.toThrow(UsageError);
  });
});

describe('runCommand', () => {
  it('still runs a module once and prints its timeline', async () => {
    const io = capture();
    expect(await runCommand({ kind: 'run', module: FIXED, seed: '0', strategy: 'fifo', timeline: false }, io)).toBe(0);
    expect(io.stdout()).toMatch(/passed \(seed 0, strategy fifo\): \d+ events/);
  });
});

describe('shellQuote', () => {
  it('leaves plain paths alone and quotes the rest so a shell reads them back', () => {
    expect(shellQuote('test/cli/x.ts')).toBe('test/cli/x.ts');
    expect(shellQuote('my dir/x.ts')).toBe("'my dir/x.ts'");
    expect(shellQuote("it's.ts")).toBe("'it'\\''s.ts'");
  });
});
