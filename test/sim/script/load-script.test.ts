import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { ScriptMismatchError, simulate, sleep } from '../../../src/index.js';
import { loadScript, scriptFromTranscript } from '../../../src/backends/sim/script/load-script.js';
import type { ScriptStep } from '../../../src/backends/sim/scripted-peer.js';
import { mismatchOf, startPeer } from './support.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'simloop-load-script-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** Write a fixture (an object as JSON, or raw text) to a fresh file. */
function fixture(content: unknown): string {
  const path = join(dir, `f${++files}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const transcript = (events: unknown[]): unknown => ({ version: 1, peer: { host: '127.0.0.1', port: 80 }, tls: false, events });

/** Steps in a comparable shape: kind plus text, pattern or ms. */
function shape(steps: readonly ScriptStep[]): string[] {
  return steps.map((s) => {
    if (s.kind === 'expect' || s.kind === 'send') return `${s.kind} ${Buffer.from(s.bytes).toString()}`;
    if (s.kind === 'expectMatch') return `expectMatch ${String(s.pattern)}`;
    if (s.kind === 'wait') return `wait ${s.ms}`;
    return s.kind;
  });
}

describe('loadScript: what a fixture becomes', () => {
  test('sent bytes become expectations and received bytes sends', () => {
    const s = loadScript(fixture(transcript([
      { t: 0, dir: 'sent', data: b64('GET /\r\n') },
      { t: 5, dir: 'received', data: b64('200 OK\r\n') },
      { t: 6, dir: 'sent', data: b64('BYE\r\n') },
    ])));
    expect(shape(s.steps)).toEqual(['expect GET /\r\n', 'send 200 OK\r\n', 'expect BYE\r\n']);
  });

  test('the ends of each side become writeEof, close, reset and expectEof', () => {
    const kinds = (dir: string, kind: string): string[] => shape(loadScript(fixture(transcript([{ t: 0, dir, kind }]))).steps);
    expect(kinds('received', 'eof')).toEqual(['writeEof']);
    expect(kinds('received', 'close')).toEqual(['close']);
    expect(kinds('received', 'reset')).toEqual(['reset']);
    expect(kinds('sent', 'eof')).toEqual(['expectEof']);
    expect(kinds('sent', 'close')).toEqual(['expectEof']);
    expect(kinds('sent', 'reset')).toEqual(['expectEof']);
  });

  test('a sent match event becomes a RegExp expectation, with its flags', () => {
    const s = loadScript(fixture(transcript([
      { t: 0, dir: 'sent', match: 'DATE \\d+\\r\\n' },
      { t: 1, dir: 'sent', match: 'id=[a-f]+;', flags: 'i' },
    ])));
    expect(shape(s.steps)).toEqual(['expectMatch /DATE \\d+\\r\\n/', 'expectMatch /id=[a-f]+;/i']);
  });

  test("timing 'none' (the default) has no waits; 'recorded' waits the gaps before the peer's own actions", () => {
    const path = fixture(transcript([
      { t: 0, dir: 'sent', data: b64('a') },
      { t: 40, dir: 'received', data: b64('b') },
      { t: 40, dir: 'received', data: b64('c') },
      { t: 100, dir: 'sent', data: b64('d') },
      { t: 130, dir: 'received', kind: 'eof' },
    ]));
    expect(shape(loadScript(path).steps)).toEqual(['expect a', 'send b', 'send c', 'expect d', 'writeEof']);
    expect(shape(loadScript(path, { timing: 'none' }).steps)).toEqual(shape(loadScript(path).steps));
    expect(shape(loadScript(path, { timing: 'recorded' }).steps)).toEqual(['expect a', 'wait 40', 'send b', 'send c', 'expect d', 'wait 30', 'writeEof']);
  });

  test('with recorded timing the peer answers as late as the recorded one, in virtual time', async () => {
    const path = fixture(transcript([
      { t: 0, dir: 'sent', data: b64('ping') },
      { t: 250, dir: 'received', data: b64('pong') },
    ]));
    const at = await simulate(async (world) => {
      const code = startPeer(world, loadScript(path, { timing: 'recorded' }));
      code.send('ping');
      while (code.received() === '') await sleep(10);
      return world.loop.time();
    });
    expect(at).toBe(250);
  });

  test('a loaded script plays the recorded peer against the code', async () => {
    const got = await simulate(async (world) => {
      const code = startPeer(world, loadScript(join(FIXTURES, 'http-get.json')));
      code.send('GET /greeting HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: close\r\n\r\n');
      await sleep(1);
      const eof = code.peerEof;
      code.eof();
      await sleep(1);
      return { received: code.received(), eof };
    });
    expect(got.eof).toBe(true);
    expect(got.received).toBe('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nConnection: close\r\n\r\nhello\n');
  });

  test('the example fixture with a match event accepts any id, and its timing holds', async () => {
    const got = await simulate(async (world) => {
      const code = startPeer(world, loadScript(join(FIXTURES, 'line-protocol-match.json'), { timing: 'recorded' }));
      await sleep(1);
      code.send('HELLO client-0badf00d\n');
      while (!code.received().includes('PING')) await sleep(1);
      const pingAt = world.loop.time();
      code.send('PONG\n');
      code.eof();
      await sleep(100);
      return { received: code.received(), pingAt, closed: code.peerClosed };
    });
    expect(got).toEqual({ received: 'READY\nWELCOME\nPING\n', pingAt: 250, closed: true });
  });

  test('a mismatch names the fixture event the step came from', async () => {
    const path = fixture(transcript([
      { t: 0, dir: 'sent', data: b64('HELLO\n') },
      { t: 1, dir: 'received', data: b64('HI\n') },
      { t: 2, dir: 'sent', data: b64('QUIT\n') },
    ]));
    const err = await mismatchOf(async (world) => {
      const code = startPeer(world, loadScript(path));
      code.send('HELLO\nQUIZ\n');
      await sleep(1);
    });
    expect(err).toBeInstanceOf(ScriptMismatchError);
    expect(err.message).toContain(`step 3 of 3, expect("QUIT\\n") (${path} events[2]), mismatched at byte 9 of the stream`);
  });
});

describe('loadScript: errors', () => {
  test('a missing file names the path and carries ENOENT', () => {
    const path = join(dir, 'nope.json');
    let err: unknown;
    try {
      loadScript(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).toBe('ENOENT');
    expect((err as Error).message).toContain(`loadScript: cannot read the fixture ${path}`);
  });

  test('bad JSON is a SyntaxError naming the file', () => {
    const path = fixture('{ "version": 1, ');
    expect(() => loadScript(path)).toThrow(SyntaxError);
    expect(() => loadScript(path)).toThrow(`loadScript: ${path} is not valid JSON`);
  });

  test('another version is a RangeError', () => {
    const path = fixture({ version: 2, peer: { host: 'a', port: 1 }, tls: false, events: [] });
    expect(() => loadScript(path)).toThrow(new RangeError(`loadScript: ${path}: version must be 1 (the only transcript version this simloop reads), got 2`));
  });

  test.each([
    [{ t: 0, dir: 'in', data: b64('x') }, 'events[0].dir must be "sent" or "received", got "in"'],
    [{ t: -1, dir: 'sent', data: b64('x') }, 'events[0].t must be a finite number of ms >= 0, got -1'],
    [{ t: 0, dir: 'sent', data: '###' }, 'events[0].data must be non-empty base64, got "###"'],
    [{ t: 0, dir: 'sent' }, 'events[0] must have exactly one of data, match and kind, got none'],
    [{ t: 0, dir: 'sent', data: b64('x'), kind: 'eof' }, 'events[0] must have exactly one of data, match and kind, got data and kind'],
    [{ t: 0, dir: 'sent', kind: 'hangup' }, 'events[0].kind must be "eof", "close" or "reset", got "hangup"'],
    [{ t: 0, dir: 'received', match: 'x' }, 'events[0].match is only for "sent" events'],
    [{ t: 0, dir: 'sent', match: '(' }, 'events[0].match is not a valid regular expression'],
  ])('a bad event is a TypeError naming its index and field: %j', (event, message) => {
    const path = fixture(transcript([event]));
    expect(() => loadScript(path)).toThrow(TypeError);
    expect(() => loadScript(path)).toThrow(`loadScript: ${path}: ${message}`);
  });

  test('names the later event when times go backwards', () => {
    const path = fixture(transcript([{ t: 5, dir: 'sent', data: b64('a') }, { t: 4, dir: 'received', data: b64('b') }]));
    expect(() => loadScript(path)).toThrow("events[1].t must not be less than the previous event's t (5), got 4");
  });

  test('refuses events after the peer closed or reset', () => {
    const path = fixture(transcript([{ t: 0, dir: 'received', kind: 'close' }, { t: 1, dir: 'received', data: b64('late') }]));
    expect(() => loadScript(path)).toThrow(RangeError);
    expect(() => loadScript(path)).toThrow(`${path} events[1]: nothing can follow the peer's close`);
  });

  test('bad arguments name the parameter', () => {
    expect(() => loadScript(42 as never)).toThrow(new TypeError('loadScript: path must be a non-empty string, got 42'));
    expect(() => loadScript(join(FIXTURES, 'http-get.json'), { timing: 'real' as never })).toThrow(
      new TypeError(`loadScript: timing must be 'recorded' or 'none', got "real"`),
    );
    expect(() => scriptFromTranscript({ version: 1, peer: { path: '/x' }, tls: false, events: [] }, 'x' as never)).toThrow(TypeError);
  });
});
