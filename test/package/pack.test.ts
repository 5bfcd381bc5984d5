import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const exec = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });

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

  it('ships types that check under ESM and CJS resolution', () => {
    writeFileSync(
      join(work, 'types.mts'),
      `import { run, sleep, Future, Task, type Clock } from 'simloop';
       import { simulate, type SimWorld } from 'simloop/testing';
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
       void p; void q;`,
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
