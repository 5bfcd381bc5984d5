import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { raceDemo } from '../../examples/race-demo.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'simloop-race-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `node --import tsx <args>` in the repository root; resolves with its exit code and output. */
function runTsx(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += String(d)));
  child.stderr.on('data', (d: Buffer) => (err += String(d)));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

/** The demo's story up to the fix (section 8), which depends on no option but the seed. */
function story(out: string): string {
  return out.slice(0, out.indexOf('\n8. ')).replace(/written to .*/, 'written to <path>');
}

describe('examples/race-demo (npm start)', () => {
  const tracePath = join(dir, 'race-trace.json');
  const lines: string[] = [];
  // The spawned demo runs alongside the in-process one (a fresh process costs seconds of start-up).
  const spawned = runTsx(['examples/race-demo.ts', join(dir, 'spawned-trace.json')]);
  const result = raceDemo({ tracePath, fixedRuns: 20, print: (line) => lines.push(line) });
  // The replay command the demo prints, run as soon as it is printed (alongside the spawned demo).
  const replayCommand = result.then(() => lines.find((l) => l.trim().startsWith('npx tsx src/cli/main.ts replay'))!.trim().split(/\s+/));
  const replayed = replayCommand.then((command) => runTsx(command.slice(2)));

  test('finds the lost update that an ordinary run misses, and shrinks its schedule to one decision', async () => {
    const r = await result;
    expect(lines[3]).toMatch(/^1\. An ordinary run, in asyncio's order \(strategy 'fifo'\): passed/);
    expect(r.runsTried).toBeGreaterThanOrEqual(1);
    expect((r.failure.cause as Error).message).toMatch(/^lost update/);
    expect(r.decisionsBefore).toBeGreaterThanOrEqual(r.decisionsAfter);
    expect(r.decisionsAfter).toBe(1);
  });

  test('tells which task ran first where the schedule left the FIFO order, and which update was lost', async () => {
    await result;
    const text = lines.join('\n');
    expect(text).toMatch(/asyncio's order: +wake alice-pays-bob .* first/);
    expect(text).toMatch(/the shrunk one: +wake carol-pays-bob .* first/);
    expect(text).toContain("carol-pays-bob read bob = 50, then alice-pays-bob wrote 80, then carol-pays-bob wrote 70 over it: alice-pays-bob's update is lost.");
  });

  test('writes the shrunk schedule as a Chrome trace with a track per payment', async () => {
    await result;
    const trace = JSON.parse(readFileSync(tracePath, 'utf8')) as { traceEvents: { name: string; args?: { name?: string } }[] };
    const tracks = trace.traceEvents.filter((e) => e.name === 'thread_name').map((e) => e.args?.name);
    expect(tracks).toEqual(expect.arrayContaining(['alice-pays-bob', 'carol-pays-bob', 'main']));
  });

  test('npm start (tsx examples/race-demo.ts) exits 0 and prints the same story, then the fix passing 100 runs per strategy', async () => {
    await result;
    const { code, out, err } = await spawned;
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(story(out)).toBe(story(lines.join('\n') + '\n'));
    expect(out).toContain(`written to ${join(dir, 'spawned-trace.json')}`);
    expect(out).toContain("explore(fixed, { runs: 100, seed: 1, strategy: 'random' }): passed all 100 runs");
    expect(out).toMatch(/explore\(fixed, \{ runs: 100, seed: 1, strategy: 'pct' \}\) *: passed all 100 runs/);
  });

  test('the replay command it prints reproduces the failure with the simloop CLI', async () => {
    const command = await replayCommand;
    expect(command.slice(0, 6)).toEqual(['npx', 'tsx', 'src/cli/main.ts', 'replay', 'examples/races/bank-transfer.ts', '--replay']);
    expect(command[6]).toBe((await result).failure.replay);
    const { code, out } = await replayed;
    expect(code).toBe(1);
    expect(out).toContain('lost update');
  });
});
