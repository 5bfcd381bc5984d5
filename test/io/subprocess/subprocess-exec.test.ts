import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CancelledError, DEVNULL, EventLoopError, PIPE, STDOUT, sleep, type ExceptionContext } from '../../../src/index.js';
import { stdioSpecs } from '../../../src/io/subprocess/subprocess-methods.js';
import type { ReadTransport, WriteTransport } from '../../../src/io/transports.js';
import { CAT, NODE, Recorder, childResources, withLoop } from './support.js';

describe('subprocessExec (protocol level, on real child processes)', () => {
  it('echoes what is written to a cat-like child, with connectionMade first and connectionLost last', async () => {
    const events = await withLoop(async (loop) => {
      const [transport, proto] = await loop.subprocessExec(() => new Recorder(loop), NODE, CAT);
      expect(proto.events).toEqual(['connectionMade']);
      expect(proto.transport).toBe(transport);
      const stdin = transport.getPipeTransport(0) as WriteTransport;
      stdin.write('hello ');
      stdin.write(Buffer.from('world'));
      stdin.close();
      await proto.done;
      expect(proto.text(1)).toBe('hello world');
      transport.close();
      return proto.events;
    });
    expect(events[0]).toBe('connectionMade');
    expect(events.at(-1)).toBe('connectionLost null');
    expect(events).toContain('processExited');
    expect(events).toContain('pipeConnectionLost 0 null');
    expect(events.indexOf('pipeConnectionLost 1 null')).toBeGreaterThan(events.indexOf('data 1'));
    expect(events).toContain('pipeConnectionLost 2 null');
  });

  it('keeps stdout and stderr apart', async () => {
    await withLoop(async (loop) => {
      const [transport, proto] = await loop.subprocessExec(() => new Recorder(loop), NODE, ['-e', 'process.stdout.write("out"); process.stderr.write("err")']);
      await proto.done;
      expect(proto.text(1)).toBe('out');
      expect(proto.text(2)).toBe('err');
      transport.close();
    });
  });

  it('merges stderr into the stdout pipe with stderr: STDOUT', async () => {
    await withLoop(async (loop) => {
      const [transport, proto] = await loop.subprocessExec(() => new Recorder(loop), NODE, ['-e', 'process.stdout.write("out\\n"); process.stderr.write("err\\n")'], {
        stderr: STDOUT,
      });
      expect(transport.getPipeTransport(2)).toBeNull();
      await proto.done;
      expect(proto.text(1).split('\n').sort()).toEqual(['', 'err', 'out']);
      expect(proto.data.has(2)).toBe(false);
      expect(proto.events).not.toContain('pipeConnectionLost 2 null');
      transport.close();
    });
  });

  it('gives no pipe for DEVNULL: the child reads EOF and its output is dropped', async () => {
    await withLoop(async (loop) => {
      const script = 'let n = 0; process.stdin.on("data", (d) => (n += d.length)); process.stdin.on("end", () => { console.log("read", n); console.error("bye") })';
      const [transport, proto] = await loop.subprocessExec(() => new Recorder(loop), NODE, ['-e', script], { stdin: DEVNULL, stderr: DEVNULL });
      expect(transport.getPipeTransport(0)).toBeNull();
      expect(transport.getPipeTransport(2)).toBeNull();
      await proto.done;
      expect(proto.text(1)).toBe('read 0\n');
      expect(proto.data.has(2)).toBe(false);
      transport.close();
    });
  });

  it('reports the exit code, and null while the child runs', async () => {
    await withLoop(async (loop) => {
      const [transport, proto] = await loop.subprocessExec(() => new Recorder(loop), NODE, ['-e', 'process.stdin.once("data", () => process.exit(3))']);
      expect(transport.getReturncode()).toBeNull();
      expect(transport.getPid()).toBeGreaterThan(0);
      (transport.getPipeTransport(0) as WriteTransport).write('go');
      await proto.done;
      expect(transport.getReturncode()).toBe(3);
      transport.close();
    });
  });

  it('gives minus the signal number when the child is killed, terminated or signalled', async () => {
    const codes = await withLoop(async (loop) => {
      const out: number[] = [];
      for (const how of ['kill', 'terminate', 'SIGUSR2'] as const) {
        const [transport, proto] = await loop.subprocessExec(() => new Recorder(loop), NODE, ['-e', 'setInterval(() => {}, 1000); console.log("ready")']);
        while (!proto.text(1).includes('ready')) await sleep(5);
        if (how === 'kill') transport.kill();
        else if (how === 'terminate') transport.terminate();
        else transport.sendSignal(constants.signals.SIGUSR2);
        await proto.done;
        out.push(transport.getReturncode()!);
        transport.close();
      }
      return out;
    });
    expect(codes).toEqual([-constants.signals.SIGKILL, -constants.signals.SIGTERM, -constants.signals.SIGUSR2]);
  });

  it('rejects with ENOENT for a program that does not exist, holding nothing', async () => {
    const before = childResources();
    await withLoop(async (loop) => {
      const err = await loop.subprocessExec(() => new Recorder(loop), 'simloop-no-such-program-xyz', []).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect((err as { code?: string }).code).toBe('ENOENT');
    });
    expect(childResources()).toEqual(before);
  });

  it('runs a command line with the shell in subprocessShell', async () => {
    await withLoop(async (loop) => {
      const [transport, proto] = await loop.subprocessShell(() => new Recorder(loop), 'echo "$SIMLOOP_X" && echo oops >&2; exit 4', {
        env: { ...process.env, SIMLOOP_X: 'from env' },
      });
      await proto.done;
      expect(proto.text(1)).toBe('from env\n');
      expect(proto.text(2)).toBe('oops\n');
      expect(transport.getReturncode()).toBe(4);
      transport.close();
    });
  });

  it('runs the child in opts.cwd', async () => {
    await withLoop(async (loop) => {
      const [transport, proto] = await loop.subprocessExec(() => new Recorder(loop), NODE, ['-e', 'console.log(process.cwd())'], { cwd: '/' });
      await proto.done;
      expect(proto.text(1)).toBe('/\n');
      transport.close();
    });
  });

  it('close() kills a running child; connectionLost follows its exit', async () => {
    await withLoop(async (loop) => {
      const [transport, proto] = await loop.subprocessExec(() => new Recorder(loop), NODE, ['-e', 'setInterval(() => {}, 1000)']);
      transport.close();
      expect(transport.isClosing()).toBe(true);
      await proto.done;
      expect(transport.getReturncode()).toBe(-constants.signals.SIGKILL);
    });
  });

  it('sendSignal after the transport finished throws ESRCH (asyncio: ProcessLookupError)', async () => {
    await withLoop(async (loop) => {
      const [transport, proto] = await loop.subprocessExec(() => new Recorder(loop), NODE, ['-e', '']);
      await proto.done;
      expect(() => transport.kill()).toThrow(expect.objectContaining({ code: 'ESRCH' }));
      transport.close();
    });
  });

  it('releases every child handle once the transports are closed and the loop disposed', async () => {
    const before = childResources();
    await withLoop(async (loop) => {
      const [t1, p1] = await loop.subprocessExec(() => new Recorder(loop), NODE, CAT);
      const [t2] = await loop.subprocessExec(() => new Recorder(loop), NODE, ['-e', 'setInterval(() => {}, 1000)'], { stderr: STDOUT });
      (t1.getPipeTransport(0) as WriteTransport).write('x');
      while (p1.text(1) !== 'x') await sleep(5);
      t1.close();
      await t2[Symbol.asyncDispose]();
      await t1[Symbol.asyncDispose]();
    });
    expect(childResources()).toEqual(before);
  });
});

