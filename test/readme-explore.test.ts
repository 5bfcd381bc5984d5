import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ScheduleFailure } from '../src/index.js';
import { parseCommand } from '../src/cli/args.js';
import { exploreCommand, type CommandIo } from '../src/cli/explore-command.js';
import { BlockFiles, blockNamed, blocksOf, expectPrintedAsCommented, fitsComment, importBlock, readmeSection, ROOT, runScript } from './readme-blocks.js';

// The README's "Exploring schedules" section, its blocks run as the files they name.
const section = readmeSection('## Exploring schedules');
const blocks = blocksOf(section);

// 'simloop/testing' stands for a module that is the real entry but for simTest's registrar: the
// README's simTest calls go through simTest's own code (makeSimTest, registerSimTest, runSimTest) and
// land here instead of in vitest, so that this file can run the one that must fail and look at its failure.
const files = new BlockFiles('readme-explore');
const shimFile = files.write('simloop-testing.ts', [
  `export * from '../../src/testing/index.ts';`,
  `import { makeSimTest } from '../../src/testing/sim-test.ts';`,
  `export const registered: { name: string; mode: string; fn: () => Promise<void> }[] = [];`,
  `const add = (mode: string) => (name: string, fn: () => Promise<void>) => void registered.push({ name, mode, fn });`,
  `export const simTest = makeSimTest(() => Object.assign(add('test'), { only: add('only'), skip: add('skip') }));`,
  '',
].join('\n'));
files.testing = shimFile;
afterAll(() => files.remove());

describe('README, Exploring schedules', () => {
  test('has its blocks: explore.ts, the simTest file, the property test, the command and its output', () => {
    expect(blocks.map((b) => b.file ?? b.lang)).toEqual(['explore.ts', 'test/payday.test.ts', 'test/payday.property.test.ts', 'sh', 'text']);
  });

  test('explore.ts runs and prints what its comments say', async () => {
    const block = blockNamed(blocks, 'explore.ts');
    expectPrintedAsCommented(await runScript(files.writeBlock(block)), block.code);
  });
});

describe('README block test/payday.test.ts (simTest)', () => {
  const block = blockNamed(blocks, 'test/payday.test.ts');
  type Shim = { registered: { name: string; mode: string; fn: () => Promise<void> }[] };
  let registered: Shim['registered'] = [];
  beforeAll(async () => {
    // The block imports 'simloop/testing' from the shim, written beside it.
    const file = files.writeBlock(block);
    registered = (await importBlock<Shim>(shimFile)).registered;
    await importBlock(file);
  });

  test('registers its two tests', () => {
    expect(registered.map((r) => [r.mode, r.name])).toEqual([
      ['test', 'payday with row locks keeps every cent'],
      ['test', 'payday without them'],
    ]);
  });

  test('the fixed payday passes; the buggy one fails with a ScheduleFailure as its comment says', async () => {
    await registered[0]!.fn();
    const failure = await registered[1]!.fn().then(
      () => null,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ScheduleFailure);
    const comment = /\/\/ fails: (.*)$/m.exec(block.code)![1]!;
    expect(fitsComment(String(failure), comment), String(failure)).toBe(true);
  });

  test('SIMLOOP_REPLAY=<token> runs just the failing schedule; SIMLOOP_SEED and SIMLOOP_RUNS set the search', async () => {
    const saved = { ...process.env };
    try {
      process.env['SIMLOOP_SEED'] = '1';
      process.env['SIMLOOP_RUNS'] = '3';
      const first = (await registered[1]!.fn().catch((e: unknown) => e)) as ScheduleFailure;
      expect(first.message).toMatch(/^explore: run [123] failed \(seed "1#[012]"/);
      process.env['SIMLOOP_REPLAY'] = first.replay;
      const again = (await registered[1]!.fn().catch((e: unknown) => e)) as ScheduleFailure;
      expect(again.replay).toBe(first.replay);
      expect(again.message).toMatch(/^explore: the replayed schedule failed/);
    } finally {
      for (const k of ['SIMLOOP_SEED', 'SIMLOOP_RUNS', 'SIMLOOP_REPLAY']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });
});

describe('README block test/payday.property.test.ts (scheduleArbitrary)', async () => {
  await importBlock(files.writeBlock(blockNamed(blocks, 'test/payday.property.test.ts')));
});

describe('README, Exploring schedules: the command line', () => {
  test('the command shown prints the output shown (stdout, then the trace line), and writes a Chrome trace with a track per task', async () => {
    const command = blocks.find((b) => b.lang === 'sh')!.code.trim();
    const shown = blocks.find((b) => b.lang === 'text')!.code.trimEnd();
    expect(command.startsWith('npx simloop ')).toBe(true);
    const tracePath = join(files.dir, 'trace.json');
    const argv = command
      .split(/\s+/)
      .slice(2)
      .map((a) => (a === 'trace.json' ? tracePath : a));
    let out = '';
    const io: CommandIo = {
      out: (t) => void (out += `${t}\n`),
      err: (t) => void (out += `${t}\n`),
      progress: { isTTY: false, write: () => true },
    };
    const cwd = process.cwd();
    process.chdir(ROOT);
    let code: number;
    try {
      const cmd = parseCommand(argv);
      if (cmd.kind !== 'explore') throw new Error(`not an explore command: ${command}`);
      code = await exploreCommand(cmd, io);
    } finally {
      process.chdir(cwd);
    }
    expect(code).toBe(1);
    expect(out.replaceAll(tracePath, 'trace.json').trimEnd()).toBe(shown);
    const trace = JSON.parse(readFileSync(tracePath, 'utf8')) as { traceEvents: { name: string; args?: { name?: string } }[] };
    const tracks = trace.traceEvents.filter((e) => e.name === 'thread_name').map((e) => e.args?.name);
    expect(tracks).toEqual(['loop', 'network', 'main', 'alice-pays-bob', 'carol-pays-bob']);
  });
});
