import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLoop, sleep } from '../../../src/index.js';
import { NodeSelector } from '../../../src/backends/node/node-selector.js';
import { node, PipeRecorder, withLoop } from './support.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'simloop-pipes-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const MiB = 1024 * 1024;

describe('connectReadPipe on Node', () => {
  it("reads a child process's stdout: dataReceived, then eofReceived, then connectionLost(null)", async () => {
    await withLoop(async (loop) => {
      const { child, exited } = node("process.stdout.write('hello\\n'); setTimeout(() => process.stdout.write('world'), 10)");
      const proto = new PipeRecorder(loop);
      const [transport, protocol] = await loop.connectReadPipe(() => proto, child.stdout);
      expect(protocol).toBe(proto);
      expect(transport.getExtraInfo('pipe')).toBe(child.stdout);
      expect(await proto.lost).toBeNull();
      expect(proto.text).toBe('hello\nworld');
      expect(proto.calls).toEqual(['connectionMade', 'dataReceived', 'eofReceived', 'connectionLost']);
      expect(transport.isClosing()).toBe(true);
      expect(await exited).toBe(0);
    });
  });

  it('reads a regular file given as a file descriptor', async () => {
    const file = path.join(dir, 'fd.txt');
    fs.writeFileSync(file, 'from a file descriptor');
    await withLoop(async (loop) => {
      const proto = new PipeRecorder(loop);
      await loop.connectReadPipe(() => proto, fs.openSync(file, 'r'));
      expect(await proto.lost).toBeNull();
      expect(proto.text).toBe('from a file descriptor');
      expect(proto.calls).toEqual(['connectionMade', 'dataReceived', 'eofReceived', 'connectionLost']);
    });
  });

  it('reads a regular file given as an fs stream', async () => {
    const file = path.join(dir, 'stream.bin');
    const content = Buffer.alloc(MiB, 7);
    fs.writeFileSync(file, content);
    await withLoop(async (loop) => {
      const proto = new PipeRecorder(loop);
      await loop.connectReadPipe(() => proto, fs.createReadStream(file));
      expect(await proto.lost).toBeNull();
      expect(Buffer.concat(proto.chunks).equals(content)).toBe(true);
    });
  });

  it('delivers no data between pauseReading and resumeReading, then the rest in order', async () => {
    await withLoop(async (loop) => {
      // 4 MiB as fast as the child can write: Node reads several chunks per
      // poll, so some are already on their way into the loop when it pauses.
      const { child, exited } = node('const b = Buffer.alloc(4 * 1024 * 1024); for (let i = 0; i < b.length; i++) b[i] = i % 251; process.stdout.write(b)');
      const proto = new PipeRecorder(loop);
      let paused = false;
      let whilePaused = 0;
      const [transport] = await loop.connectReadPipe(() => proto, child.stdout);
      proto.onData = () => {
        if (paused) whilePaused++;
        if (proto.chunks.length === 1) {
          transport.pauseReading();
          paused = true;
        }
      };
      while (!paused) await sleep(1);
      expect(transport.isReading()).toBe(false);
      await sleep(20);
      paused = false;
      transport.resumeReading();
      expect(transport.isReading()).toBe(true);
      expect(await proto.lost).toBeNull();
      const all = Buffer.concat(proto.chunks);
      expect(all.length).toBe(4 * MiB);
      expect(all.every((v, i) => v === i % 251)).toBe(true);
      expect(whilePaused).toBe(0);
      expect(proto.calls.slice(-2)).toEqual(['eofReceived', 'connectionLost']);
      await exited;
    });
  });

  it('close() stops delivery and ends with connectionLost(null) once', async () => {
    await withLoop(async (loop) => {
      const { child, exited } = node("process.stdout.write('x'); setTimeout(() => {}, 10000)");
      const proto = new PipeRecorder(loop);
      const [transport] = await loop.connectReadPipe(() => proto, child.stdout);
      while (proto.chunks.length === 0) await sleep(1);
      transport.close();
      transport.close();
      expect(await proto.lost).toBeNull();
      expect(proto.calls).toEqual(['connectionMade', 'dataReceived', 'connectionLost']);
      child.kill();
      await exited;
    });
  });

  it('rejects what is not a pipe at the call', async () => {
    await withLoop(async (loop) => {
      expect(() => loop.connectReadPipe(() => ({}), 'stdin')).toThrow(TypeError);
      expect(() => loop.connectReadPipe(() => ({}), -1)).toThrow(RangeError);
      expect(() => loop.connectReadPipe(() => ({}), fs.openSync(dir, 'r'))).toThrow(RangeError);
      expect(() => loop.connectWritePipe(() => ({}), {})).toThrow(TypeError);
    });
  });

  it('throws a TypeError naming the missing pipe driver', () => {
    const loop = new EventLoop({ selector: new NodeSelector() });
    expect(() => loop.connectReadPipe(() => ({}), 0)).toThrow(/pipe driver/);
    loop.close();
  });
});

