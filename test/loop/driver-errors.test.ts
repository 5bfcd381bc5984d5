import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const INDEX = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

/** Run `body` (an ES module's code, with `EventLoop` imported) in a fresh Node and return what it printed. */
function runScript(body: string): Promise<string> {
  const script = `import { EventLoop } from ${JSON.stringify(INDEX)};\n${body}`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

describe('the Node driver when a microtask checkpoint throws', () => {
  it('reports a throwing process.nextTick as Node does and goes on with the next callback', async () => {
    const out = await runScript(`
      const log = [];
      process.on('uncaughtException', (e) => log.push('uncaught: ' + e.message));
      const loop = new EventLoop();
      loop.callSoon(() => {
        log.push('first');
        process.nextTick(() => { throw new Error('tick broke'); });
      });
      loop.callSoon(() => log.push('second'));
      loop.callSoon(() => loop.stop());
      await loop.runForever();
      loop.close();
      console.log(JSON.stringify(log));
    `);
    expect(JSON.parse(out)).toEqual(['first', 'uncaught: tick broke', 'second']);
  });
});
