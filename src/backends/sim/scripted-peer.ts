import { isCancelledError, ScriptMismatchError } from '../../errors.js';
import type { StreamReader } from '../../io/streams/stream-reader.js';
import type { StreamWriter } from '../../io/streams/stream-writer.js';
import { sleepOn } from '../../tasks/sleep.js';
import type { SimContext } from './sim-context.js';
import { describeStep, divergence, preview } from './script/describe-bytes.js';
import { Incoming } from './script/incoming.js';
import { isExpectation, Script, type ScriptStep } from './script/script.js';

export { Script, script, type ScriptStep } from './script/script.js';

/** A RegExp expectation mismatches once this many bytes are buffered without a match. */
export const MAX_MATCH_BUFFER = 64 * 1024;

/** Where a regular expression's match ends, in bytes, given the text it ran on (decoded from `bytes`). */
function matchedBytes(bytes: Uint8Array, text: string, chars: number): number {
  const matched = text.slice(0, chars);
  // Valid UTF-8 re-encodes to the same bytes; only replaced (invalid) bytes need the slow walk.
  if (!matched.includes('\uFFFD')) return Buffer.byteLength(matched, 'utf8');
  const decoder = new TextDecoder();
  let out = 0;
  for (let i = 0; i < bytes.length; i++) {
    out += decoder.decode(bytes.subarray(i, i + 1), { stream: true }).length;
    if (out >= chars) return i + 1;
  }
  return bytes.length;
}

/** The same pattern, anchored at the position where matching starts. */
function sticky(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, `${pattern.flags.replace(/[gy]/g, '')}y`);
}

/** Not an error of the run: the peer's connection is gone, so what it writes is lost, as a real peer's would be. */
function isConnectionError(e: unknown): boolean {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string';
}

/** One scripted peer running on one connection. */
class ScriptRun {
  private _index = 0;
  private _state: 'running' | 'done' | 'failed' = 'running';
  /** Bytes of the current literal expectation already matched. */
  private _partial = 0;
  private _closedByScript = false;
  private readonly _in: Incoming;

  constructor(
    private readonly _ctx: SimContext,
    private readonly _script: Script,
    reader: StreamReader,
    private readonly _writer: StreamWriter,
    private readonly _where: string,
  ) {
    this._in = new Incoming(reader);
  }

  async run(): Promise<void> {
    const steps = this._script.steps;
    try {
      for (; this._index < steps.length; this._index++) {
        this._partial = 0;
        const mismatch = await this._step(steps[this._index]!);
        if (mismatch !== null) {
          this._fail(mismatch);
          return;
        }
      }
      this._state = 'done';
      // A real peer that has nothing more to say closes once the other side has.
      if (this._in.ended !== null && !this._closedByScript) this._writer.close();
    } catch (e) {
      // The world cancels its peers when the run is over; what was unmet is reported by the end check.
      if (isCancelledError(e)) return;
      throw e;
    }
  }

  /** The end-of-run check: a ScriptMismatchError for the first expectation never met, else null. */
  unmet(): Error | null {
    if (this._state !== 'running') return null;
    const steps = this._script.steps;
    for (let i = this._index; i < steps.length; i++) {
      const step = steps[i]!;
      if (!isExpectation(step)) continue;
      const lines = [`${this._header(i)} was never met: the run ended first (the stream was at byte ${this._in.offset})`];
      if (i === this._index) {
        if (this._partial > 0 && step.kind === 'expect') lines.push(`  received ${this._partial} of its ${step.bytes.length} bytes: ${preview(step.bytes.subarray(0, this._partial))}`);
        if (this._in.buffered.length > 0) lines.push(`  received and not matched: ${preview(this._in.buffered)}`);
        if (this._in.ended !== null) lines.push(`  and then ${this._in.endingWords()}`);
      }
      return new ScriptMismatchError(lines.join('\n'));
    }
    return null;
  }

  /** Run one step; a mismatch message, or null when the step was done. */
  private async _step(step: ScriptStep): Promise<string[] | null> {
    switch (step.kind) {
      case 'expect':
        return this._expectBytes(step.bytes);
      case 'expectMatch':
        return this._expectMatch(step.pattern);
      case 'expectEof':
        return this._expectEof();
      case 'send':
        await this._write(() => this._writer.write(step.bytes));
        return null;
      case 'wait':
        await sleepOn(this._ctx.loop, step.ms, undefined);
        return null;
      case 'writeEof':
        await this._write(() => {
          // TLS cannot half-close: closing is the nearest a peer can do.
          if (this._writer.canWriteEof()) this._writer.writeEof();
          else this._close();
        });
        return null;
      case 'close':
        this._close();
        return null;
      case 'reset':
        this._closedByScript = true;
        this._writer.transport.abort();
        return null;
    }
  }

  private _close(): void {
    this._closedByScript = true;
    this._writer.close();
  }

