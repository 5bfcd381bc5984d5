import { InvalidStateError } from '../../../errors.js';
import { describeValue } from '../../../sync/describe-value.js';
import { describeStep } from './describe-bytes.js';

/**
 * One step of a scripted peer. `note` says where a step came from (a
 * fixture's event), for mismatch messages.
 */
export type ScriptStep =
  | { readonly kind: 'expect'; readonly bytes: Uint8Array; readonly note?: string }
  | { readonly kind: 'expectMatch'; readonly pattern: RegExp; readonly note?: string }
  | { readonly kind: 'expectEof'; readonly note?: string }
  | { readonly kind: 'send'; readonly bytes: Uint8Array; readonly note?: string }
  | { readonly kind: 'wait'; readonly ms: number; readonly note?: string }
  | { readonly kind: 'writeEof'; readonly note?: string }
  | { readonly kind: 'close'; readonly note?: string }
  | { readonly kind: 'reset'; readonly note?: string };

/** Whether a step waits for the code under test (an expectation) rather than acting. */
export function isExpectation(step: ScriptStep): boolean {
  return step.kind === 'expect' || step.kind === 'expectMatch' || step.kind === 'expectEof';
}

function copyBytes(value: unknown, what: string): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value); // a copy: the script must not change when the caller reuses its buffer
  throw new TypeError(`${what} must be a Uint8Array or a string, got ${describeValue(value)}`);
}

/**
 * What a scripted peer does on one stream connection (TCP, unix, TLS), step
 * by step: `expect` what the code under test sends, `send` its answers,
 * `wait` in virtual time, and end the connection. A Script is an immutable
 * value: every method returns a new Script with one more step, so one
 * script can be shared and extended freely. Build one with `script()`, or
 * from a recorded fixture with `loadScript(path)`.
 *
 * Expectations match the byte stream as a whole, whatever its chunking: a
 * literal mismatches at its first differing byte; a RegExp (on the bytes as
 * UTF-8) must match at the current position and consumes what it matched
 * (it matches as soon as it can, so end a pattern with a delimiter such as
 * `\r\n` when its end could arrive later); it mismatches when EOF comes
 * first or 64 KiB are buffered without a match.
 */
export class Script {
  /** The steps, in order (frozen). */
  readonly steps: readonly ScriptStep[];

  /** @internal use `script()` */
  constructor(steps: readonly ScriptStep[] = []) {
    this.steps = Object.freeze([...steps]);
  }

  /** The number of steps. */
  get length(): number {
    return this.steps.length;
  }

  /**
   * Wait for the code under test to send `data` next: bytes, a string (as
   * UTF-8), or a RegExp matched at the current position of the stream.
   * `RangeError` for an empty literal (it would match nothing).
   */
  expect(data: Uint8Array | string | RegExp): Script {
    this._checkOpen('expect');
    if (data instanceof RegExp) return this._add({ kind: 'expectMatch', pattern: new RegExp(data.source, data.flags) });
    const bytes = copyBytes(data, 'expect: data');
    if (bytes.length === 0) throw new RangeError('expect: data must not be empty (an empty expectation matches nothing)');
    return this._add({ kind: 'expect', bytes });
  }

  /** Send `data` (bytes, or a string as UTF-8) to the code under test, respecting flow control. */
  send(data: Uint8Array | string): Script {
    this._checkCanWrite('send');
    return this._add({ kind: 'send', bytes: copyBytes(data, 'send: data') });
  }

  /** Do nothing for `ms` of virtual time (`wait(0)` yields to the loop once). */
  wait(ms: number): Script {
    this._checkOpen('wait');
    if (typeof ms !== 'number' || Number.isNaN(ms)) throw new TypeError(`wait: ms must be a number of milliseconds, got ${describeValue(ms)}`);
    if (ms < 0 || !Number.isFinite(ms)) throw new RangeError(`wait: ms must be a finite number >= 0, got ${ms}`);
    return this._add({ kind: 'wait', ms });
  }

  /** Half-close: the code under test reads EOF; the peer can still receive (over TLS, which cannot half-close: close). */
  writeEof(): Script {
    this._checkCanWrite('writeEof');
    return this._add({ kind: 'writeEof' });
  }

  /** Expect the code under test to half-close or close its side next (EOF; a reset counts too). */
  expectEof(): Script {
    this._checkOpen('expectEof');
    return this._add({ kind: 'expectEof' });
  }

  /** Close the connection after what was sent (the code under test reads EOF, then sees it closed). Last step. */
  close(): Script {
    this._checkOpen('close');
    return this._add({ kind: 'close' });
  }

  /** Reset the connection at once (the code under test sees `ECONNRESET`). Last step. */
  reset(): Script {
    this._checkOpen('reset');
    return this._add({ kind: 'reset' });
  }

  /** The steps in words, one a line. */
  toString(): string {
    if (this.steps.length === 0) return 'script() with no steps';
    return this.steps.map((s, i) => `${i + 1}. ${describeStep(s)}`).join('\n');
  }

  /** @internal a new script with `step` added (loadScript adds notes) */
  _add(step: ScriptStep): Script {
    return new Script([...this.steps, Object.freeze(step)]);
  }

  private _ended(kinds: readonly string[]): ScriptStep | undefined {
    return this.steps.find((s) => kinds.includes(s.kind));
  }

  private _checkOpen(what: string): void {
    const end = this._ended(['close', 'reset']);
    if (end !== undefined) throw new InvalidStateError(`${what}: the script already ends the connection with ${end.kind}(); nothing can follow it`);
  }

  private _checkCanWrite(what: string): void {
    this._checkOpen(what);
    if (this._ended(['writeEof']) !== undefined) throw new InvalidStateError(`${what}: the script already half-closed with writeEof(); the peer cannot write after it`);
  }
}

const EMPTY = new Script();

/** An empty Script to build on: `script().expect('HELLO\r\n').send('OK\r\n').close()`. */
export function script(): Script {
  return EMPTY;
}
