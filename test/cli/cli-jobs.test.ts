import { describe, expect, it } from 'vitest';
import { printedReplayArgs, simloop } from './run-cli.js';

describe('simloop explore --jobs (spawned)', () => {
  it('prints the same failure with --jobs 2 as with --jobs 1: the lowest failing run, its seed and its token', async () => {
    const args = ['explore', 'test/cli/fixtures/fails-at-3-and-5.ts', '--runs', '8', '--seed', 'j'];
    const [one, two] = [await simloop([...args, '--jobs', '1']), await simloop([...args, '--jobs', '2'])];
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    expect(one.stdout).toMatch(/^explore: run 4 failed \(seed "j#3", strategy random\):\n {2}Error: run index 3 failed\n/);
    expect(two.stdout).toBe(one.stdout);
    expect(printedReplayArgs(two.stdout)).toEqual(printedReplayArgs(one.stdout));
  });
});