  private async _write(fn: () => void): Promise<void> {
    try {
      fn();
      await this._writer.drain();
    } catch (e) {
      if (!isConnectionError(e)) throw e;
    }
  }

  private async _expectBytes(expected: Uint8Array): Promise<string[] | null> {
    const inc = this._in;
    const context = inc.recent;
    while (this._partial < expected.length) {
      const buf = inc.buffered;
      if (buf.length === 0) {
        if (await inc.fill()) continue;
        const got = expected.subarray(0, this._partial);
        return [
          `${this._header(this._index)} mismatched at byte ${inc.offset} of the stream (byte ${this._partial} of the step): ${inc.endingWords()}`,
          ...divergence(expected, got, this._partial, inc.endingLabel()),
          ...this._context(context),
        ];
      }
      const n = Math.min(buf.length, expected.length - this._partial);
      for (let k = 0; k < n; k++) {
        if (buf[k] !== expected[this._partial + k]) {
          const at = this._partial + k;
          const actual = Buffer.concat([expected.subarray(0, this._partial), buf]);
          return [
            `${this._header(this._index)} mismatched at byte ${inc.offset + k} of the stream (byte ${at} of the step)`,
            ...divergence(expected, actual, at),
            ...this._context(context),
          ];
        }
      }
      inc.consume(n);
      this._partial += n;
    }
    return null;
  }

  private async _expectMatch(pattern: RegExp): Promise<string[] | null> {
    const inc = this._in;
    const re = sticky(pattern);
    for (;;) {
      const buf = inc.buffered;
      // Streaming decode: an incomplete character at the end waits for the rest.
      const text = new TextDecoder().decode(buf, { stream: true });
      re.lastIndex = 0;
      const m = re.exec(text);
      if (m !== null) {
        inc.consume(matchedBytes(buf, text, m[0].length));
        return null;
      }
      if (buf.length >= MAX_MATCH_BUFFER) {
        return [
          `${this._header(this._index)} found no match at byte ${inc.offset} of the stream within ${MAX_MATCH_BUFFER} bytes`,
          `  actual:   ${preview(buf, 80)}`,
          ...this._context(inc.recent),
        ];
      }
      if (!(await inc.fill())) {
        return [
          `${this._header(this._index)} found no match at byte ${inc.offset} of the stream before ${inc.endingWords()}`,
          `  actual:   ${buf.length === 0 ? '' : `${preview(buf, 80)} `}${inc.endingLabel()}`,
          ...this._context(inc.recent),
        ];
      }
    }
  }

  private async _expectEof(): Promise<string[] | null> {
    const inc = this._in;
    if (inc.buffered.length === 0 && !(await inc.fill())) return null;
    return [
      `${this._header(this._index)} mismatched at byte ${inc.offset} of the stream: expected EOF, got ${inc.buffered.length} more byte${inc.buffered.length === 1 ? '' : 's'}`,
      `  expected: <EOF>`,
      `  actual:   ${preview(inc.buffered, 80)}`,
      ...this._context(inc.recent),
    ];
  }

  private _header(i: number): string {
    const steps = this._script.steps;
    const step = steps[i]!;
    const note = step.note === undefined ? '' : ` (${step.note})`;
    return `scripted peer ${this._where}: step ${i + 1} of ${steps.length}, ${describeStep(step)}${note},`;
  }

  private _context(before: Uint8Array): string[] {
    return before.length === 0 ? [] : [`  after:    ${preview(before, 24)} (the bytes before the step)`];
  }

  private _fail(lines: string[]): void {
    this._state = 'failed';
    // The code under test sees the peer hang up as a real one would on a protocol error.
    this._writer.transport.abort();
    this._ctx.fail(new ScriptMismatchError(lines.join('\n')));
  }
}

/**
 * Run `script` as one end of a connection (`reader`/`writer` are that end's
 * streams), in the calling task, in virtual time. On a mismatch the peer
 * resets the connection (the code under test sees `ECONNRESET`) and fails
 * the run with a `ScriptMismatchError` showing expected vs actual at the
 * point of divergence, even if the code caught the reset. Expectations still
 * unmet when the run ends fail it the same way. Resolves when the script has
 * run to its end (then, if the code under test had already closed its side,
 * the peer closes too, as a real peer reading EOF would; else the connection
 * stays open) or stopped at a mismatch; a cancellation (the world ending
 * the run) ends it quietly.
 */
export function runScript(ctx: SimContext, script: Script, reader: StreamReader, writer: StreamWriter, where: string): Promise<void> {
  if (!(script instanceof Script)) throw new TypeError(`runScript: script must be a Script (from script() or loadScript()), got ${String(script)}`);
  const run = new ScriptRun(ctx, script, reader, writer, where);
  ctx.onRunEnd(() => run.unmet());
  return run.run();
}
