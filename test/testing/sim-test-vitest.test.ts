import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScheduleFailure } from '../../src/index.js';
import { runSimTest } from '../../src/testing/sim-test.js';
import { racyDeposits } from './fixtures/deposits.js';

const repo = resolve(import.meta.dirname, '../..');

interface JsonReport {
  testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
}

/** Run test/testing/fixtures/deposits.fixture.ts under a child vitest (its own config); the JSON report and exit status. */
function runFixture(): { status: number | null; report: JsonReport } {
  const env: Record<string, string | undefined> = { ...process.env };
  // The parent is a vitest worker: its markers (and any SIMLOOP_ override) must not leak into the child run.
  for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k.startsWith('SIMLOOP_')) delete env[k];
  const r = spawnSync(
    process.execPath,
    [resolve(repo, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'test/testing/fixtures/vitest.config.ts', '--reporter=json'],
    { cwd: repo, env, encoding: 'utf8', timeout: 120_000 },
  );
  const json = r.stdout.slice(r.stdout.indexOf('{'));
  if (json === '') throw new Error(`the child vitest printed no report (status ${r.status}):\n${r.stderr}`);
  return { status: r.status, report: JSON.parse(json) as JsonReport };
}

describe('simTest under a real vitest run', () => {
  it('passes the correct scenario, skips simTest.skip, and fails the racy one with a replay token that SIMLOOP_REPLAY replays to the same failure', async () => {
    const { status, report } = runFixture();
    expect(status).toBe(1);
    const r = Object.fromEntries(report.testResults.flatMap((f) => f.assertionResults).map((a) => [a.title, a]));
    expect(r['atomic deposits add up']!.status).toBe('passed');
    expect(r['a skipped simTest is reported as skipped']!.status).toBe('skipped');
    const failed = r['racy deposits add up']!;
    expect(failed.status).toBe('failed');
    const message = failed.failureMessages.join('\n');
    expect(message).toMatch(/^ScheduleFailure: explore: run \d+ failed \(seed "1#\d+", strategy random\)/);
    expect(message).toContain('lost update: balance is 1, expected 2');
    expect(message).toContain('timeline of the failing schedule');
    const token = /SIMLOOP_REPLAY=(sl3_\S+)/.exec(message)?.[1];
    expect(token).toBeDefined();

    // The printed token, given back through the environment, is that very failure.
    const replayed = (await runSimTest(racyDeposits, { runs: 200, seed: 'other' }, { SIMLOOP_REPLAY: token! }).catch((e: unknown) => e)) as ScheduleFailure;
    expect(replayed).toBeInstanceOf(ScheduleFailure);
    expect(replayed.replay).toBe(token);
    expect(replayed.message).toContain('the replayed schedule failed');
    expect(message).toContain(replayed.message.split('\n').find((l) => l.startsWith('timeline'))!);
  }, 60_000);
});
