import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SRC = pathToFileURL(join(ROOT, 'src/index.ts')).href;

/** The ```ts blocks of the README's "Production" section, in order. */
function productionBlocks(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Production\n');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

// The blocks run as files inside the repository (so tsx and the package's ESM setting apply), importing the sources for 'simloop'.
const dir = mkdtempSync(join(ROOT, 'test/examples/.readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeBlock(name: string, code: string, port?: number): string {
  let text = code.replaceAll("from 'simloop'", `from '${SRC}'`);
  if (port !== undefined) text = text.replaceAll('8888', String(port));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

interface Ran {
  stdout: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Run `file` with tsx; `onOut` sees the stdout so far and may act on the process (bounded by a 20 s kill). */
function runFile(file: string, onOut?: (out: string, kill: (s: NodeJS.Signals) => void) => void): Promise<Ran> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += String(d);
    onOut?.(stdout, (s) => child.kill(s));
  });
  child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (stderr !== '') stdout += `\n[stderr] ${stderr}`;
      resolve({ stdout, code, signal });
    }),
  );
}

/** A port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('README, Production', () => {
  test('has its three code blocks', () => {
    expect(productionBlocks()).toHaveLength(3);
  });

  test('the ten-line server serves the client block, and Ctrl-C (SIGINT) ends it by SIGINT', async () => {
    const [serverCode, clientCode] = productionBlocks();
    expect(serverCode!.split('\n').filter((l) => l.trim() !== '').length).toBeLessThanOrEqual(14);
    const port = await freePort();
    const serverFile = writeBlock('server.ts', serverCode!, port);
    const clientFile = writeBlock('client.ts', clientCode!, port);
    let client: Promise<Ran> | null = null;
    const server = runFile(serverFile, (out, kill) => {
      if (client === null && out.includes('serving on')) {
        client = runFile(clientFile);
        void client.then(() => kill('SIGINT'));
      }
    });
    const s = await server;
    expect(s.stdout).toContain(`port: ${port}`);
    expect(s.signal).toBe('SIGINT');
    const c = await client!;
    expect(c.stdout).toBe('hello\n');
    expect(c.code).toBe(0);
  }, 30_000);

  test('the executor block prints what its comments say', async () => {
    const code = productionBlocks()[2]!;
    expect(code).toContain("// job.js: export function shout(s) { return s.toUpperCase() + '!'; }");
    writeFileSync(join(dir, 'job.js'), "export function shout(s) { return s.toUpperCase() + '!'; }\n");
    const r = await runFile(writeBlock('executor.ts', code));
    expect(r.stdout).toBe('499500\nHI!\nRangeError too big\n');
    expect(r.code).toBe(0);
  }, 30_000);
});
