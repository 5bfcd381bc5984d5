import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const exec = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });

/** A consumer script's scenario: loses an update unless the second task reads after the first one wrote (FIFO does). */
const RACY = `async function racy() {
  let balance = 0;
  const deposit = async (extra) => { for (let i = 0; i < extra; i++) await sleep(0); const r = balance; await sleep(0); balance = r + 1; };
  const a = createTask(() => deposit(0)); const b = createTask(() => deposit(1));
  await a; await b;
  if (balance !== 2) throw new Error('lost update');
}`;

let work = '';

// The published package, installed the way a user installs it: `npm pack`
// (which builds it), then `npm install` of the tarball in a fresh project.
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'simloop-pack-'));
  exec('npm', ['pack', '--silent', '--pack-destination', work], repo);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined) throw new Error('npm pack made no tarball');
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  exec('npm', ['install', '--offline', '--no-audit', '--no-fund', `./${tarball}`], work);
}, 240_000);

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('imports as ESM, and runs a task on the Node backend and a simulation from simloop/testing', () => {
    writeFileSync(
      join(work, 'esm.mjs'),
      `import { run, sleep, createTask, EventLoop } from 'simloop';
       import { simulate } from 'simloop/testing';
       const a = await run(async () => { const t = createTask(async () => { await sleep(1); return 20; }); return (await t) + 1; });
       const b = await simulate(async (w) => { await sleep(3_600_000); return w.loop.time(); });
       console.log(JSON.stringify({ a, b, loop: typeof EventLoop }));`,
    );
    expect(JSON.parse(exec('node', ['esm.mjs'], work))).toEqual({ a: 21, b: 3_600_000, loop: 'function' });
  });

  it('requires as CJS, simloop/testing included', () => {
    writeFileSync(
      join(work, 'cjs.cjs'),
      `const { run, sleep, gather } = require('simloop');
       const { simulate } = require('simloop/testing');
       (async () => {
         const a = await run(async () => gather([sleep(1, 'x'), sleep(2, 'y')]));
         const b = await simulate(async (w) => { await sleep(5000); return w.loop.time(); });
         console.log(JSON.stringify({ a, b }));
       })();`,
    );
    expect(JSON.parse(exec('node', ['cjs.cjs'], work))).toEqual({ a: ['x', 'y'], b: 5000 });
  });

  it('shares error classes and the running loop between its ESM and CJS builds', () => {
    writeFileSync(
      join(work, 'both.mjs'),
      `import { createRequire } from 'node:module';
       import * as esm from 'simloop';
       const cjs = createRequire(import.meta.url)('simloop');
       const sameLoop = await esm.run(async () => cjs.getRunningLoop() === esm.getRunningLoop());
       let caught = false;
       try { throw new cjs.CancelledError('x'); } catch (e) { caught = e instanceof esm.CancelledError; }
       console.log(JSON.stringify({ sameLoop, caught, sameClass: cjs.TimeoutError === esm.TimeoutError }));`,
    );
    expect(JSON.parse(exec('node', ['both.mjs'], work))).toEqual({ sameLoop: true, caught: true, sameClass: true });
  });

  it('has scheduleArbitrary in simloop/testing as ESM, in a project without vitest, and its simTest says vitest is missing', () => {
    writeFileSync(
      join(work, 'arb.mjs'),
      `import fc from 'fast-check';
       import { createTask, sleep } from 'simloop';
       import { scheduleArbitrary, simulate, simTest, Schedule } from 'simloop/testing';
       ${RACY}
       const r = await fc.check(fc.asyncProperty(scheduleArbitrary(), async (s) => { await simulate(racy, { strategy: s }); }), { seed: 3 });
       const [s] = r.counterexample;
       let simTestError = '';
       try { simTest('x', racy); } catch (e) { simTestError = e.message; }
       console.log(JSON.stringify({ failed: r.failed, isSchedule: s instanceof Schedule, weight: s.weight, simTestError }));`,
    );
    const out = JSON.parse(exec('node', ['arb.mjs'], work)) as { failed: boolean; isSchedule: boolean; weight: number; simTestError: string };
    expect(out).toMatchObject({ failed: true, isSchedule: true, weight: 1 });
    expect(out.simTestError).toMatch(/^simTest needs vitest, which could not be loaded \(.*vitest.*\): install vitest/);
  });

  it('has scheduleArbitrary in simloop/testing as CJS, where simTest throws an error that says to use import', () => {
    writeFileSync(
      join(work, 'arb.cjs'),
      `const fc = require('fast-check');
       const { scheduleArbitrary, simTest, explore } = require('simloop/testing');
       const [s] = fc.sample(scheduleArbitrary({ seed: 5, maxPicks: 2 }), { seed: 1, numRuns: 1 });
       let simTestError = '';
       try { simTest('x', async () => {}); } catch (e) { simTestError = e.message; }
       console.log(JSON.stringify({ seed: s.seed, picks: s.decisions.picks.length <= 2, explore: typeof explore, simTestError }));`,
    );
    const out = JSON.parse(exec('node', ['arb.cjs'], work)) as { seed: string; picks: boolean; explore: string; simTestError: string };
    expect(out).toMatchObject({ seed: '5', picks: true, explore: 'function' });
    expect(out.simTestError).toMatch(/cannot be loaded with require\(\): load simloop\/testing with import/);
  });

  it('runs simTest from the ESM build under vitest, and fails a racy scenario with a replay token', () => {
    // A second consumer, the same install plus the repository's vitest (linked: nothing is downloaded).
    const vt = join(work, 'with-vitest');
    mkdirSync(vt);
    cpSync(join(work, 'node_modules'), join(vt, 'node_modules'), { recursive: true });
    symlinkSync(join(repo, 'node_modules/vitest'), join(vt, 'node_modules/vitest'));
    writeFileSync(join(vt, 'package.json'), JSON.stringify({ name: 'consumer-vitest', version: '1.0.0', private: true, type: 'module' }));
    writeFileSync(
      join(vt, 'race.test.js'),
      `import { createTask, sleep } from 'simloop';
       import { simTest } from 'simloop/testing';
       ${RACY}
       simTest('fifo-only deposits', async () => { await sleep(1); }, { runs: 5, seed: 1 });
       simTest('racy deposits', racy, { runs: 200, seed: 1 });`,
    );
    const env: Record<string, string | undefined> = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('VITEST') || k.startsWith('SIMLOOP_')) delete env[k];
    const r = spawnSync(process.execPath, [join(vt, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=json'], { cwd: vt, env, encoding: 'utf8', timeout: 120_000 });
    const report = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[] };
    const results = Object.fromEntries(report.testResults.flatMap((f) => f.assertionResults).map((a) => [a.title, a]));
    expect(r.status).toBe(1);
    expect(results['fifo-only deposits']!.status).toBe('passed');
    expect(results['racy deposits']!.status).toBe('failed');
    expect(results['racy deposits']!.failureMessages.join('\n')).toMatch(/ScheduleFailure: [^]*lost update[^]*SIMLOOP_REPLAY=sl3_/);
  }, 120_000);

  it('ships types that check under ESM and CJS resolution', () => {
    writeFileSync(
      join(work, 'types.mts'),
      `import { run, sleep, Future, Task, type Clock } from 'simloop';
       import { simulate, scheduleArbitrary, simTest, type Schedule, type SimWorld } from 'simloop/testing';
       import type { Arbitrary } from 'fast-check';
       const arb: Arbitrary<Schedule> = scheduleArbitrary({ maxPicks: 4, seed: 1 });
       const register: () => void = () => simTest('name', async (world: SimWorld) => { void world.seed; }, { runs: 3, timeout: 1000 });
       void arb; void register;
       const clock: Clock = { now: () => 0, sleepTime: (d: number) => d };
       const n: Promise<number> = run(async () => { const t: Task<number> = (await import('simloop')).createTask(async () => 1); return t; });
       const w: Promise<string> = simulate(async (world: SimWorld) => world.seed);
       const f: typeof Future = Future;
       void clock; void n; void w; void f; void sleep;`,
    );
    writeFileSync(
      join(work, 'types.cts'),
      `import simloop = require('simloop');
       import testing = require('simloop/testing');
       const p: Promise<void> = simloop.run(async () => { await simloop.sleep(1); });
       const q: Promise<number> = testing.simulate(async () => 1);
       const a = testing.scheduleArbitrary();
       void p; void q; void a;`,
    );
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib: ['ES2023', 'ESNext.Disposable'],
          types: ['node'],
          typeRoots: [join(repo, 'node_modules/@types')],
        },
        files: ['types.mts', 'types.cts'],
      }),
    );
    const tsc = join(repo, 'node_modules/typescript/bin/tsc');
    expect(() => exec('node', [tsc, '-p', 'tsconfig.json'], work)).not.toThrow();
  });
});
