import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { InvalidStateError, ScriptMismatchError, simulate, sleep } from '../../../src/index.js';
import { script } from '../../../src/backends/sim/scripted-peer.js';
import { mismatchOf, startPeer } from './support.js';

describe('scripted peer: literal expectations', () => {
  test('match the byte stream whatever its chunking', async () => {
    const exchange = 'HELLO alice\r\nLIST\r\nQUIT\r\n';
    const s = script().expect('HELLO alice\r\n').send('+OK hi\r\n').expect('LIST\r\n').send('+OK 0\r\n').expect('QUIT\r\n').send('+OK bye\r\n');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: exchange.length - 1 }), { maxLength: 8 }), async (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: string[] = [];
        let from = 0;
        for (const p of [...points, exchange.length]) {
          chunks.push(exchange.slice(from, p));
          from = p;
        }
        const got = await simulate(async (world) => {
          const code = startPeer(world, s);
          for (const c of chunks) {
            code.send(c);
            await sleep(1);
          }
          await sleep(10);
          return code.received();
        });
        expect(got).toBe('+OK hi\r\n+OK 0\r\n+OK bye\r\n');
      }),
      { numRuns: 60 },
    );
  });

  test('a mismatch fails the run at the first differing byte, without waiting for the rest, and resets the connection', async () => {
    let reset = false;
    const err = await mismatchOf(async (world) => {
      const code = startPeer(world, script().expect('HELO\r\n').send('250 ok\r\n').expect('MAIL FROM:<alice@example.com>\r\n'), 'smtp.test:25');
      code.send('HELO\r\n');
      await sleep(1);
      // Only a prefix: the divergence at "TO" is enough to fail.
      code.send('MAIL TO');
      await sleep(1);
      reset = code.peerReset;
    });
    expect(reset).toBe(true);
    expect(err).toBeInstanceOf(ScriptMismatchError);
    expect(err.message).toContain('scripted peer smtp.test:25: step 3 of 3, expect("MAIL FROM:<alice@example.com>\\r\\n")');
    expect(err.message).toContain('mismatched at byte 11 of the stream (byte 5 of the step)');
    const lines = err.message.split('\n');
    const expected = lines.find((l) => l.startsWith('  expected:'))!;
    const actual = lines.find((l) => l.startsWith('  actual:'))!;
    const caret = lines[lines.indexOf(actual) + 1]!;
    expect(expected).toBe('  expected: "MAIL FROM:<alice@example.com>\\r\\n"');
    expect(actual).toBe('  actual:   "MAIL TO"');
    // The caret sits under the first differing character, on both lines.
    expect(expected[caret.indexOf('^')]).toBe('F');
    expect(actual[caret.indexOf('^')]).toBe('T');
    expect(err.message).toContain('after:    "HELO\\r\\n"');
  });

  test('a binary mismatch is shown in hex', async () => {
    const err = await mismatchOf(async (world) => {
      const code = startPeer(world, script().expect(Uint8Array.of(0x00, 0x01, 0x02, 0xff, 0x10)));
      code.send(Uint8Array.of(0x00, 0x01, 0x02, 0xfe, 0x10));
      await sleep(1);
    });
    expect(err.message).toContain('mismatched at byte 3 of the stream (byte 3 of the step)');
    expect(err.message).toContain('  expected: 00 01 02 ff 10');
    expect(err.message).toContain('  actual:   00 01 02 fe 10');
    const lines = err.message.split('\n');
    const actual = lines.find((l) => l.startsWith('  actual:'))!;
    const caret = lines[lines.indexOf(actual) + 1]!;
    expect(actual.slice(caret.indexOf('^'), caret.indexOf('^') + 2)).toBe('fe');
  });

  test('a long text expectation is shown around the point of divergence', async () => {
    const body = `${'a'.repeat(200)}X${'b'.repeat(200)}`;
    const err = await mismatchOf(async (world) => {
      const code = startPeer(world, script().expect(body));
      code.send(`${'a'.repeat(200)}Y`);
      await sleep(1);
    });
    expect(err.message).toContain('(byte 200 of the step)');
    const expected = err.message.split('\n').find((l) => l.startsWith('  expected:'))!;
    expect(expected.length).toBeLessThan(100);
    expect(expected).toContain('...');
  });

  test('EOF before the expected bytes is a mismatch that says so', async () => {
    const err = await mismatchOf(async (world) => {
      const code = startPeer(world, script().expect('PING\r\n'));
      code.send('PI');
      code.eof();
      await sleep(1);
    });
    expect(err.message).toContain('mismatched at byte 2 of the stream (byte 2 of the step): the code under test closed its side (EOF)');
    expect(err.message).toContain('  actual:   "PI" <EOF>');
  });

  test('a reset before the expected bytes is a mismatch that says so', async () => {
    const err = await mismatchOf(async (world) => {
      const code = startPeer(world, script().expect('PING\r\n'));
      code.reset();
      await sleep(1);
    });
    expect(err.message).toContain('the connection was lost (ECONNRESET)');
    expect(err.message).toContain('<reset: ECONNRESET>');
  });
});

