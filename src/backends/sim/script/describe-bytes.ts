import type { ScriptStep } from './script.js';

/** Longest rendering of a step's bytes in a step description. */
const STEP_PREVIEW = 40;
/** Bytes (or characters) shown before and after a point of divergence. */
const BEFORE = 24;
const AFTER = 40;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes that end inside a multi-byte UTF-8 sequence: the length of the complete prefix. */
function completeUtf8Length(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) !== 0x80) {
      // A lead byte: is its sequence complete?
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      return need > back ? n - back : n;
    }
  }
  return n;
}

/**
 * The bytes as text, when they read as text: valid UTF-8 (an incomplete
 * sequence at the end is allowed: the stream may continue it) without
 * control characters other than tab, CR and LF. Null for binary data.
 */
export function asText(bytes: Uint8Array): string | null {
  let s: string;
  try {
    s = strictUtf8.decode(bytes.subarray(0, completeUtf8Length(bytes)));
  } catch {
    return null;
  }
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(s) ? null : s;
}

/** Bytes as space-separated hex pairs. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** A string as a JSON literal without its quotes (escapes `\r`, `\n`, `"`, ...). */
function escape(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/** Bytes for a message: a quoted string when text, else `<n bytes: hex>`, cut after `max` characters or bytes. */
export function preview(bytes: Uint8Array, max = STEP_PREVIEW): string {
  const text = asText(bytes);
  if (text !== null) return text.length > max ? `"${escape(text.slice(0, max))}"...(${bytes.length} bytes)` : `"${escape(text)}"`;
  const shown = hex(bytes.subarray(0, max / 2));
  return `<${bytes.length} byte${bytes.length === 1 ? '' : 's'}: ${shown}${bytes.length > max / 2 ? ' ...' : ''}>`;
}

/** A step in words: `expect("HELLO\r\n")`, `send(<3 bytes: 00 01 02>)`, `wait(100)`, `expect(/OK \d+\r\n/)`. */
export function describeStep(step: ScriptStep): string {
  switch (step.kind) {
    case 'expect':
    case 'send':
      return `${step.kind}(${preview(step.bytes)})`;
    case 'expectMatch':
      return `expect(${String(step.pattern)})`;
    case 'wait':
      return `wait(${step.ms})`;
    default:
      return `${step.kind}()`;
  }
}

/**
 * Expected and actual bytes side by side, with a caret under the first
 * byte where they differ (`at`, an index into both), shown around that
 * point: a quoted-text diff when both read as text, hex pairs otherwise.
 * `ending` is appended to the actual line (`<EOF>`, `<reset>`) when the
 * stream ended there.
 */
export function divergence(expected: Uint8Array, actual: Uint8Array, at: number, ending = ''): string[] {
  const tail = ending === '' ? '' : ` ${ending}`;
  const te = asText(expected);
  const ta = asText(actual);
  if (te !== null && ta !== null) {
    // The caret goes before the character holding the first differing byte.
    let charAt = at;
    while (charAt > 0 && (expected[charAt]! & 0xc0) === 0x80) charAt--;
    // The shared prefix is the same text on both lines, so one caret column fits both.
    const prefix = Buffer.from(expected.subarray(0, charAt)).toString('utf8');
    const rest = (s: string): string => s.slice(prefix.length);
    const shownPrefix = prefix.length > BEFORE ? prefix.slice(prefix.length - BEFORE) : prefix;
    const lead = prefix.length > BEFORE ? '...' : '';
    const line = (s: string): string => {
      const r = rest(s);
      return `${lead}"${escape(shownPrefix)}${escape(r.slice(0, AFTER))}"${r.length > AFTER ? '...' : ''}`;
    };
    const caret = ' '.repeat(lead.length + 1 + escape(shownPrefix).length);
    return [`  expected: ${line(te)}`, `  actual:   ${line(ta)}${tail}`, `            ${caret}^`];
  }
  const from = Math.max(0, at - 16);
  const lead = from > 0 ? '... ' : '';
  const row = (b: Uint8Array): string => `${lead}${hex(b.subarray(from, at + 16))}${b.length > at + 16 ? ' ...' : ''}`;
  const caret = ' '.repeat(lead.length + (at - from) * 3);
  return [`  expected: ${row(expected)}`, `  actual:   ${row(actual)}${tail}`, `            ${caret}^^`];
}
