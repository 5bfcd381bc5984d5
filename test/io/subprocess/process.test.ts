import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { DEVNULL, PIPE, STDOUT, StreamReader, createSubprocessExec, createSubprocessShell, run } from '../../../src/index.js';
import { CAT, NODE, childResources, withLoop } from './support.js';

const text = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('utf8'));

describe('createSubprocessExec / Process (streams over real child processes)', () => {
  it('communicate(input) sends stdin, closes it, and returns stdout and stderr', async () => {
    await withLoop(async () => {
      const proc = await createSubprocessExec(NODE, ['-e', 'process.stdin.pipe(process.stdout); process.stderr.write("e")'], {
        stdin: PIPE,
        stdout: PIPE,
        stderr: PIPE,
      });
      const [out, err] = await proc.communicate('ping');
      expect(text(out)).toBe('ping');
      expect(text(err)).toBe('e');
      expect(proc.returncode).toBe(0);
    });
  });

  it('gives streams only for piped fds: null for inherited and DEVNULL ones', async () => {
    await withLoop(async () => {
      const proc = await createSubprocessExec(NODE, ['-e', 'console.log("hi")'], { stdout: PIPE, stderr: DEVNULL });
      expect(proc.stdin).toBeNull();
      expect(proc.stderr).toBeNull();
      expect(proc.stdout).toBeInstanceOf(StreamReader);
      const [out, err] = await proc.communicate();
      expect(text(out)).toBe('hi\n');
      expect(err).toBeNull();
    });
  });

  it('reads lines from stdout as they come, through the StreamReader', async () => {
    await withLoop(async () => {
      const proc = await createSubprocessExec(NODE, CAT, { stdin: PIPE, stdout: PIPE });
      proc.stdin!.write('one\n');
      expect(text(await proc.stdout!.readline())).toBe('one\n');
      proc.stdin!.write('two\n');
      await proc.stdin!.drain();
      expect(text(await proc.stdout!.readline())).toBe('two\n');
      proc.stdin!.close();
      expect(await proc.wait()).toBe(0);
      expect(proc.stdout!.atEof()).toBe(true);
    });
  });

  it('wait() resolves to the exit code; returncode is null until then', async () => {
    await withLoop(async () => {
      const proc = await createSubprocessExec(NODE, ['-e', 'setTimeout(() => process.exit(7), 20)']);
      expect(proc.returncode).toBeNull();
      expect(proc.pid).toBeGreaterThan(0);
      expect(await proc.wait()).toBe(7);
      expect(proc.returncode).toBe(7);
    });
  });

  it('kill() and terminate() give minus the signal number', async () => {
    await withLoop(async () => {
      const a = await createSubprocessExec(NODE, ['-e', 'setInterval(() => {}, 1000)']);
      a.kill();
      expect(await a.wait()).toBe(-constants.signals.SIGKILL);
      const b = await createSubprocessExec(NODE, ['-e', 'setInterval(() => {}, 1000)']);
      b.terminate();
      expect(await b.wait()).toBe(-constants.signals.SIGTERM);
      const c = await createSubprocessExec(NODE, ['-e', 'setInterval(() => {}, 1000)']);
      c.sendSignal('SIGHUP');
      expect(await c.wait()).toBe(-constants.signals.SIGHUP);
    });
  });

  it('merges stderr into stdout with stderr: STDOUT', async () => {
    await withLoop(async () => {
      const proc = await createSubprocessExec(NODE, ['-e', 'console.error("err"); console.log("out")'], { stdout: PIPE, stderr: STDOUT });
      expect(proc.stderr).toBeNull();
      const [out, err] = await proc.communicate();
      expect(text(out)!.split('\n').sort()).toEqual(['', 'err', 'out']);
      expect(err).toBeNull();
    });
  });

  it('communicate carries large input and output under backpressure', async () => {
    await withLoop(async () => {
      const input = Buffer.alloc(4 * 1024 * 1024);
      for (let i = 0; i < input.length; i++) input[i] = i % 251;
      const proc = await createSubprocessExec(NODE, CAT, { stdin: PIPE, stdout: PIPE });
      const [out] = await proc.communicate(input);
      expect(out!.length).toBe(input.length);
      expect(Buffer.compare(Buffer.from(out!), input)).toBe(0);
    });
  });

  it('communicate ignores a child that closes its stdin without reading it (EPIPE)', async () => {
    await withLoop(async () => {
      const script = 'require("fs").closeSync(0); console.log("closed"); setTimeout(() => {}, 300)';
      const proc = await createSubprocessExec(NODE, ['-e', script], { stdin: PIPE, stdout: PIPE });
      expect(text(await proc.stdout!.readline())).toBe('closed\n');
      const [out] = await proc.communicate(Buffer.alloc(1024 * 1024));
      expect(text(out)).toBe('');
      expect(proc.returncode).toBe(0);
    });
  });

  it('stdin.drain() rejects with EPIPE once the child has closed its stdin', async () => {
    await withLoop(async () => {
      const script = 'require("fs").closeSync(0); console.log("closed"); setTimeout(() => {}, 300)';
      const proc = await createSubprocessExec(NODE, ['-e', script], { stdin: PIPE, stdout: PIPE });
      await proc.stdout!.readline();
      const chunk = Buffer.alloc(64 * 1024);
      let error: unknown = null;
      for (let i = 0; i < 100 && error === null; i++) {
        proc.stdin!.write(chunk);
        await proc.stdin!.drain().catch((e: unknown) => (error = e));
      }
      expect(error).toMatchObject({ code: 'EPIPE' });
      await expect(proc.stdin!.waitClosed()).rejects.toMatchObject({ code: 'EPIPE' });
      expect(await proc.wait()).toBe(0);
    });
  });

  it('createSubprocessShell runs a command line with the shell', async () => {
    await withLoop(async () => {
      const proc = await createSubprocessShell('printf "%s" "$((6 * 7))"; exit 2', { stdout: PIPE });
      const [out] = await proc.communicate();
      expect(text(out)).toBe('42');
      expect(proc.returncode).toBe(2);
    });
  });

  it('rejects with ENOENT for a missing program', async () => {
    await withLoop(async () => {
      await expect(createSubprocessExec('simloop-no-such-program-xyz')).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });

  it('await using kills a child still running and releases it', async () => {
    const before = childResources();
    await run(async () => {
      await using proc = await createSubprocessExec(NODE, ['-e', 'setInterval(() => {}, 1000)'], { stdin: PIPE, stdout: PIPE });
      expect(proc.returncode).toBeNull();
    });
    expect(childResources()).toEqual(before);
  });

  it('leaves no child handles behind after communicate and the loop closing', async () => {
    const before = childResources();
    await withLoop(async () => {
      for (let i = 0; i < 3; i++) {
        const proc = await createSubprocessExec(NODE, CAT, { stdin: PIPE, stdout: PIPE, stderr: PIPE });
        await proc.communicate(`run ${i}`);
      }
    });
    expect(childResources()).toEqual(before);
  });

  it('checks its arguments at the call', async () => {
    await withLoop(async () => {
      expect(() => createSubprocessExec(NODE, [], { limit: 0 })).toThrow(RangeError);
      expect(() => createSubprocessExec(NODE, 'x' as never)).toThrow(TypeError);
      expect(() => createSubprocessShell(7 as never)).toThrow(TypeError);
      const proc = await createSubprocessExec(NODE, ['-e', 'setInterval(() => {}, 1000)']);
      expect(() => proc.sendSignal('SIGFOO' as never)).toThrow(RangeError);
      expect(() => proc.sendSignal(-1)).toThrow(RangeError);
      proc.kill();
      await proc.wait();
    });
  });
});
