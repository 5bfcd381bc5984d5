import { readFileSync } from 'node:fs';
import { describeValue } from '../sync/describe-value.js';

/**
 * The fixture (transcript) format that record mode writes and scripted peers
 * replay (fixtures/README.md documents it). One file holds one stream
 * connection as the recorded code saw it: `sent` is what that code wrote,
 * `received` what came from its peer; `t` is ms since the connection was
 * established.
 */
export interface Transcript {
  version: 1;
  /** The other end: an IP host and port, or a unix socket path. */
  peer: TranscriptPeer;
  /** Whether the connection ran TLS (the events are the plaintext above it). */
  tls: boolean;
  events: TranscriptEvent[];
}

/** The recorded connection's other end. */
export type TranscriptPeer = { host: string; port: number } | { path: string };

/** Which side an event belongs to, from the recorded code's view. */
export type TranscriptDirection = 'sent' | 'received';

/** An end of the stream: a half-close (`eof`), a `close`, or a `reset` (abort). */
export type TranscriptKind = 'eof' | 'close' | 'reset';

/** One event of a transcript. */
export type TranscriptEvent =
  /** Bytes, base64 in the file, decoded here. */
  | { t: number; dir: TranscriptDirection; data: Uint8Array }
  /** A hand-edited `sent` event: bytes that match this regular expression (source, optional flags). */
  | { t: number; dir: 'sent'; match: string; flags?: string }
  | { t: number; dir: TranscriptDirection; kind: TranscriptKind };

/** The one version of the format this module reads and writes. */
export const TRANSCRIPT_VERSION = 1;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const KINDS: readonly string[] = ['eof', 'close', 'reset'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkPeer(value: unknown, where: string): TranscriptPeer {
  if (!isRecord(value)) throw new TypeError(`${where}: peer must be an object ({ host, port } or { path }), got ${describeValue(value)}`);
  if ('path' in value) {
    if (typeof value.path !== 'string' || value.path === '') throw new TypeError(`${where}: peer.path must be a non-empty string, got ${describeValue(value.path)}`);
    return { path: value.path };
  }
  if (typeof value.host !== 'string') throw new TypeError(`${where}: peer.host must be a string, got ${describeValue(value.host)}`);
  const port = value.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`${where}: peer.port must be an integer 0..65535, got ${describeValue(port)}`);
  }
  return { host: value.host, port };
}

function checkEvent(value: unknown, i: number, previousT: number, where: string): TranscriptEvent {
  const at = `${where}: events[${i}]`;
  if (!isRecord(value)) throw new TypeError(`${at} must be an object, got ${describeValue(value)}`);
  const { t, dir } = value;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) throw new TypeError(`${at}.t must be a finite number of ms >= 0, got ${describeValue(t)}`);
  if (t < previousT) throw new RangeError(`${at}.t must not be less than the previous event's t (${previousT}), got ${t}`);
  if (dir !== 'sent' && dir !== 'received') throw new TypeError(`${at}.dir must be "sent" or "received", got ${describeValue(dir)}`);
  const shapes = ['data', 'match', 'kind'].filter((k) => k in value);
  if (shapes.length !== 1) {
    throw new TypeError(`${at} must have exactly one of data, match and kind, got ${shapes.length === 0 ? 'none' : shapes.join(' and ')}`);
  }
  if ('data' in value) {
    const data = value.data;
    if (typeof data !== 'string' || !BASE64.test(data) || data === '') {
      throw new TypeError(`${at}.data must be non-empty base64, got ${describeValue(typeof data === 'string' && data.length > 40 ? `${data.slice(0, 40)}...` : data)}`);
    }
    return { t, dir, data: Buffer.from(data, 'base64') };
  }
  if ('match' in value) {
    if (dir !== 'sent') throw new TypeError(`${at}.match is only for "sent" events (what the recorded code wrote), got dir "${dir}"`);
    const { match, flags } = value;
    if (typeof match !== 'string' || match === '') throw new TypeError(`${at}.match must be a non-empty regular expression source, got ${describeValue(match)}`);
    if (flags !== undefined && typeof flags !== 'string') throw new TypeError(`${at}.flags must be a string of RegExp flags, got ${describeValue(flags)}`);
    try {
      new RegExp(match, flags);
    } catch (e) {
      throw new TypeError(`${at}.match is not a valid regular expression: ${(e as Error).message}`);
    }
    return flags === undefined ? { t, dir, match } : { t, dir, match, flags };
  }
  const kind = value.kind;
  if (typeof kind !== 'string' || !KINDS.includes(kind)) throw new TypeError(`${at}.kind must be "eof", "close" or "reset", got ${describeValue(kind)}`);
  return { t, dir, kind: kind as TranscriptKind };
}