describe('connectWritePipe on Node', () => {
  it("writes to a child's stdin; close() sends EOF after the queued bytes", async () => {
    await withLoop(async (loop) => {
      const { child, exited } = node(
        "let s = ''; process.stdin.on('data', (d) => (s += d)); process.stdin.on('end', () => process.stdout.write(s.toUpperCase()))",
      );
      const reader = new PipeRecorder(loop);
      await loop.connectReadPipe(() => reader, child.stdout);
      const writer = new PipeRecorder(loop);
      const [transport] = await loop.connectWritePipe(() => writer, child.stdin);
      expect(transport.canWriteEof()).toBe(true);
      transport.write('abc');
      transport.write(new Uint8Array([100]));
      transport.writelines(['e', Buffer.from('f')]);
      transport.close();
      expect(transport.isClosing()).toBe(true);
      expect(await writer.lost).toBeNull();
      expect(await reader.lost).toBeNull();
      expect(reader.text).toBe('ABCDEF');
      expect(writer.calls).toEqual(['connectionMade', 'connectionLost']);
      expect(await exited).toBe(0);
    });
  });

  it('pauses writing above the high-water mark while the reader is slow, and resumes once drained', async () => {
    await withLoop(async (loop) => {
      const { child, exited } = node(
        "setTimeout(() => { let n = 0; process.stdin.on('data', (d) => (n += d.length)); process.stdin.on('end', () => process.stdout.write(String(n))); }, 50)",
      );
      const reader = new PipeRecorder(loop);
      await loop.connectReadPipe(() => reader, child.stdout);
      const writer = new PipeRecorder(loop);
      const [transport] = await loop.connectWritePipe(() => writer, child.stdin);
      transport.setWriteBufferLimits(128 * 1024);
      expect(transport.getWriteBufferLimits()).toEqual([32 * 1024, 128 * 1024]);
      // 1 MiB in one go: the pipe takes 64 KiB at most, the rest is buffered.
      for (let i = 0; i < 16; i++) transport.write(Buffer.alloc(64 * 1024, i));
      expect(writer.calls).toEqual(['connectionMade', 'pauseWriting']);
      expect(transport.getWriteBufferSize()).toBeGreaterThan(128 * 1024);
      for (let i = 0; i < 1000 && !writer.calls.includes('resumeWriting'); i++) await sleep(5);
      expect(writer.calls).toEqual(['connectionMade', 'pauseWriting', 'resumeWriting']);
      expect(transport.getWriteBufferSize()).toBeLessThanOrEqual(32 * 1024);
      transport.close();
      await writer.lost;
      await reader.lost;
      expect(reader.text).toBe(String(MiB));
      await exited;
    });
  });

  it('ends with connectionLost(EPIPE) when the reader exits without reading', async () => {
    await withLoop(async (loop) => {
      const { child, exited } = node('process.exit(0)');
      const writer = new PipeRecorder(loop);
      const [transport] = await loop.connectWritePipe(() => writer, child.stdin);
      transport.write(Buffer.alloc(MiB));
      const err = (await writer.lost) as NodeJS.ErrnoException;
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe('EPIPE');
      expect(transport.isClosing()).toBe(true);
      transport.write('dropped');
      expect(writer.calls).toEqual(['connectionMade', 'pauseWriting', 'connectionLost']);
      await exited;
    });
  });

  it('abort() drops queued bytes and ends with connectionLost(null)', async () => {
    await withLoop(async (loop) => {
      const { child, exited } = node("process.stdin.resume(); process.stdin.on('end', () => process.exit(0))");
      const writer = new PipeRecorder(loop);
      const [transport] = await loop.connectWritePipe(() => writer, child.stdin);
      transport.write(Buffer.alloc(MiB));
      transport.abort();
      expect(await writer.lost).toBeNull();
      expect(transport.getWriteBufferSize()).toBe(0);
      await exited;
    });
  });

  it('writes a regular file given as a file descriptor', async () => {
    const file = path.join(dir, 'out.txt');
    await withLoop(async (loop) => {
      const writer = new PipeRecorder(loop);
      const [transport] = await loop.connectWritePipe(() => writer, fs.openSync(file, 'w'));
      transport.write('written ');
      transport.write('through a pipe transport');
      await transport[Symbol.asyncDispose]();
      expect(writer.calls).toEqual(['connectionMade', 'connectionLost']);
    });
    expect(fs.readFileSync(file, 'utf8')).toBe('written through a pipe transport');
  });

  it('checks setWriteBufferLimits and write arguments', async () => {
    await withLoop(async (loop) => {
      const { child, exited } = node("process.stdin.resume(); process.stdin.on('end', () => process.exit(0))");
      const [transport] = await loop.connectWritePipe(() => ({}), child.stdin);
      expect(() => transport.setWriteBufferLimits(10, 20)).toThrow(RangeError);
      expect(() => transport.setWriteBufferLimits(Number.NaN)).toThrow(TypeError);
      expect(() => transport.write(5 as never)).toThrow(TypeError);
      transport.setWriteBufferLimits(undefined, 1000);
      expect(transport.getWriteBufferLimits()).toEqual([1000, 4000]);
      transport.close();
      await exited;
    });
  });
});
