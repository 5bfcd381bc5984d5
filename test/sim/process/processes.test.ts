import { describe, expect, it } from 'vitest';
import { DEVNULL, PIPE, STDOUT, createSubprocessExec, createSubprocessShell, DeadlockError, simulate, sleep } from '../../../src/index.js';
import { rejection } from '../support.js';
import { cat, echo, text, upper } from './support.js';

const piped = { stdin: PIPE, stdout: PIPE, stderr: PIPE };

describe('SimProcesses: defined programs through createSubprocessExec', () => {
  it('communicate(input) sends stdin to a cat handler and returns what it wrote', async () => {
    await simulate(async (world) => {
      world.processes.define('cat', cat);
      const proc = await createSubprocessExec('cat', [], piped);
      const [out, err] = await proc.communicate('ping\npong\n');
      expect(text(out)).toBe('ping\npong\n');
      expect(text(err)).toBe('');
      expect(proc.returncode).toBe(0);
    });
  });

  it('runs a transforming handler line by line (upper)', async () => {
    await simulate(async (world) => {
      world.processes.define('upper', upper);
      const proc = await createSubprocessExec('upper', [], piped);
      proc.stdin!.write('one\n');
      expect(text(await proc.stdout!.readline())).toBe('ONE\n');
      proc.stdin!.write('two\n');
      expect(text(await proc.stdout!.readline())).toBe('TWO\n');
      proc.stdin!.close();
      expect(await proc.wait()).toBe(0);
    });
  });

  it('keeps stdout and stderr apart', async () => {
    await simulate(async (world) => {
      world.processes.define('both', ({ stdout, stderr }) => {
        stdout.write('out1 ');
        stderr.write('err1 ');
        stdout.write('out2');
        stderr.write('err2');
      });
      const [out, err] = await (await createSubprocessExec('both', [], piped)).communicate();
      expect(text(out)).toBe('out1 out2');
      expect(text(err)).toBe('err1 err2');
    });
  });

  it('merges stderr into the stdout pipe in write order with stderr: STDOUT', async () => {
    await simulate(async (world) => {
      world.processes.define('both', ({ stdout, stderr }) => {
        stdout.write('a');
        stderr.write('b');
        stdout.write('c');
        stderr.write('d');
      });
      const proc = await createSubprocessExec('both', [], { stdout: PIPE, stderr: STDOUT });
      expect(proc.stderr).toBeNull();
      const [out, err] = await proc.communicate();
      expect(text(out)).toBe('abcd');
      expect(err).toBeNull();
    });
  });

  it('gives a DEVNULL stdin EOF at once and discards DEVNULL output, however large', async () => {
    await simulate(async (world) => {
      let readLength = -1;
      world.processes.define('sink', async ({ stdin, stdout, stderr }) => {
        readLength = (await stdin.read()).length;
        stdout.write(Buffer.alloc(1024 * 1024));
        await stdout.drain();
        stderr.write('gone');
      });
      const proc = await createSubprocessExec('sink', [], { stdin: DEVNULL, stdout: DEVNULL, stderr: DEVNULL });
      expect([proc.stdin, proc.stdout, proc.stderr]).toEqual([null, null, null]);
      expect(await proc.wait()).toBe(0);
      expect(readLength).toBe(0);
    });
  });

  it('treats inherited stdio (the createSubprocessExec default) like DEVNULL: no terminal in a simulation', async () => {
    await simulate(async (world) => {
      let readLength = -1;
      world.processes.define('tool', async ({ stdin, stdout }) => {
        readLength = (await stdin.read()).length;
        stdout.write('to the terminal');
        return 4;
      });
      const proc = await createSubprocessExec('tool');
      expect([proc.stdin, proc.stdout, proc.stderr]).toEqual([null, null, null]);
      expect(await proc.wait()).toBe(4);
      expect(readLength).toBe(0);
    });
  });

  it('reports the exit code a handler returns or resolves to, and 0 for undefined', async () => {
    await simulate(async (world) => {
      world.processes.define('seven', () => 7);
      world.processes.define('later', async () => {
        await sleep(10);
        return 255;
      });
      world.processes.define('void', () => {});
      expect(await (await createSubprocessExec('seven')).wait()).toBe(7);
      expect(await (await createSubprocessExec('later')).wait()).toBe(255);
      expect(await (await createSubprocessExec('void')).wait()).toBe(0);
    });
  });

  it('fails the run when a handler returns something that is no exit code', async () => {
    const err = await rejection(
      simulate(async (world) => {
        world.processes.define('bad', () => 300);
        expect(await (await createSubprocessExec('bad')).wait()).toBe(1);
      }),
    );
    expect(err).toBeInstanceOf(RangeError);
    expect(String(err)).toContain('"bad" returned exit code 300');
  });

  it('exits with 1 and writes the stack to stderr when the handler throws', async () => {
    await simulate(async (world) => {
      world.processes.define('crash', async () => {
        await sleep(5);
        throw new Error('disk on fire');
      });
      const proc = await createSubprocessExec('crash', [], piped);
      const [out, err] = await proc.communicate();
      expect(proc.returncode).toBe(1);
      expect(text(out)).toBe('');
      expect(text(err)).toMatch(/^Error: disk on fire\n\s+at /);
    });
  });

  it('passes args, the program name as called, cwd and pid to the handler', async () => {
    await simulate(async (world) => {
      const seen: unknown[] = [];
      world.processes.define('probe', ({ program, args, cwd, pid }) => {
        seen.push({ program, args, cwd, pid });
      });
      const a = await createSubprocessExec('probe', ['-x', 'two words']);
      await a.wait();
      const b = await createSubprocessExec('/usr/bin/probe', [], { cwd: '/tmp' });
      await b.wait();
      expect(seen).toEqual([
        { program: 'probe', args: ['-x', 'two words'], cwd: null, pid: 1000 },
        { program: '/usr/bin/probe', args: [], cwd: '/tmp', pid: 1001 },
      ]);
      expect([a.pid, b.pid]).toEqual([1000, 1001]);
    });
  });

  it('gives the handler exactly the env option, and {} without one: nothing leaks from the machine', async () => {
    await simulate(async (world) => {
      const envs: Record<string, string>[] = [];
      world.processes.define('env', ({ env }) => {
        envs.push({ ...env });
      });
      await (await createSubprocessExec('env', [], { env: { LANG: 'C', TOKEN: 'x' } })).wait();
      await (await createSubprocessExec('env')).wait();
      expect(envs).toEqual([{ LANG: 'C', TOKEN: 'x' }, {}]);
    });
  });

  it('rejects an unknown program with ENOENT as Node does', async () => {
    await simulate(async () => {
      const err = (await rejection(createSubprocessExec('nope', ['a']))) as NodeJS.ErrnoException & { spawnargs: string[] };
      expect(err.message).toBe('spawn nope ENOENT');
      expect(err.code).toBe('ENOENT');
      expect(err.errno).toBe(-2);
      expect(err.syscall).toBe('spawn nope');
      expect(err.path).toBe('nope');
      expect(err.spawnargs).toEqual(['a']);
    });
  });

  it('finds a program given by path by its basename, unless that exact path is defined', async () => {
    await simulate(async (world) => {
      world.processes.define('echo', echo);
      world.processes.define('/opt/echo', ({ stdout }) => {
        stdout.write('the other echo\n');
      });
      const [a] = await (await createSubprocessExec('/bin/echo', ['hi'], { stdout: PIPE })).communicate();
      const [b] = await (await createSubprocessExec('/opt/echo', ['hi'], { stdout: PIPE })).communicate();
      expect([text(a), text(b)]).toEqual(['hi\n', 'the other echo\n']);
    });
  });

  it('replaces a program defined twice, and forgets a removed one', async () => {
    await simulate(async (world) => {
      world.processes.define('v', () => 1);
      world.processes.define('v', () => 2);
      expect(await (await createSubprocessExec('v')).wait()).toBe(2);
      expect(world.processes.remove('v')).toBe(true);
      expect(world.processes.remove('v')).toBe(false);
      expect(((await rejection(createSubprocessExec('v'))) as NodeJS.ErrnoException).code).toBe('ENOENT');
    });
  });

  it('checks define()\'s arguments', async () => {
    await simulate(async (world) => {
      expect(() => world.processes.define('', () => 0)).toThrow(TypeError);
      expect(() => world.processes.define(3 as never, () => 0)).toThrow('define: program must be a non-empty string, got number');
      expect(() => world.processes.define('x', null as never)).toThrow('define: handler must be a function, got null');
    });
  });
});