describe('scripted peer: RegExp expectations', () => {
  test('match at the current position and consume just their match', async () => {
    const got = await simulate(async (world) => {
      const code = startPeer(world, script().expect(/HELLO (\w+)\r\n/).send('hi\r\n').expect('BYE\r\n').send('bye\r\n'));
      code.send('HELLO bo');
      await sleep(1);
      code.send('b\r\nBY');
      await sleep(1);
      code.send('E\r\n');
      await sleep(1);
      return code.received();
    });
    expect(got).toBe('hi\r\nbye\r\n');
  });

  test('match bytes as UTF-8 text, whatever splits a character', async () => {
    const got = await simulate(async (world) => {
      const code = startPeer(world, script().expect(/NAME é+\n/).expect('END').send('ok'));
      const bytes = Buffer.from('NAME éé\nEND');
      // Split inside the two-byte "é".
      code.send(bytes.subarray(0, 7));
      await sleep(1);
      code.send(bytes.subarray(7));
      await sleep(1);
      return code.received();
    });
    expect(got).toBe('ok');
  });

  test('do not skip ahead: bytes before the match make it fail at EOF', async () => {
    const err = await mismatchOf(async (world) => {
      const code = startPeer(world, script().expect(/HELLO\r\n/));
      code.send('xHELLO\r\n');
      code.eof();
      await sleep(1);
    });
    expect(err.message).toContain('step 1 of 1, expect(/HELLO\\r\\n/), found no match at byte 0 of the stream before the code under test closed its side (EOF)');
    expect(err.message).toContain('actual:   "xHELLO\\r\\n" <EOF>');
  });

  test('fail once 64 KiB are buffered without a match', async () => {
    let reset = false;
    const err = await mismatchOf(async (world) => {
      const code = startPeer(world, script().expect(/END\r\n/));
      for (let i = 0; i < 16; i++) {
        code.send('z'.repeat(4096));
        await sleep(1);
      }
      reset = code.peerReset;
    });
    expect(reset).toBe(true);
    expect(err.message).toContain('found no match at byte 0 of the stream within 65536 bytes');
  });
});

describe('scripted peer: ends of the stream', () => {
  test('writeEof half-closes: the code reads EOF and can still send', async () => {
    const seen = await simulate(async (world) => {
      const code = startPeer(world, script().send('data').writeEof().expect('thanks'));
      await sleep(1);
      const eofFirst = code.peerEof;
      code.send('thanks');
      await sleep(1);
      return { eofFirst, received: code.received() };
    });
    expect(seen).toEqual({ eofFirst: true, received: 'data' });
  });

  test('expectEof passes when the code half-closes next', async () => {
    const closed = await simulate(async (world) => {
      const code = startPeer(world, script().expect('last').expectEof());
      code.send('last');
      code.eof();
      await sleep(1);
      // With nothing more to say, the peer closes once the code has.
      return code.peerClosed;
    });
    expect(closed).toBe(true);
  });

  test('expectEof takes a reset as the end of the stream too', async () => {
    await simulate(async (world) => {
      const code = startPeer(world, script().expect('bye').expectEof());
      code.send('bye');
      await sleep(1);
      code.reset();
      await sleep(1);
    });
  });

  test('expectEof mismatches when more data comes instead', async () => {
    const err = await mismatchOf(async (world) => {
      const code = startPeer(world, script().expect('last').expectEof());
      code.send('last and more');
      await sleep(1);
    });
    expect(err.message).toContain('step 2 of 2, expectEof(), mismatched at byte 4 of the stream: expected EOF, got 9 more bytes');
    expect(err.message).toContain('  actual:   " and more"');
  });

  test('close and reset end the connection, gracefully or not', async () => {
    const ends = await simulate(async (world) => {
      const a = startPeer(world, script().send('bye').close());
      const b = startPeer(world, script().reset());
      await sleep(1);
      return { a: [a.peerClosed, a.peerReset], b: [b.peerClosed, b.peerReset] };
    });
    expect(ends).toEqual({ a: [true, false], b: [true, true] });
  });

  test('a script that ends leaves the connection open while the code has not closed', async () => {
    const closed = await simulate(async (world) => {
      const code = startPeer(world, script().expect('hi').send('hello'));
      code.send('hi');
      await sleep(1);
      return code.peerClosed;
    });
    expect(closed).toBe(false);
  });
});

