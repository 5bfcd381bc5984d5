import { describe, expect, it } from 'vitest';
import {
  createTask,
  IncompleteReadError,
  InvalidStateError,
  LimitOverrunError,
  simulate,
  StreamReader,
  StreamReaderProtocol,
} from '../../../src/index.js';
import { FakeTransport } from './fake-transport.js';
import { rejection, str, ticks } from './support.js';

/** A reader fed `chunks`, then EOF when `eof` is set. */
function fed(chunks: string[], eof = false, limit?: number): StreamReader {
  const r = new StreamReader(limit === undefined ? {} : { limit });
  for (const c of chunks) r.feedData(c);
  if (eof) r.feedEof();
  return r;
}

describe('StreamReader construction', () => {
  it('defaults the limit to 64 KiB', () => {
    expect(new StreamReader().limit).toBe(65536);
  });

  it('accepts the limit positionally or as an option', () => {
    expect(new StreamReader(10).limit).toBe(10);
    expect(new StreamReader({ limit: 20 }).limit).toBe(20);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => new StreamReader(0)).toThrow(RangeError);
    expect(() => new StreamReader(-5)).toThrow(/limit/);
    expect(() => new StreamReader({ limit: Number.NaN })).toThrow(TypeError);
  });
});

describe('StreamReader.read', () => {
  it('returns at most n of the buffered bytes without waiting for more', async () => {
    await simulate(async () => {
      const r = fed(['hello world']);
      expect(str(await r.read(5))).toBe('hello');
      expect(str(await r.read(100))).toBe(' world');
    });
  });

  it('waits for data when nothing is buffered', async () => {
    await simulate(async () => {
      const r = new StreamReader();
      const t = createTask(() => r.read(10));
      await ticks(2);
      expect(t.done()).toBe(false);
      r.feedData('abc');
      expect(str(await t)).toBe('abc');
    });
  });

  it('with no argument reads everything until EOF', async () => {
    await simulate(async () => {
      const r = new StreamReader(4);
      const t = createTask(() => r.read());
      r.feedData('0123456789');
      await ticks(2);
      r.feedData('abc');
      r.feedEof();
      expect(str(await t)).toBe('0123456789abc');
    });
  });

  it('returns empty bytes for n = 0 and at EOF', async () => {
    await simulate(async () => {
      const r = fed(['x'], true);
      expect((await r.read(0)).length).toBe(0);
      expect(str(await r.read(1))).toBe('x');
      expect((await r.read(1)).length).toBe(0);
      expect((await r.read()).length).toBe(0);
    });
  });

  it('throws TypeError at the call for a count that is not a number', () => {
    const r = new StreamReader();
    expect(() => r.read('3' as unknown as number)).toThrow(TypeError);
    expect(() => r.read(1.5)).toThrow(RangeError);
  });
});

describe('StreamReader.readline', () => {
  it('returns one line with its newline, across chunks', async () => {
    await simulate(async () => {
      const r = fed(['he', 'llo\nwor', 'ld\n']);
      expect(str(await r.readline())).toBe('hello\n');
      expect(str(await r.readline())).toBe('world\n');
    });
  });

  it('returns the unterminated rest at EOF, then empty bytes, never IncompleteReadError', async () => {
    await simulate(async () => {
      const r = fed(['a\npartial'], true);
      expect(str(await r.readline())).toBe('a\n');
      expect(str(await r.readline())).toBe('partial');
      const last = await r.readline();
      expect(last).toBeInstanceOf(Uint8Array);
      expect(last.length).toBe(0);
    });
  });

  it('throws LimitOverrunError past the limit and discards the whole overlong line', async () => {
    await simulate(async () => {
      const r = fed(['x'.repeat(20) + '\nnext\n'], false, 8);
      const err = await rejection(r.readline());
      expect(err).toBeInstanceOf(LimitOverrunError);
      expect(str(await r.readline())).toBe('next\n');
    });
  });

  it('throws LimitOverrunError when no newline arrives within the limit and clears the buffer', async () => {
    await simulate(async () => {
      const r = fed(['y'.repeat(20)], false, 8);
      expect(await rejection(r.readline())).toBeInstanceOf(LimitOverrunError);
      r.feedData('z\n');
      expect(str(await r.readline())).toBe('z\n');
    });
  });
});

describe('StreamReader.readuntil', () => {
  it('reads up to and including a string separator', async () => {
    await simulate(async () => {
      const r = fed(['key: value\r\n\r\nbody']);
      expect(str(await r.readuntil('\r\n\r\n'))).toBe('key: value\r\n\r\n');
      expect(str(await r.read(4))).toBe('body');
    });
  });

  it('accepts a Uint8Array separator that arrives split across chunks', async () => {
    await simulate(async () => {
      const r = new StreamReader();
      const t = createTask(() => r.readuntil(Uint8Array.of(0xff, 0x00)));
      r.feedData(Uint8Array.of(1, 2, 0xff));
      await ticks(2);
      expect(t.done()).toBe(false);
      r.feedData(Uint8Array.of(0x00, 3));
      expect([...(await t)]).toEqual([1, 2, 0xff, 0x00]);
    });
  });

  it('with several separators returns at the match that ends first', async () => {
    await simulate(async () => {
      const r = fed(['abc;;def|ghi']);
      expect(str(await r.readuntil(['|', ';;']))).toBe('abc;;');
      expect(str(await r.readuntil(['|', ';;']))).toBe('def|');
    });
  });

  it('throws IncompleteReadError with everything buffered when EOF comes first', async () => {
    await simulate(async () => {
      const r = fed(['no separator'], true);
      const err = (await rejection(r.readuntil('!'))) as IncompleteReadError;
      expect(err).toBeInstanceOf(IncompleteReadError);
      expect(str(err.partial)).toBe('no separator');
      expect(err.expected).toBeNull();
      expect(r.atEof()).toBe(true);
    });
  });

  it('throws LimitOverrunError and keeps the data when the separator is not within the limit', async () => {
    await simulate(async () => {
      const r = fed(['0123456789'], false, 4);
      const err = (await rejection(r.readuntil('!'))) as LimitOverrunError;
      expect(err).toBeInstanceOf(LimitOverrunError);
      expect(err.consumed).toBeGreaterThan(4);
      expect(str(await r.read(100))).toBe('0123456789');
    });
  });

  it('throws LimitOverrunError when the separator is found beyond the limit', async () => {
    await simulate(async () => {
      const r = fed(['0123456789!'], false, 4);
      const err = (await rejection(r.readuntil('!'))) as LimitOverrunError;
      expect(err.consumed).toBe(10);
      expect(err.message).toMatch(/found/);
    });
  });

  it('rejects an empty separator or list at the call', () => {
    const r = new StreamReader();
    expect(() => r.readuntil('')).toThrow(RangeError);
    expect(() => r.readuntil([])).toThrow(RangeError);
    expect(() => r.readuntil(5 as unknown as string)).toThrow(TypeError);
  });
});

