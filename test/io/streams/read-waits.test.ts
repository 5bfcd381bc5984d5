import { describe, expect, it } from 'vitest';
import { CancelledError, createTask, getRunningLoop, simulate, StreamReader, StreamReaderProtocol, StreamWriter } from '../../../src/index.js';
import { FakeTransport } from './fake-transport.js';
import { rejection, str, ticks } from './support.js';

describe('StreamReader reads that wait for several chunks', () => {
  it('readexactly resolves once the last of several chunks brings n bytes', async () => {
    await simulate(async () => {
      const r = new StreamReader();
      const t = createTask(() => r.readexactly(6));
      for (const part of ['ab', 'cd']) {
        await ticks(2);
        r.feedData(part);
      }
      await ticks(2);
      expect(t.done()).toBe(false);
      r.feedData('efgh');
      expect(str(await t)).toBe('abcdef');
      expect(str(await r.read(10))).toBe('gh');
    });
  });

  it('read(n) waits once at most: bytes taken by another read before its wakeup leave it empty, as in asyncio', async () => {
    await simulate(async () => {
      const r = new StreamReader();
      const waiting = createTask(() => r.read(10));
      await ticks(2);
      r.feedData('ab');
      // Buffered, so this read takes the bytes at once, before the waiting read's wakeup runs.
      expect(str(await r.read(10))).toBe('ab');
      expect((await waiting).length).toBe(0);
      r.feedData('cd');
      expect(str(await r.read(10))).toBe('cd');
    });
  });

  it('readuntil finds a separator that arrives in the third chunk', async () => {
    await simulate(async () => {
      const r = new StreamReader();
      const t = createTask(() => r.readuntil('\r\n'));
      for (const part of ['GET /', ' HTTP/1.1\r', '\nHost']) {
        await ticks(2);
        r.feedData(part);
      }
      expect(str(await t)).toBe('GET / HTTP/1.1\r\n');
      expect(str(await r.read(10))).toBe('Host');
    });
  });

  it('a task cancelled after a first chunk came gets CancelledError, and the bytes stay buffered', async () => {
    await simulate(async () => {
      const r = new StreamReader();
      const t = createTask(() => r.readexactly(4));
      await ticks(2);
      r.feedData('ab');
      await ticks(2);
      t.cancel();
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
      r.feedData('cd');
      expect(str(await r.readexactly(4))).toBe('abcd');
    });
  });

  it('a read started while a cancelled read\'s wakeup is still pending gets the next data, the cancelled one its CancelledError', async () => {
    await simulate(async () => {
      const r = new StreamReader();
      const first = createTask(() => r.readexactly(2));
      await ticks(2);
      // Cancelled and replaced in one go: the first read's wakeup has not run yet.
      first.cancel();
      const second = r.readexactly(2);
      await ticks(2);
      r.feedData('xy');
      expect(await rejection(first)).toBeInstanceOf(CancelledError);
      expect(str(await second)).toBe('xy');
    });
  });

  it('a task cancelled while it awaited a plain promise gets CancelledError at its next read that waits, with the message, and the reader stays usable', async () => {
    await simulate(async () => {
      const r = new StreamReader();
      let go!: () => void;
      const plain = new Promise<void>((resolve) => (go = resolve));
      const t = createTask(async () => {
        await plain;
        return r.readexactly(2);
      });
      await ticks(2);
      t.cancel('stop');
      go();
      const e = await rejection(t);
      expect(e).toBeInstanceOf(CancelledError);
      expect((e as Error).message).toBe('stop');
      r.feedData('xy');
      expect(str(await r.readexactly(2))).toBe('xy');
    });
  });

  it('a task waiting on a read counts as awaiting it: cancelling the task reports true and the read rejects', async () => {
    await simulate(async () => {
      const r = new StreamReader();
      const t = createTask(() => r.read(5));
      await ticks(2);
      expect(String(r)).toContain('waiting');
      expect(t.cancel()).toBe(true);
      expect(String(r)).not.toContain('waiting');
      expect(await rejection(t)).toBeInstanceOf(CancelledError);
    });
  });

  it('readline waiting for the rest of a line rejects with the error the connection was lost to', async () => {
    await simulate(async () => {
      const r = new StreamReader();
      const t = createTask(() => r.readline());
      await ticks(2);
      r.feedData('half a li');
      await ticks(2);
      const err = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      r.setException(err);
      expect(await rejection(t)).toBe(err);
    });
  });

  it('a read on a reader that holds an exception rejects; it does not throw at the call', async () => {
    await simulate(async () => {
      const r = new StreamReader();
      const err = new Error('gone');
      r.setException(err);
      for (const read of [() => r.read(1), () => r.readexactly(1), () => r.readline(), () => r.readuntil('x')]) {
        let p: Promise<Uint8Array> | undefined;
        expect(() => (p = read())).not.toThrow();
        expect(await rejection(p!)).toBe(err);
      }
    });
  });
});

describe('StreamWriter.drain', () => {
  it('reports a lost connection as a rejection, never as a throw at the call', async () => {
    await simulate(async () => {
      const reader = new StreamReader();
      const protocol = new StreamReaderProtocol(reader);
      const transport = new FakeTransport().connect(protocol);
      const writer = new StreamWriter(transport, protocol, reader, getRunningLoop());
      transport.lose(null);
      let p: Promise<void> | undefined;
      expect(() => (p = writer.drain())).not.toThrow();
      expect(((await rejection(p!)) as { code?: string }).code).toBe('ECONNRESET');
    });
  });
});