describe('scripted peer: time and the end of the run', () => {
  test('wait runs in virtual time', async () => {
    const at = await simulate(async (world) => {
      const code = startPeer(world, script().wait(5000).send('late'));
      while (code.received() === '') await sleep(100);
      return world.loop.time();
    });
    expect(at).toBe(5000);
  });

  test('an expectation still unmet when the run ends fails it, saying how far it got', async () => {
    const err = await mismatchOf(async (world) => {
      const code = startPeer(world, script().expect('USER bob\r\n').expect('PASS secret\r\n'), 'pop.test:110');
      code.send('USER bob\r\nPASS se');
      await sleep(1);
    });
    expect(err.message).toContain('scripted peer pop.test:110: step 2 of 2, expect("PASS secret\\r\\n"), was never met: the run ended first (the stream was at byte 17)');
    expect(err.message).toContain('received 7 of its 13 bytes: "PASS se"');
  });

  test('steps left that expect nothing do not fail the run', async () => {
    await simulate(async (world) => {
      const code = startPeer(world, script().expect('go').wait(60_000).send('too late'));
      code.send('go');
      await sleep(1);
    });
  });

  test('a mismatch fails the run even when the code goes on as if nothing happened', async () => {
    const err = await mismatchOf(async (world) => {
      const code = startPeer(world, script().expect('A'));
      code.send('B');
      await sleep(1);
      // main returns normally: the peer's failure still decides the run.
    });
    expect(err.message).toContain('step 1 of 1, expect("A"), mismatched at byte 0');
  });
});

describe('script(): the builder', () => {
  test('is immutable: each step makes a new script', () => {
    const base = script().expect('a');
    const longer = base.send('b');
    expect(base.length).toBe(1);
    expect(longer.length).toBe(2);
    expect(Object.isFrozen(longer.steps)).toBe(true);
    expect(script().length).toBe(0);
  });

  test('copies the bytes it is given', () => {
    const buf = Buffer.from('abc');
    const s = script().expect(buf).send(buf);
    buf[0] = 0x7a;
    expect(s.steps.map((st) => ('bytes' in st ? Buffer.from(st.bytes).toString() : ''))).toEqual(['abc', 'abc']);
  });

  test('rejects bad arguments naming the parameter', () => {
    expect(() => script().expect(42 as never)).toThrow(new TypeError('expect: data must be a Uint8Array or a string, got 42'));
    expect(() => script().expect('')).toThrow(RangeError);
    expect(() => script().send(null as never)).toThrow(/send: data must be a Uint8Array or a string, got null/);
    expect(() => script().wait(Number.NaN)).toThrow(new TypeError('wait: ms must be a number of milliseconds, got NaN'));
    expect(() => script().wait('5' as never)).toThrow(TypeError);
    expect(() => script().wait(-1)).toThrow(new RangeError('wait: ms must be a finite number >= 0, got -1'));
    expect(() => script().wait(Infinity)).toThrow(RangeError);
  });

  test('allows nothing after close() or reset(), and no writing after writeEof()', () => {
    expect(() => script().close().expect('x')).toThrow(InvalidStateError);
    expect(() => script().reset().wait(1)).toThrow(InvalidStateError);
    expect(() => script().writeEof().send('x')).toThrow(InvalidStateError);
    expect(script().writeEof().expect('x').close().length).toBe(3);
  });

  test('describes its steps', () => {
    const s = script().expect('HI\r\n').expect(/OK \d+/).send(Uint8Array.of(1, 2)).wait(10).writeEof().expectEof().close();
    expect(s.toString()).toBe(
      ['1. expect("HI\\r\\n")', '2. expect(/OK \\d+/)', '3. send(<2 bytes: 01 02>)', '4. wait(10)', '5. writeEof()', '6. expectEof()', '7. close()'].join('\n'),
    );
  });
});