describe('SimProcesses: shell command lines through createSubprocessShell', () => {
  it('splits the line into the program and its args, quotes and escapes as sh does', async () => {
    await simulate(async (world) => {
      world.processes.define('echo', echo);
      const proc = await createSubprocessShell(`echo  'single  quoted' "double \\"q\\"" back\\ slash`, { stdout: PIPE });
      const [out] = await proc.communicate();
      expect(text(out)).toBe('single  quoted double "q" back slash\n');
    });
  });

  it('prefers a program defined under the exact command line, which gets no args', async () => {
    await simulate(async (world) => {
      world.processes.define('echo', echo);
      let args: readonly string[] | null = null;
      world.processes.define('ls | wc -l', ({ args: a, stdout }) => {
        args = a;
        stdout.write('3\n');
      });
      const [out] = await (await createSubprocessShell('ls | wc -l', { stdout: PIPE })).communicate();
      expect(text(out)).toBe('3\n');
      expect(args).toEqual([]);
    });
  });

  it('exits 127 with the shell\'s message when the program is unknown', async () => {
    await simulate(async () => {
      const proc = await createSubprocessShell('frobnicate --now', { stdout: PIPE, stderr: PIPE });
      const [out, err] = await proc.communicate();
      expect(proc.returncode).toBe(127);
      expect(text(out)).toBe('');
      expect(text(err)).toBe('/bin/sh: 1: frobnicate: not found\n');
    });
  });

  it('fails the run with a RangeError for a line that needs a real shell and is not defined', async () => {
    const err = await rejection(
      simulate(async (world) => {
        world.processes.define('ls', () => 0);
        await createSubprocessShell('ls > out.txt').catch(() => null);
      }),
    );
    expect(err).toBeInstanceOf(RangeError);
    expect(String(err)).toContain('define that exact command line with world.processes.define("ls > out.txt", handler)');
  });
});

