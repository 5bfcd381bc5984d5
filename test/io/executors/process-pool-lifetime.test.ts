import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const POOL_MODULE = fileURLToPath(new URL('../../../src/backends/node/process-pool-executor.ts', import.meta.url));

/** Whether a process with this pid is still alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ProcessPoolExecutor workers', () => {
  it('neither keep a parent that never shut the pool down from exiting, nor outlive it', async () => {
    // The parent runs one job, prints its worker's pid and ends on its own.
    const script = `
      import { ProcessPoolExecutor } from ${JSON.stringify(POOL_MODULE)};
      const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
      console.log(await pool.submit(() => process.pid));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 20_000 });
    const pid = Number(stdout.trim());
    expect(Number.isInteger(pid)).toBe(true);
    // The worker exits once its IPC channel closes; give it a bounded while to go.
    for (let i = 0; i < 200 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(alive(pid)).toBe(false);
  });
});
