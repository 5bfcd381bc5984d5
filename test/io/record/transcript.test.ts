import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseTranscript, serializeTranscript, validateTranscript, type Transcript, type TranscriptEvent } from '../../../src/io/transcript.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

const eventArb: fc.Arbitrary<Omit<TranscriptEvent, 't'>> = fc.oneof(
  fc.record({ dir: fc.constantFrom('sent' as const, 'received' as const), data: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ dir: fc.constantFrom('sent' as const, 'received' as const), kind: fc.constantFrom('eof' as const, 'close' as const, 'reset' as const) }),
  fc.record({ dir: fc.constant('sent' as const), match: fc.constantFrom('a+', 'HELLO \\d+\\r\\n', '[^\\n]*\\n') }, { requiredKeys: ['dir', 'match'] }),
);

const transcriptArb: fc.Arbitrary<Transcript> = fc
  .record({
    peer: fc.oneof(fc.record({ host: fc.constantFrom('127.0.0.1', '::1', '10.0.0.2'), port: fc.integer({ min: 0, max: 65535 }) }), fc.record({ path: fc.constant('/tmp/x.sock') })),
    tls: fc.boolean(),
    events: fc.array(fc.tuple(fc.nat({ max: 50 }), eventArb), { maxLength: 12 }),
  })
  .map(({ peer, tls, events }) => {
    let t = 0;
    return {
      version: 1 as const,
      peer,
      tls,
      events: events.map(([gap, e]) => {
        t += gap;
        return { t, ...e } as TranscriptEvent;
      }),
    };
  });

/** Bytes as plain arrays, so that Buffer and Uint8Array compare equal. */
function plain(t: Transcript): unknown {
  return { ...t, events: t.events.map((e) => ('data' in e ? { ...e, data: [...e.data] } : e)) };
}

describe('the transcript format', () => {
  test('parse(serialize(t)) gives t back', () => {
    fc.assert(
      fc.property(transcriptArb, (t) => {
        expect(plain(parseTranscript(serializeTranscript(t), 'x'))).toEqual(plain(t));
      }),
      { numRuns: 200 },
    );
  });

  test('serializes one event a line, with data in base64', () => {
    const text = serializeTranscript({
      version: 1,
      peer: { host: '127.0.0.1', port: 80 },
      tls: false,
      events: [
        { t: 0, dir: 'sent', data: Buffer.from('hi') },
        { t: 2, dir: 'received', kind: 'eof' },
      ],
    });
    expect(text).toBe(
      '{\n  "version": 1,\n  "peer": {"host":"127.0.0.1","port":80},\n  "tls": false,\n  "events": [\n' +
        '    {"t":0,"dir":"sent","data":"aGk="},\n    {"t":2,"dir":"received","kind":"eof"}\n  ]\n}\n',
    );
  });

  test('the example fixtures are valid transcripts', () => {
    const names = readdirSync(FIXTURES).filter((n) => n.endsWith('.json'));
    expect(names.length).toBeGreaterThanOrEqual(2);
    for (const n of names) expect(() => parseTranscript(readFileSync(FIXTURES + n, 'utf8'), n)).not.toThrow();
  });

  test.each([
    [null, 'x: a transcript must be a JSON object, got null'],
    [{ version: 1, peer: { host: 'h', port: 70000 }, tls: false, events: [] }, 'x: peer.port must be an integer 0..65535, got 70000'],
    [{ version: 1, peer: { path: '' }, tls: false, events: [] }, 'x: peer.path must be a non-empty string, got ""'],
    [{ version: 1, peer: { host: 'h', port: 1 }, tls: 'no', events: [] }, 'x: tls must be a boolean, got "no"'],
    [{ version: 1, peer: { host: 'h', port: 1 }, tls: false, events: {} }, 'x: events must be an array, got an object'],
    [{ version: 1, peer: { host: 'h', port: 1 }, tls: false, events: [{ t: 0, dir: 'sent', match: 'a', flags: 3 }] }, 'x: events[0].flags must be a string of RegExp flags, got 3'],
  ])('rejects a malformed transcript naming the field: %j', (value, message) => {
    expect(() => validateTranscript(value, 'x')).toThrow(new TypeError(message));
  });
});
