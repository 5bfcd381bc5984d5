import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { DEVNULL, PIPE, createSimWorld, createSubprocessExec, createSubprocessShell, gather, simulate, sleep, type SimWorld, type SimWorldOptions } from '../../../src/index.js';
import { Recorder } from '../../io/subprocess/support.js';
import { cat, echo, text, upper } from './support.js';

describe('SimProcesses: subprocessExec and subprocessShell with a SubprocessProtocol', () => {
  it('reports pipe data per fd, each pipe closing, the exit, then connectionLost', async () => {
    await simulate(async (world) => {
      world.processes.define('both', async ({ stdout, stderr }) => {
        stdout.write('out');
        await sleep(5);
        stderr.write('err');
        return 2;
      });
      const [transport, proto] = await world.loop.subprocessExec(() => new Recorder(world.loop), 'both', [], { stdin: DEVNULL });
      await proto.done;
      expect(transport.getPid()).toBe(1000);
      expect(transport.getReturncode()).toBe(2);
      expect(proto.text(1)).toBe('out');
      expect(proto.text(2)).toBe('err');
      expect(proto.events[0]).toBe('connectionMade');
      expect(proto.events.slice(1, 3)).toEqual(['data 1', 'data 2']);
      expect(proto.events.slice(3, -1).sort()).toEqual(['pipeConnectionLost 1 null', 'pipeConnectionLost 2 null', 'processExited']);
      expect(proto.events.at(-1)).toBe('connectionLost null');
    });
  });

  it('writes to the child through getPipeTransport(0)', async () => {
    await simulate(async (world) => {
      world.processes.define('upper', upper);
      const [transport, proto] = await world.loop.subprocessExec(() => new Recorder(world.loop), 'upper');
      const stdin = transport.getPipeTransport(0) as { write(d: string): void; close(): void };
      stdin.write('abc\n');
      stdin.close();
      await proto.done;
      expect(proto.text(1)).toBe('ABC\n');
      expect(proto.events).toContain('pipeConnectionLost 0 null');
    });
  });

  it('runs a shell command line with subprocessShell', async () => {
    await simulate(async (world) => {
      world.processes.define('echo', echo);
      const [, proto] = await world.loop.subprocessShell(() => new Recorder(world.loop), 'echo "a  b" c');
      await proto.done;
      expect(proto.text(1)).toBe('a  b c\n');
    });
  });

  it('kills a running child when the transport is closed', async () => {
    await simulate(async (world) => {
      world.processes.define('daemon', () => sleep(Infinity));
      const [transport, proto] = await world.loop.subprocessExec(() => new Recorder(world.loop), 'daemon');
      await sleep(10);
      transport.close();
      await proto.done;
      expect(transport.getReturncode()).toBe(-constants.signals.SIGKILL);
    });
  });

  it('gives the child a broken pipe when the parent closes its stdout pipe (as head does)', async () => {
    await simulate(async (world) => {
      let error: unknown = null;
      world.processes.define('yes', async ({ stdout }) => {
        try {
          for (;;) {
            stdout.write('y\n'.repeat(1024));
            await stdout.drain();
          }
        } catch (e) {
          error = e;
          return 141;
        }
      });
      const [transport, proto] = await world.loop.subprocessExec(() => new Recorder(world.loop), 'yes', [], { stdin: DEVNULL, stderr: DEVNULL });
      await sleep(0);
      transport.getPipeTransport(1)!.close();
      await proto.done;
      expect(transport.getReturncode()).toBe(141);
      expect(['EPIPE', 'ECONNRESET']).toContain((error as NodeJS.ErrnoException).code);
    });
  });
});

/** A run with processes of every kind: pipes, a merge, a crash, a signal, a shell line, in virtual time. */
async function scenario(world: SimWorld): Promise<string[]> {
  world.processes.define('cat', cat);
  world.processes.define('echo', echo);
  world.processes.define('crash', async () => {
    await sleep(3);
    throw new Error('boom');
  });
  world.processes.define('daemon', () => sleep(Infinity));
  const results: string[] = [];
  const a = await createSubprocessExec('cat', [], { stdin: PIPE, stdout: PIPE });
  const b = await createSubprocessShell('echo one two', { stdout: PIPE, stderr: PIPE });
  const c = await createSubprocessExec('crash', [], { stderr: PIPE });
  const d = await createSubprocessExec('daemon');
  const [ra, rb, rc] = await gather([() => a.communicate('x'.repeat(100_000)), () => b.communicate(), () => c.communicate()]);
  d.terminate();
  results.push(String(ra[0]!.length), text(rb[0])!, String(rc[1]!.length > 0), String(await d.wait()));
  return results;
}

async function traceOf(opts: SimWorldOptions): Promise<{ trace: string; results: string[] }> {
  const world = createSimWorld(opts);
  const results = await world.run(scenario);
  await world[Symbol.asyncDispose]();
  return { trace: JSON.stringify(world.trace()), results };
}

describe('SimProcesses: determinism', () => {
  it('gives the same trace twice for the same seed, spawns and exits included', async () => {
    for (const strategy of ['fifo', 'random'] as const) {
      const first = await traceOf({ seed: 'procs', strategy });
      const second = await traceOf({ seed: 'procs', strategy });
      expect(second.trace).toBe(first.trace);
      expect(first.results).toEqual(['100000', 'one two\n', 'true', String(-constants.signals.SIGTERM)]);
      const events = (JSON.parse(first.trace) as { kind: string; detail?: string }[]).filter((e) => e.kind === 'process').map((e) => e.detail);
      expect(events).toContain('spawn cat pid 1000');
      expect(events).toContain('exit cat pid 1000 returncode 0');
      expect(events).toContain('exit crash pid 1002 returncode 1');
      expect(events).toContain('signal SIGTERM pid 1003');
    }
  });
});