describe('StreamReader.readexactly', () => {
  it('waits until exactly n bytes are there and leaves the rest', async () => {
    await simulate(async () => {
      const r = new StreamReader();
      const t = createTask(() => r.readexactly(6));
      r.feedData('abc');
      await ticks(2);
      expect(t.done()).toBe(false);
      r.feedData('defgh');
      expect(str(await t)).toBe('abcdef');
      expect(str(await r.read(10))).toBe('gh');
    });
  });

  it('throws IncompleteReadError with the partial bytes and the expected count at EOF', async () => {
    await simulate(async () => {
      const r = fed(['abc'], true);
      const err = (await rejection(r.readexactly(5))) as IncompleteReadError;
      expect(err).toBeInstanceOf(IncompleteReadError);
      expect(str(err.partial)).toBe('abc');
      expect(err.expected).toBe(5);
    });
  });

  it('rejects a negative count at the call', () => {
    expect(() => new StreamReader().readexactly(-1)).toThrow(RangeError);
  });
});

describe('StreamReader state', () => {
  it('atEof is true only once EOF was fed and the buffer is empty', async () => {
    await simulate(async () => {
      const r = fed(['a']);
      expect(r.atEof()).toBe(false);
      r.feedEof();
      expect(r.atEof()).toBe(false);
      await r.read(1);
      expect(r.atEof()).toBe(true);
    });
  });

  it('refuses feedData after feedEof', () => {
    const r = fed([], true);
    expect(() => r.feedData('x')).toThrow(InvalidStateError);
  });

  it('setException wakes the waiting reader with the error, and later reads throw it', async () => {
    await simulate(async () => {
      const r = new StreamReader();
      const t = createTask(() => r.readline());
      await ticks(2);
      const boom = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
      r.setException(boom);
      expect(await rejection(t)).toBe(boom);
      expect(r.exception()).toBe(boom);
      expect(await rejection(r.read(1))).toBe(boom);
    });
  });

  it('lets only one task wait for data at a time', async () => {
    await simulate(async () => {
      const r = new StreamReader();
      const first = createTask(() => r.read(1));
      await ticks(2);
      expect(await rejection(r.readline())).toBeInstanceOf(InvalidStateError);
      r.feedData('z');
      expect(str(await first)).toBe('z');
    });
  });

  it('stays usable after a waiting read is cancelled', async () => {
    await simulate(async () => {
      const r = new StreamReader();
      const t = createTask(() => r.readline());
      await ticks(2);
      t.cancel();
      await ticks(2);
      expect(t.cancelled()).toBe(true);
      r.feedData('ok\n');
      expect(str(await r.readline())).toBe('ok\n');
    });
  });
});

describe('StreamReader description', () => {
  it('says how much is buffered and its state', () => {
    const r = fed(['abc'], true, 10);
    expect(String(r)).toBe('<StreamReader 3 bytes eof limit=10>');
  });
});

describe('StreamReader async iteration', () => {
  it('yields each line, the unterminated rest last, and ends at EOF', async () => {
    await simulate(async () => {
      const r = fed(['one\ntwo\nthr', 'ee'], true);
      const lines: string[] = [];
      for await (const line of r) lines.push(str(line));
      expect(lines).toEqual(['one\n', 'two\n', 'three']);
    });
  });
});

describe('StreamReader flow control', () => {
  it('pauses the transport above twice the limit and resumes once reads bring it to the limit', async () => {
    await simulate(async () => {
      const r = new StreamReader(10);
      const t = new FakeTransport().connect(new StreamReaderProtocol(r));
      t.receive('x'.repeat(20));
      expect(t.pauseCalls).toBe(0);
      t.receive('x');
      expect(t.reading).toBe(false);
      t.receive('x'.repeat(5));
      expect(t.pauseCalls).toBe(1);
      await r.read(10);
      expect(t.reading).toBe(false);
      await r.read(6);
      expect(t.reading).toBe(true);
      expect(t.resumeCalls).toBe(1);
    });
  });

  it('resumes a paused transport when a read needs more than is buffered', async () => {
    await simulate(async () => {
      const r = new StreamReader(4);
      const t = new FakeTransport().connect(new StreamReaderProtocol(r));
      t.receive('abcdefghij');
      expect(t.reading).toBe(false);
      const read = createTask(() => r.readexactly(12));
      await ticks(2);
      expect(t.reading).toBe(true);
      t.receive('kl');
      expect(str(await read)).toBe('abcdefghijkl');
    });
  });
});
