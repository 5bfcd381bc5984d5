import { readTranscript, type Transcript } from '../../../io/transcript.js';
import { describeValue } from '../../../sync/describe-value.js';
import { Script, type ScriptStep } from './script.js';

/** Options of `loadScript`. */
export interface LoadScriptOptions {
  /**
   * `'none'` (the default): the peer answers as soon as the code under test
   * has sent what it expects. `'recorded'`: before each of its actions
   * (sending, half-closing, closing, resetting) the peer waits the gap
   * between that event's `t` and the previous event's, so it answers as
   * slowly as the recorded peer did.
   */
  timing?: 'recorded' | 'none';
}

function checkOptions(opts: unknown, where: string): 'recorded' | 'none' {
  if (opts === undefined || opts === null) return 'none';
  if (typeof opts !== 'object') throw new TypeError(`${where}: opts must be an object, got ${describeValue(opts)}`);
  const timing = (opts as LoadScriptOptions).timing;
  if (timing === undefined) return 'none';
  if (timing !== 'recorded' && timing !== 'none') throw new TypeError(`${where}: timing must be 'recorded' or 'none', got ${describeValue(timing)}`);
  return timing;
}

/**
 * A transcript as the script of the recorded code's peer: what the code
 * sent becomes expectations (a `match` event a RegExp one; a sent `eof`,
 * `close` or `reset` an `expectEof()`), what it received becomes sends (a
 * received `eof`, `close` or `reset` becomes `writeEof()`, `close()` or
 * `reset()`), and with `timing: 'recorded'` the gaps before the peer's
 * actions become waits. Each step notes the event it came from.
 */
export function scriptFromTranscript(transcript: Transcript, opts: LoadScriptOptions = {}, source = 'transcript'): Script {
  const timing = checkOptions(opts, 'scriptFromTranscript');
  const steps: ScriptStep[] = [];
  let ended: string | null = null;
  let eofWritten = false;
  let previousT = 0;
  transcript.events.forEach((ev, i) => {
    const note = `${source} events[${i}]`;
    const gap = ev.t - previousT;
    previousT = ev.t;
    if (ended !== null) throw new RangeError(`${note}: nothing can follow the peer's ${ended} (events after it never happened)`);
    if (ev.dir === 'sent') {
      if ('data' in ev) steps.push({ kind: 'expect', bytes: ev.data, note });
      else if ('match' in ev) steps.push({ kind: 'expectMatch', pattern: new RegExp(ev.match, ev.flags), note });
      else steps.push({ kind: 'expectEof', note });
      return;
    }
    if (timing === 'recorded' && gap > 0) steps.push({ kind: 'wait', ms: gap, note });
    if ('data' in ev) {
      if (eofWritten) throw new RangeError(`${note}: the peer cannot send data after its eof`);
      steps.push({ kind: 'send', bytes: ev.data, note });
    } else if ('kind' in ev) {
      if (ev.kind === 'eof') {
        eofWritten = true;
        steps.push({ kind: 'writeEof', note });
      } else {
        ended = ev.kind;
        steps.push({ kind: ev.kind, note });
      }
    }
  });
  return new Script(steps.map((s) => Object.freeze(s)));
}

/**
 * Load the fixture (transcript) at `path` as the script of the recorded
 * code's peer (see `scriptFromTranscript`), synchronously, so it can be
 * passed straight to `world.network.listen(host, port, loadScript(path))` or
 * `network.connect(...)`. The fixture's `peer` and `tls` are not part of
 * the script: where the peer listens and whether it speaks TLS is the
 * test's to say. Errors name the file: a missing file carries `code`
 * `'ENOENT'`, bad JSON is a `SyntaxError`, another version a `RangeError`,
 * a malformed event a `TypeError` naming its index and field, an event
 * after the peer's own close or reset a `RangeError`.
 */
export function loadScript(path: string, opts: LoadScriptOptions = {}): Script {
  checkOptions(opts, 'loadScript');
  return scriptFromTranscript(readTranscript(path, 'loadScript'), opts, path);
}
