import { describe, expect, it } from 'vitest';
import { simulate, sleep, type SimWorld } from '../../../src/index.js';
import type { RawStream } from '../../../src/loop/raw-stream.js';
import { PIPE_CAPACITY, SimPipe } from '../../../src/backends/sim/process/sim-pipe.js';

/** Start `end`, recording what it reports as short strings (data as its length). */
function record(end: RawStream): { log: string[]; bytes: Buffer[] } {
  const log: string[] = [];
  const bytes: Buffer[] = [];
  end.start({
    data: (chunk) => {
      log.push(`data ${chunk.length}`);
      bytes.push(Buffer.from(chunk));
    },
    end: () => log.push('end'),
    drain: () => log.push('drain'),
    close: (error) => log.push(`close ${error === null ? 'null' : (error as NodeJS.ErrnoException).code}`),
  });
  return { log, bytes };
}

/** A pipe whose reader is paused, holding a pipe-full with `extra` more bytes waiting in the writer's buffer. */
async function overfull(loop: SimWorld['loop'], extra: number) {
  const pipe = new SimPipe(loop);
  const writer = pipe.writers[0]!;
  pipe.reader.pauseReading();
  const r = record(pipe.reader);
  const w = record(writer);
  writer.write(Buffer.alloc(PIPE_CAPACITY + extra));
  await settle();
  return { pipe, writer, r, w };
}

/** Let the pipe's loop callbacks run. */
const settle = (): Promise<void> => sleep(0).then(() => sleep(0)).then(() => sleep(0));

describe('SimPipe', () => {
  it('carries bytes in order and reports EOF once the writer closed, never inside the call', async () => {
    await simulate(async (world) => {
      const pipe = new SimPipe(world.loop);
      const r = record(pipe.reader);
      const w = record(pipe.writers[0]!);
      pipe.writers[0]!.write(Buffer.from('ab'));
      pipe.writers[0]!.write(Buffer.from('cd'));
      pipe.writers[0]!.close();
      expect(r.log).toEqual([]);
      await settle();
      expect(Buffer.concat(r.bytes).toString()).toBe('abcd');
      expect(r.log).toEqual(['data 4', 'end']);
      expect(w.log).toEqual(['close null']);
    });
  });

  it('holds at most its capacity for a paused reader; the rest waits in the writer\'s buffer, and drains on resume', async () => {
    await simulate(async (world) => {
      const { pipe, writer, r, w } = await overfull(world.loop, 1000);
      expect(writer.writeBufferSize).toBe(1000);
      expect(r.log).toEqual([]);
      expect(w.log).toEqual([]);
      pipe.reader.resumeReading();
      await settle();
      expect(writer.writeBufferSize).toBe(0);
      expect(r.log).toEqual([`data ${PIPE_CAPACITY}`, 'data 1000']);
      expect(w.log).toEqual(['drain']);
    });
  });

  it('holds data that arrived before the reader started until it does', async () => {
    await simulate(async (world) => {
      const pipe = new SimPipe(world.loop);
      pipe.writers[0]!.write(Buffer.from('early'));
      pipe.writers[0]!.close();
      await settle();
      const r = record(pipe.reader);
      await settle();
      expect(r.log).toEqual(['data 5', 'end']);
    });
  });

  it('gives EOF only when every write end is closed, and interleaves writers in write order', async () => {
    await simulate(async (world) => {
      const pipe = new SimPipe(world.loop, 2);
      const [a, b] = [pipe.writers[0]!, pipe.writers[1]!];
      const r = record(pipe.reader);
      a.write(Buffer.from('1'));
      b.write(Buffer.from('2'));
      a.write(Buffer.from('3'));
      a.close();
      await settle();
      expect(Buffer.concat(r.bytes).toString()).toBe('123');
      expect(r.log).not.toContain('end');
      b.close();
      await settle();
      expect(r.log.at(-1)).toBe('end');
    });
  });

  it('closes a writer with EPIPE when the reader goes while it still has bytes to write, and cleanly when it had none', async () => {
    await simulate(async (world) => {
      const { pipe: full, r, w } = await overfull(world.loop, 1);
      full.reader.close();
      await settle();
      expect(w.log).toEqual(['close EPIPE']);
      expect(r.log).toEqual(['close null']);

      const idle = new SimPipe(world.loop);
      const w2 = record(idle.writers[0]!);
      record(idle.reader);
      idle.reader.close();
      await settle();
      // As asyncio's write pipe: the reader's going is seen at once, an error only when bytes were lost.
      expect(w2.log).toEqual(['close null']);
      idle.writers[0]!.write(Buffer.from('late'));
      await settle();
      expect(w2.log).toEqual(['close null']);
    });
  });

  it('abort() drops what the writer had not put in the pipe; the reader still gets what was in it, then EOF', async () => {
    await simulate(async (world) => {
      const { pipe, writer, r, w } = await overfull(world.loop, 500);
      writer.abort();
      expect(writer.writeBufferSize).toBe(0);
      pipe.reader.resumeReading();
      await settle();
      expect(r.log).toEqual([`data ${PIPE_CAPACITY}`, 'end']);
      expect(w.log).toEqual(['close null']);
    });
  });

  it('drops writes after writeEof without throwing', async () => {
    await simulate(async (world) => {
      const pipe = new SimPipe(world.loop);
      const r = record(pipe.reader);
      pipe.writers[0]!.write(Buffer.from('a'));
      pipe.writers[0]!.writeEof();
      pipe.writers[0]!.write(Buffer.from('b'));
      await settle();
      expect(Buffer.concat(r.bytes).toString()).toBe('a');
    });
  });

  it('checks its arguments', async () => {
    await simulate(async (world) => {
      expect(() => new SimPipe(world.loop, 0)).toThrow('SimPipe: writers must be an integer >= 1, got 0');
      expect(() => new SimPipe(world.loop, 1, 0)).toThrow(RangeError);
    });
  });
});