describe('subprocessExec stdio, errors and cancellation', () => {
  it('writes the child\'s stdout to a file descriptor given as opts.stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simloop-sp-'));
    const file = join(dir, 'out.txt');
    const fd = openSync(file, 'w');
    try {
      await withLoop(async (loop) => {
        const [transport, proto] = await loop.subprocessExec(() => new Recorder(loop), NODE, ['-e', 'console.log("to the file")'], { stdin: null, stdout: fd });
        expect(transport.getPipeTransport(0)).toBeNull();
        expect(transport.getPipeTransport(1)).toBeNull();
        await proto.done;
        transport.close();
      });
      expect(readFileSync(file, 'utf8')).toBe('to the file\n');
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('maps the stdio options to driver specs; STDOUT follows stdout wherever it goes', () => {
    expect(stdioSpecs({}, 'x', 'pipe')).toEqual(['pipe', 'pipe', 'pipe']);
    expect(stdioSpecs({}, 'x', 'inherit')).toEqual(['inherit', 'inherit', 'inherit']);
    expect(stdioSpecs({ stdin: DEVNULL, stdout: PIPE, stderr: STDOUT }, 'x', 'inherit')).toEqual(['devnull', 'pipe', 'stdout']);
    expect(stdioSpecs({ stdout: null, stderr: STDOUT }, 'x', 'pipe')).toEqual(['pipe', 'inherit', 1]);
    expect(stdioSpecs({ stdout: DEVNULL, stderr: STDOUT }, 'x', 'pipe')).toEqual(['pipe', 'devnull', 'devnull']);
    expect(stdioSpecs({ stdout: { fd: 5 }, stderr: STDOUT }, 'x', 'pipe')).toEqual(['pipe', 5, 5]);
  });

  it('sends an exception thrown by the protocol to the loop\'s exception handler and goes on', async () => {
    await withLoop(async (loop) => {
      const reports: ExceptionContext[] = [];
      loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
      const [transport, proto] = await loop.subprocessExec(() => {
        const r = new Recorder(loop);
        const base = r.pipeDataReceived.bind(r);
        r.pipeDataReceived = (fd, data) => {
          base(fd, data);
          throw new Error('protocol bug');
        };
        return r;
      }, NODE, ['-e', 'console.log("x")']);
      await proto.done;
      expect(proto.text(1)).toBe('x\n');
      expect(reports.map((r) => (r.exception as Error).message)).toContain('protocol bug');
      transport.close();
    });
  });

  it('a caller cancelled while the child starts gets CancelledError; the child is killed and released', async () => {
    const before = childResources();
    await withLoop(async (loop) => {
      const task = loop.createTask(() => loop.subprocessExec(() => new Recorder(loop), NODE, ['-e', 'setInterval(() => {}, 1000)']));
      await sleep(0);
      task.cancel();
      await expect(task).rejects.toBeInstanceOf(CancelledError);
      for (let i = 0; i < 200 && childResources().process > before.process; i++) await sleep(10);
      expect(childResources()).toEqual(before);
    });
  });
});

