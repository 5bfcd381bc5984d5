import { describe, expect, test } from 'vitest';
import { createSubprocessExec, PIPE } from '../../src/index.js';
import { backends, UPPER_STATUS, type World } from './backends.js';
import { within } from './support.js';

const piped = { stdin: PIPE, stdout: PIPE, stderr: PIPE };
const text = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('utf8'));

/** Start the backend's `upper` program with every stdio piped. */
function startUpper(world: World) {
  return createSubprocessExec(world.upper.program, [...world.upper.args], piped);
}

describe.each(backends)('subprocess I/O on the $name backend', (backend) => {
  test('what goes to stdin comes back upper-cased on stdout, line by line, while the child runs', async () => {
    const got = await backend.run(async (world) => {
      const proc = await startUpper(world);
      const lines: string[] = [];
      for (const line of ['first line\n', 'second, héllo\n']) {
        proc.stdin!.write(line);
        lines.push(text(await within(proc.stdout!.readline()))!);
      }
      const running = proc.returncode;
      proc.stdin!.close();
      const status = await within(proc.wait());
      const rest = text(await within(proc.stdout!.read()));
      const err = text(await within(proc.stderr!.read()));
      return { lines, running, status, rest, err, returncode: proc.returncode };
    });
    expect(got).toEqual({
      lines: ['FIRST LINE\n', 'SECOND, HÉLLO\n'],
      running: null,
      status: UPPER_STATUS,
      rest: '',
      err: 'done\n',
      returncode: UPPER_STATUS,
    });
  });

  test('communicate(input) pipes 256 KB through the child and returns its stdout and stderr, then the exit status is set', async () => {
    const input = 'abcdefghij'.repeat(25_600);
    const got = await backend.run(async (world) => {
      const proc = await startUpper(world);
      const [out, err] = await within(proc.communicate(input), 20_000);
      return { out: text(out), err: text(err), returncode: proc.returncode };
    });
    expect(got).toEqual({ out: input.toUpperCase(), err: 'done\n', returncode: UPPER_STATUS });
  });

  test('closing stdin without writing ends the child: stdout reaches EOF empty and wait() gives its status', async () => {
    const got = await backend.run(async (world) => {
      const proc = await startUpper(world);
      proc.stdin!.close();
      await within(proc.stdin!.waitClosed());
      const out = text(await within(proc.stdout!.read()));
      const err = text(await within(proc.stderr!.read()));
      return { out, err, status: await within(proc.wait()) };
    });
    expect(got).toEqual({ out: '', err: 'done\n', status: UPPER_STATUS });
  });
});