/**
 * Check a parsed JSON value against the format and return it as a
 * Transcript (data decoded). Errors name `source` and the offending field:
 * `RangeError` for another version, `TypeError` for a wrong shape
 * (`fixture.json: events[3].dir must be "sent" or "received", got "in"`).
 */
export function validateTranscript(value: unknown, source: string): Transcript {
  if (!isRecord(value)) throw new TypeError(`${source}: a transcript must be a JSON object, got ${describeValue(value)}`);
  if (value.version !== TRANSCRIPT_VERSION) {
    throw new RangeError(`${source}: version must be ${TRANSCRIPT_VERSION} (the only transcript version this simloop reads), got ${describeValue(value.version)}`);
  }
  const peer = checkPeer(value.peer, source);
  if (typeof value.tls !== 'boolean') throw new TypeError(`${source}: tls must be a boolean, got ${describeValue(value.tls)}`);
  if (!Array.isArray(value.events)) throw new TypeError(`${source}: events must be an array, got ${describeValue(value.events)}`);
  const events: TranscriptEvent[] = [];
  let previousT = 0;
  for (let i = 0; i < value.events.length; i++) {
    const ev = checkEvent(value.events[i], i, previousT, source);
    previousT = ev.t;
    events.push(ev);
  }
  return { version: TRANSCRIPT_VERSION, peer, tls: value.tls, events };
}

/** Parse a transcript from JSON text; `SyntaxError` naming `source` for bad JSON, else as `validateTranscript`. */
export function parseTranscript(text: string, source: string): Transcript {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`${source} is not valid JSON: ${(e as Error).message}`);
  }
  return validateTranscript(value, source);
}

/**
 * Read and parse the transcript file at `path` (synchronously: fixtures are
 * read while a test is being set up). A missing or unreadable file throws
 * an `Error` carrying the file system's `code` (`ENOENT`) and naming `path`.
 */
export function readTranscript(path: string, where = 'readTranscript'): Transcript {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${where}: path must be a non-empty string, got ${describeValue(path)}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw Object.assign(new Error(`${where}: cannot read the fixture ${path}: ${(e as Error).message}`), typeof code === 'string' ? { code } : {}, { cause: e });
  }
  return parseTranscript(text, `${where}: ${path}`);
}

function eventJson(ev: TranscriptEvent): string {
  if ('data' in ev) return JSON.stringify({ t: ev.t, dir: ev.dir, data: Buffer.from(ev.data.buffer, ev.data.byteOffset, ev.data.byteLength).toString('base64') });
  if ('match' in ev) return JSON.stringify(ev.flags === undefined ? { t: ev.t, dir: ev.dir, match: ev.match } : { t: ev.t, dir: ev.dir, match: ev.match, flags: ev.flags });
  return JSON.stringify({ t: ev.t, dir: ev.dir, kind: ev.kind });
}

/**
 * A transcript as the JSON text of a fixture file: one event per line, so
 * that fixtures read and diff well and can be edited by hand.
 * `parseTranscript(serializeTranscript(t))` gives `t` back.
 */
export function serializeTranscript(transcript: Transcript): string {
  const head = `{\n  "version": ${TRANSCRIPT_VERSION},\n  "peer": ${JSON.stringify(transcript.peer)},\n  "tls": ${transcript.tls},\n`;
  if (transcript.events.length === 0) return `${head}  "events": []\n}\n`;
  return `${head}  "events": [\n${transcript.events.map((e) => `    ${eventJson(e)}`).join(',\n')}\n  ]\n}\n`;
}