describe('subprocessExec flow control', () => {
  it('pauses the protocol while stdin is backed up and resumes it once drained; the child gets every byte', async () => {
    await withLoop(async (loop) => {
      const calls: string[] = [];
      // A child that reads slowly at first (so the pipe fills), then counts what it got.
      const script = 'let n = 0; process.stdin.pause(); setTimeout(() => process.stdin.resume(), 200); process.stdin.on("data", (d) => (n += d.length)); process.stdin.on("end", () => console.log(n))';
      const [transport, proto] = await loop.subprocessExec(() => {
        const r = new Recorder(loop);
        r.pauseWriting = () => calls.push('pause');
        r.resumeWriting = () => calls.push('resume');
        return r;
      }, NODE, ['-e', script]);
      const stdin = transport.getPipeTransport(0) as WriteTransport;
      const chunk = Buffer.alloc(64 * 1024, 97);
      for (let i = 0; i < 64; i++) stdin.write(chunk);
      expect(calls).toEqual(['pause']);
      expect(stdin.getWriteBufferSize()).toBeGreaterThan(64 * 1024);
      while (!calls.includes('resume')) await sleep(5);
      expect(stdin.getWriteBufferSize()).toBeLessThanOrEqual(stdin.getWriteBufferLimits()[0]);
      stdin.close();
      await proto.done;
      expect(proto.text(1)).toBe(`${64 * chunk.length}\n`);
      transport.close();
    });
  });

  it('delivers large output completely, and nothing while stdout reading is paused', async () => {
    await withLoop(async (loop) => {
      const total = 8 * 1024 * 1024;
      const script = `const b = Buffer.alloc(65536, 98); let left = ${total}; (function more() { while (left > 0) { left -= b.length; if (!process.stdout.write(b)) return process.stdout.once('drain', more); } })()`;
      let received = 0;
      let whilePaused = 0;
      let paused = false;
      const [transport, proto] = await loop.subprocessExec(() => {
        const r = new Recorder(loop);
        r.pipeDataReceived = (_fd, data) => {
          received += data.length;
          if (paused) whilePaused += data.length;
        };
        return r;
      }, NODE, ['-e', script]);
      const stdout = transport.getPipeTransport(1) as ReadTransport;
      while (received === 0) await sleep(1);
      stdout.pauseReading();
      paused = true;
      expect(stdout.isReading()).toBe(false);
      await sleep(50);
      paused = false;
      stdout.resumeReading();
      await proto.done;
      expect(whilePaused).toBe(0);
      expect(received).toBe(total);
      expect(transport.getReturncode()).toBe(0);
      transport.close();
    });
  });
});

describe('subprocessExec arguments', () => {
  it('rejects bad arguments at the call with TypeError or RangeError', async () => {
    await withLoop(async (loop) => {
      const f = () => new Recorder(loop);
      expect(() => loop.subprocessExec(f, 42 as never)).toThrow(TypeError);
      expect(() => loop.subprocessExec(f, NODE, [1] as never)).toThrow(/args\[0\]/);
      expect(() => loop.subprocessExec(f, NODE, [], { stdout: STDOUT })).toThrow(RangeError);
      expect(() => loop.subprocessExec(f, NODE, [], { stdin: -7 })).toThrow(RangeError);
      expect(() => loop.subprocessExec(f, NODE, [], { stdin: 'pipe' as never })).toThrow(TypeError);
      expect(() => loop.subprocessExec(null as never, NODE)).toThrow(/protocolFactory/);
      expect(() => loop.subprocessShell(f, ['ls'] as never)).toThrow(TypeError);
      expect(PIPE).toBe(-1);
    });
  });

  it('throws EventLoopError on a closed loop', async () => {
    const loop = await withLoop(async (l) => l);
    expect(() => loop.subprocessExec(() => new Recorder(loop), NODE)).toThrow(EventLoopError);
  });
});
