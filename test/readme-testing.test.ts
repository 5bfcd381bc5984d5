import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { simulate, type Script } from '../src/index.js';
import { BlockFiles, blockNamed, blocksOf, expectPrintedAsCommented, importBlock, readmeSection, runScript } from './readme-blocks.js';

// The README's "Testing in virtual time" section, its blocks run as the files they name.
const section = readmeSection('## Testing in virtual time');
const blocks = blocksOf(section);
const files = new BlockFiles('readme-testing');
afterAll(() => files.remove());

/** The real service the record walkthrough records: answers GET /greeting with "hello\n", then closes. */
const service = net.createServer((socket) => {
  socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello\n'));
});
const port = await new Promise<number>((resolve) => service.listen(0, '127.0.0.1', () => resolve((service.address() as net.AddressInfo).port)));
afterAll(() => new Promise<void>((resolve) => service.close(() => resolve())));

// The walkthrough's service and fixture directory, here: a free port, and the scratch directory.
files.rewrite('8080', String(port));
files.rewrite("'fixtures/greeting", `'${join(files.dir, 'fixtures/greeting')}`);
const intro = files.write('intro.ts', blocks[0]!.code);
const quoteTest = files.writeBlock(blockNamed(blocks, 'test/quote.test.ts'));
const mailTest = files.writeBlock(blockNamed(blocks, 'test/send-mail.test.ts'), ['sendMail', 'mailServer']);
files.writeBlock(blockNamed(blocks, 'greeting-client.ts'));
const recordScript = files.writeBlock(blockNamed(blocks, 'record.ts'));
const greetingTest = files.writeBlock(blockNamed(blocks, 'test/greeting.test.ts'));
const fakeOsTest = files.writeBlock(blockNamed(blocks, 'test/fake-os.test.ts'));

describe('README, Testing in virtual time', () => {
  test('has its blocks: the intro, four test files, the client and the record script, and the mismatch shown', () => {
    expect(blocks.map((b) => b.file ?? b.lang)).toEqual([
      'ts',
      'test/quote.test.ts',
      'test/send-mail.test.ts',
      'text',
      'greeting-client.ts',
      'record.ts',
      'test/greeting.test.ts',
      'test/fake-os.test.ts',
    ]);
  });

  test('the intro prints an hour of virtual time and the deadlock with what each task awaits, as its comments say', async () => {
    expectPrintedAsCommented(await runScript(intro), blocks[0]!.code);
  });
});

describe('README block test/quote.test.ts (a fault-injection test)', async () => {
  await importBlock(quoteTest);
});

describe('README block test/send-mail.test.ts (a scripted-peer test)', async () => {
  const { sendMail, mailServer } = await importBlock<{
    sendMail: (host: string, port: number, from: string, to: string, text: string) => Promise<void>;
    mailServer: Script;
  }>(mailTest);

  test('the mismatch the README shows is the one the second run rejects with', async () => {
    const shown = blocks.find((b) => b.lang === 'text')!.code.trimEnd();
    const err = await simulate(async (world) => {
      world.network.listen('10.0.0.25', 25, mailServer);
      await sendMail('10.0.0.25', 25, 'alice@mail.test', 'Bob <bob@mail.test>', 'Hi Bob');
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(String(err)).toBe(shown);
  });
});

describe('README blocks greeting-client.ts, record.ts, test/greeting.test.ts (record and replay)', async () => {
  test('record.ts records the real service: it prints the body and writes the fixture its comment names', async () => {
    const printed = await runScript(recordScript);
    expect(printed).toEqual(['hello\n']);
    expectPrintedAsCommented(printed, blockNamed(blocks, 'record.ts').code);
    expect(existsSync(join(files.dir, `fixtures/greeting/1-127.0.0.1-${port}.json`))).toBe(true);
  });
  // Its test runs after the recording above (tests run in the order they were registered).
  await importBlock(greetingTest);
});

describe('README block test/fake-os.test.ts', async () => {
  await importBlock(fakeOsTest);
});
