import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { CancelledError, PIPE, createSubprocessExec, simulate, sleep } from '../../../src/index.js';
import type { ChildProcessHandle } from '../../../src/loop/process-driver.js';
import { text } from './support.js';

const { SIGKILL, SIGTERM, SIGHUP, SIGUSR1 } = constants.signals;

/** A program that runs until a signal ends it, recording how its handler ended. */
function forever(log: string[]) {
  return async (): Promise<number> => {
    try {
      await sleep(Infinity);
      return 0;
    } catch (e) {
      log.push(e instanceof CancelledError ? 'cancelled' : String(e));
      throw e;
    }
  };
}

describe('SimProcesses: signals to children', () => {
  it('kill() ends the child with -9 and cancels its handler', async () => {
    await simulate(async (world) => {
      const log: string[] = [];
      world.processes.define('daemon', forever(log));
      const proc = await createSubprocessExec('daemon');
      await sleep(100);
      proc.kill();
      expect(await proc.wait()).toBe(-SIGKILL);
      await sleep(0);
      expect(log).toEqual(['cancelled']);
    });
  });

  it('kill() at once after the spawn ends the child before its handler ever runs', async () => {
    await simulate(async (world) => {
      let ran = false;
      world.processes.define('never', () => {
        ran = true;
      });
      const proc = await createSubprocessExec('never', [], { stdin: PIPE, stdout: PIPE });
      proc.kill();
      const [out] = await proc.communicate('ignored');
      expect(proc.returncode).toBe(-SIGKILL);
      expect(out!.length).toBe(0);
      expect(ran).toBe(false);
    });
  });

  it('terminate() and sendSignal() end a child that catches nothing with minus the signal number', async () => {
    await simulate(async (world) => {
      world.processes.define('daemon', forever([]));
      const a = await createSubprocessExec('daemon');
      a.terminate();
      const b = await createSubprocessExec('daemon');
      b.sendSignal('SIGHUP');
      const c = await createSubprocessExec('daemon');
      c.sendSignal(SIGUSR1);
      expect([await a.wait(), await b.wait(), await c.wait()]).toEqual([-SIGTERM, -SIGHUP, -SIGUSR1]);
    });
  });

  it('gives every signal but SIGKILL to the onSignal callback, which decides how the program ends', async () => {
    await simulate(async (world) => {
      const seen: string[] = [];
      world.processes.define('server', async ({ onSignal, stdout }) => {
        const done = world.loop.createFuture<void>();
        onSignal((signal) => {
          seen.push(signal);
          if (signal === 'SIGTERM') done.setResult();
        });
        await done;
        stdout.write('bye\n');
        return 0;
      });
      const proc = await createSubprocessExec('server', [], { stdout: PIPE });
      await sleep(10);
      proc.sendSignal('SIGHUP');
      await sleep(10);
      expect(proc.returncode).toBeNull();
      proc.terminate();
      const [out] = await proc.communicate();
      expect(text(out)).toBe('bye\n');
      expect(proc.returncode).toBe(0);
      expect(seen).toEqual(['SIGHUP', 'SIGTERM']);
    });
  });

  it('kill() ends a child even when it catches signals', async () => {
    await simulate(async (world) => {
      const seen: string[] = [];
      world.processes.define('stubborn', async ({ onSignal }) => {
        onSignal((signal) => seen.push(signal));
        await sleep(Infinity);
      });
      const proc = await createSubprocessExec('stubborn');
      await sleep(1);
      proc.kill();
      expect(await proc.wait()).toBe(-SIGKILL);
      expect(seen).toEqual([]);
    });
  });

  it('onSignal(null) restores the default: the next signal ends the program', async () => {
    await simulate(async (world) => {
      world.processes.define('fickle', async ({ onSignal }) => {
        onSignal(() => {});
        await sleep(50);
        onSignal(null);
        await sleep(Infinity);
      });
      const proc = await createSubprocessExec('fickle');
      await sleep(10);
      proc.terminate();
      await sleep(100);
      expect(proc.returncode).toBeNull();
      proc.terminate();
      expect(await proc.wait()).toBe(-SIGTERM);
    });
  });

  it('crashes the program (exit 1, the stack on stderr) when its onSignal callback throws', async () => {
    await simulate(async (world) => {
      world.processes.define('fragile', async ({ onSignal }) => {
        onSignal(() => {
          throw new Error('cannot handle that');
        });
        await sleep(Infinity);
      });
      const proc = await createSubprocessExec('fragile', [], { stderr: PIPE });
      await sleep(1);
      proc.sendSignal('SIGUSR1');
      const [, err] = await proc.communicate();
      expect(proc.returncode).toBe(1);
      expect(text(err)).toMatch(/^Error: cannot handle that\n\s+at /);
    });
  });

  it('checks onSignal()\'s argument: a bad one is the program\'s own TypeError', async () => {
    await simulate(async (world) => {
      world.processes.define('careless', ({ onSignal }) => {
        onSignal('SIGTERM' as never);
      });
      const proc = await createSubprocessExec('careless', [], { stderr: PIPE });
      const [, err] = await proc.communicate();
      expect(proc.returncode).toBe(1);
      expect(text(err)).toMatch(/^TypeError: onSignal: handler must be a function or null, got string\n/);
    });
  });

  it('drops what a killed child had not yet written, while what was already in the pipe stays readable', async () => {
    await simulate(async (world) => {
      world.processes.define('chatty', async ({ stdout }) => {
        stdout.write('first line\n');
        await sleep(10);
        // Nobody reads: the parent's StreamReader stops taking bytes past its limit, the pipe fills,
        // and the rest waits in the writer's buffer.
        stdout.write(Buffer.alloc(400 * 1024, 0x61));
        await sleep(Infinity);
      });
      const proc = await createSubprocessExec('chatty', [], { stdout: PIPE });
      await sleep(20);
      proc.kill();
      const [out] = await proc.communicate();
      expect(proc.returncode).toBe(-SIGKILL);
      expect(text(out)!.startsWith('first line\n')).toBe(true);
      expect(out!.length).toBeLessThan(11 + 400 * 1024);
      expect(out!.length).toBeGreaterThan(11);
    });
  });

  it('kills a child blocked at exit on a full pipe', async () => {
    await simulate(async (world) => {
      world.processes.define('dump', ({ stdout }) => {
        stdout.write(Buffer.alloc(300 * 1024));
      });
      const proc = await createSubprocessExec('dump', [], { stdout: PIPE });
      await sleep(10);
      expect(proc.returncode).toBeNull();
      proc.kill();
      await proc.communicate();
      expect(proc.returncode).toBe(-SIGKILL);
    });
  });

  it('ignores sendSignal on the driver handle once the child has exited (returns false)', async () => {
    await simulate(async (world) => {
      world.processes.define('quick', () => 0);
      const child: ChildProcessHandle = await world.loop._os!.processes!.spawn({
        program: 'quick',
        args: [],
        shell: false,
        stdio: ['devnull', 'devnull', 'devnull'],
      });
      const exited = world.loop.createFuture<number>();
      child.start({ exit: (rc) => exited.setResult(rc) });
      expect(await exited).toBe(0);
      expect(child.sendSignal('SIGTERM')).toBe(false);
      expect(child.sendSignal('SIGKILL')).toBe(false);
    });
  });

  it('does nothing for signals sent after the child exited, and the transport then reports ESRCH', async () => {
    await simulate(async (world) => {
      world.processes.define('quick', () => 3);
      const proc = await createSubprocessExec('quick');
      expect(await proc.wait()).toBe(3);
      let err: unknown = null;
      try {
        proc.terminate();
      } catch (e) {
        err = e;
      }
      expect((err as NodeJS.ErrnoException).code).toBe('ESRCH');
      expect(proc.returncode).toBe(3);
    });
  });

  it('does not fail the run when a child still runs as main returns', async () => {
    await simulate(async (world) => {
      world.processes.define('daemon', forever([]));
      await createSubprocessExec('daemon');
    });
  });
});
