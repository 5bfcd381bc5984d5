import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CancelledError, run, sleep } from '../../src/index.js';

const fixture = fileURLToPath(new URL('./fixtures/sigint-main.ts', import.meta.url));

interface Outcome {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs the fixture under tsx, sends SIGINT once it is ready (`count` times, one per `cleanup` line after the first). */
function runChild(cleanupMs: number, count: 1 | 2): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, String(cleanupMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let i: number;
      while ((i = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        lines.push(line);
        if (line === 'ready') child.kill('SIGINT');
        if (line === 'cleanup' && count === 2) child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ lines, code, signal }));
  });
}

describe.concurrent('run and SIGINT (in a child process)', () => {
  it('the first SIGINT cancels main, lets its cleanup finish, then ends the process by SIGINT', async () => {
    const outcome = await runChild(20, 1);
    expect(outcome.lines).toEqual(['ready', 'cleanup', 'cleanup done']);
    expect(outcome.signal).toBe('SIGINT');
  });

  it('a second SIGINT during cleanup ends the process at once', async () => {
    const outcome = await runChild(30_000, 2);
    expect(outcome.lines).toEqual(['ready', 'cleanup']);
    expect(outcome.signal).toBe('SIGINT');
  });
});

describe('run and SIGINT (in process, simulated by process.emit)', () => {
  it('a SIGINT cancels the main task; a main that handles it resolves normally', async () => {
    const result = await run(async () => {
      setImmediate(() => process.emit('SIGINT'));
      try {
        await sleep(60_000);
      } catch (e) {
        return e instanceof CancelledError ? 'cancelled by SIGINT' : 'other';
      }
      return 'slept';
    });
    expect(result).toBe('cancelled by SIGINT');
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('leaves SIGINT alone when the application listens for it', async () => {
    let heard = 0;
    const own = (): void => void heard++;
    process.on('SIGINT', own);
    try {
      const result = await run(async () => {
        process.emit('SIGINT');
        await sleep(5);
        return 'not cancelled';
      });
      expect(result).toBe('not cancelled');
      expect(heard).toBe(1);
      expect(process.listenerCount('SIGINT')).toBe(1);
    } finally {
      process.off('SIGINT', own);
    }
  });

  it('leaves a SIGINT to a listener the application added after run began', async () => {
    let heard = 0;
    const own = (): void => void heard++;
    try {
      const result = await run(async () => {
        process.on('SIGINT', own);
        process.emit('SIGINT');
        await sleep(5);
        return 'not cancelled';
      });
      expect(result).toBe('not cancelled');
      expect(heard).toBe(1);
    } finally {
      process.off('SIGINT', own);
    }
  });
});
