import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { printedReplayArgs, simloop } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'simloop-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LOST = 'test/cli/fixtures/lost-update.ts';
const FIXED = 'test/cli/fixtures/fixed-update.js';

describe('simloop explore (the command, spawned)', () => {
  it('exits 0 and prints the report when every run passes, with plain progress lines on a pipe, and --trace writes the last run as Chrome JSON', async () => {
    const trace = join(dir, 'passed.json');
    const r = await simloop(['explore', FIXED, '--runs', '20', '--seed', '4', '--trace', trace]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^passed: all 20 runs \(seed "4", strategy random\)/m);
    const progress = r.stderr.split('\n').filter((l) => l.startsWith('explore: '));
    expect(progress.map((l) => l.split(' ')[1])).toEqual(['2/20', '4/20', '6/20', '8/20', '10/20', '12/20', '14/20', '16/20', '18/20', '20/20']);
    expect(r.stderr).not.toContain('\x1b');
    const json = JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: { name: string; args?: { name?: string } }[] };
    expect(json.traceEvents.some((e) => e.name === 'thread_name' && e.args?.name === 'deposit-a')).toBe(true);
  });

  it('exits 1 with the cause, the shrunk timeline and the replay command; running that command reproduces the failure', async () => {
    const trace = join(dir, 'failed.json');
    const r = await simloop(['explore', LOST, '--runs', '10', '--seed', '1', '--trace', trace]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Error: lost update: balance is 1, expected 2');
    expect(r.stdout).toContain('timeline of the failing schedule');
    expect(r.stdout).toMatch(/step +deposit-b/);
    const args = printedReplayArgs(r.stdout);
    expect(args.slice(0, 3)).toEqual(['replay', LOST, '--replay']);
    expect(args[3]).toMatch(/^sl3_/);
    expect(JSON.parse(readFileSync(trace, 'utf8'))).toHaveProperty('traceEvents');

    const again = await simloop(args);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('the replayed schedule failed');
    expect(again.stdout).toContain('Error: lost update: balance is 1, expected 2');
    expect(printedReplayArgs(again.stdout)).toEqual(args);
  });
});

describe('simloop usage errors (spawned)', () => {
  it('exits 2 with one line for a missing module', async () => {
    const r = await simloop(['explore', 'test/cli/fixtures/nowhere.ts']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('simloop: no such module: test/cli/fixtures/nowhere.ts\n');
  });

  it('exits 2 with one line for a module that exports no scenario', async () => {
    const r = await simloop(['explore', 'test/cli/fixtures/no-scenario.js']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('simloop: test/cli/fixtures/no-scenario.js exports no scenario (a default export or an export named "scenario": (world) => Promise<void>)\n');
  });

  it('exits 2 with one line for an unknown option (every message is checked in args.test.ts)', async () => {
    const r = await simloop(['explore', FIXED, '--runz', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('simloop: unknown option --runz (try simloop --help)\n');
  });
});