describe('SimProcesses: virtual time and pipes', () => {
  it('wait() returns when the handler does, after the virtual time it slept', async () => {
    await simulate(async (world) => {
      world.processes.define('slow', async () => {
        await sleep(30_000);
        return 0;
      });
      const t0 = world.loop.time();
      const proc = await createSubprocessExec('slow');
      expect(await proc.wait()).toBe(0);
      expect(world.loop.time() - t0).toBe(30_000);
    });
  });

  it('does not exit while its output fills a pipe nobody reads, and exits once it is read', async () => {
    await simulate(async (world) => {
      world.processes.define('dump', ({ stdout }) => {
        stdout.write(Buffer.alloc(300 * 1024, 1));
      });
      const proc = await createSubprocessExec('dump', [], { stdout: PIPE });
      await sleep(1000);
      expect(proc.returncode).toBeNull();
      const [out] = await proc.communicate();
      expect(out!.length).toBe(300 * 1024);
      expect(proc.returncode).toBe(0);
    });
  });

  it('deadlocks on wait() alone when the child fills a pipe nobody reads, as asyncio warns', async () => {
    const err = await rejection(
      simulate(async (world) => {
        world.processes.define('dump', ({ stdout }) => {
          stdout.write(Buffer.alloc(300 * 1024, 1));
        });
        await (await createSubprocessExec('dump', [], { stdout: PIPE })).wait();
      }),
    );
    expect(err).toBeInstanceOf(DeadlockError);
  });

  it('closes the parent\'s stdin when the child exits without reading it, and communicate() ignores the broken pipe', async () => {
    await simulate(async (world) => {
      world.processes.define('deaf', ({ stdout }) => {
        stdout.write('done');
      });
      const proc = await createSubprocessExec('deaf', [], piped);
      const [out] = await proc.communicate(Buffer.alloc(1024 * 1024));
      expect(text(out)).toBe('done');
      expect(proc.returncode).toBe(0);
    });
  });
});
