import { describe, expect, test } from 'vitest';
import { createTask, openConnection, sleep, startServer, type Future, type Task } from '../../src/index.js';
import { backends } from './backends.js';
import { connectedPair, portOf, Recorder, within } from './support.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/**
 * The writer must pause before this much is written. Both backends buffer
 * far less: the simulated network models 256 KiB each way, a real loopback
 * socket a few MiB; the assertion is "pauses before N", never an exact count.
 */
const PAUSES_BEFORE = 64 * MiB;
const CHUNK = 64 * KiB;

/** A writer's protocol that notes whether it is paused, and lets a test wait for the next resumeWriting. */
class Writer extends Recorder {
  paused = false;
  /** The transport's buffer size and high-water mark at each pauseWriting. */
  readonly atPause: { size: number; high: number }[] = [];
  private _resumed: Future<void> | null = null;
  override pauseWriting(): void {
    super.pauseWriting();
    this.paused = true;
    const [, high] = this.transport!.getWriteBufferLimits();
    this.atPause.push({ size: this.transport!.getWriteBufferSize(), high });
  }
  override resumeWriting(): void {
    super.resumeWriting();
    this.paused = false;
    this._resumed?.setResult(undefined);
    this._resumed = null;
  }
  /** Resolves at the next resumeWriting. */
  nextResume(): Future<void> {
    this._resumed ??= this.loop.createFuture<void>();
    return this._resumed;
  }
}

/**
 * How long a pause must hold while the peer does not read, for the test to
 * count the pipe as full. A real kernel may still take in bytes that were
 * on their way when the writer paused (and resume it), so the bodies fill
 * again until a pause holds this long: never a bound on how long anything takes.
 */
const HOLD_MS = 20;

/** Chunk `i` of the stream: filled with a byte that changes from chunk to chunk, so that a lost or reordered chunk shows. */
function chunk(i: number): Uint8Array {
  return new Uint8Array(CHUNK).fill(i % 251);
}

describe.each(backends)('backpressure on the $name backend', (backend) => {
  test('a peer that stops reading pauses the writer before 64 MiB, and the pause holds; it resumes after the peer drains, and every byte arrives in order', async () => {
    const got = await backend.run(async (world) => {
      const { loop } = world;
      const { server, client: writer, t, peer } = await connectedPair(world, new Writer(loop));
      peer.transport!.pauseReading();
      let chunks = 0;
      const fill = async (): Promise<void> => {
        while (!writer.paused && chunks * CHUNK < PAUSES_BEFORE) {
          t.write(chunk(chunks++));
          // Let the loop run now and then, so that bytes move on to the peer's buffers.
          if (chunks % 16 === 0) await sleep(0);
        }
      };
      let held = false;
      while (!held && chunks * CHUNK < PAUSES_BEFORE) {
        await fill();
        await sleep(HOLD_MS);
        held = writer.paused;
      }
      const written = chunks * CHUNK;
      const [low] = t.getWriteBufferLimits();
      const heldAboveLow = t.getWriteBufferSize() > low;
      const resumed = writer.nextResume();
      peer.transport!.resumeReading();
      await within(resumed, 20_000);
      await within(peer.bytes(written), 20_000);
      const inOrder = Buffer.concat(peer.chunks).equals(Buffer.concat(Array.from({ length: chunks }, (_, i) => chunk(i))));
      t.close();
      await within(peer.lost);
      server.close();
      await within(server.waitClosed());
      const events = writer.events.filter((e) => e === 'pause' || e === 'resume');
      return { held, written, heldAboveLow, pausedAboveHigh: writer.atPause.every((p) => p.size > p.high), events, inOrder };
    });
    expect(got.held).toBe(true);
    expect(got.written).toBeGreaterThan(CHUNK);
    expect(got.written).toBeLessThan(PAUSES_BEFORE);
    expect(got.pausedAboveHigh).toBe(true);
    expect(got.heldAboveLow).toBe(true);
    // pause, resume, pause, ... resume: each pause answered by one resume, the last after the peer read.
    expect(got.events.length % 2).toBe(0);
    expect(got.events).toEqual(got.events.map((_, i) => (i % 2 === 0 ? 'pause' : 'resume')));
    expect(got.inOrder).toBe(true);
  });

  test('streams: drain() waits while the peer does not read, and returns once the peer reads', async () => {
    const got = await backend.run(async (world) => {
      const { loop, host } = world;
      const reading = loop.createFuture<void>();
      let received = 0;
      const server = await startServer(async (reader, writer) => {
        await reading;
        for (;;) {
          const data = await reader.read(CHUNK);
          if (data.length === 0) break;
          received += data.length;
        }
        writer.close();
      }, host, 0);
      const [reader, writer] = await openConnection(host, portOf(server));
      const [, high] = writer.transport.getWriteBufferLimits();
      let written = 0;
      let drained: Task<void> | null = null;
      while ((drained === null || drained.done()) && written < PAUSES_BEFORE) {
        while (writer.transport.getWriteBufferSize() <= high && written < PAUSES_BEFORE) {
          writer.write(chunk(written / CHUNK));
          written += CHUNK;
          await sleep(0);
        }
        drained = createTask(() => writer.drain());
        await sleep(HOLD_MS);
      }
      const waitedWhileUnread = !drained!.done();
      reading.setResult(undefined);
      await within(drained!, 20_000);
      writer.writeEof();
      await within(reader.read());
      writer.close();
      await within(writer.waitClosed());
      server.close();
      await within(server.waitClosed());
      return { waitedWhileUnread, filledBefore: written < PAUSES_BEFORE, received, written };
    });
    expect(got.waitedWhileUnread).toBe(true);
    expect(got.filledBefore).toBe(true);
    expect(got.received).toBe(got.written);
  });
});
