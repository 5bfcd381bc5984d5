import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { checkDecisions, type Decisions } from './decisions.js';

/**
 * A replay token's prefix, with its format version. Version 3: a pick is an
 * index into the origins with ready handles as `OriginScheduler` keeps them
 * now (every ready origin a choice, swap-removal, the oldest head at index
 * 0). Version 2 offered only the origins ready when the iteration began, and
 * version 1 indexed a heap by age: their picks other than 0 name other
 * origins now, so they cannot be replayed.
 */
const PREFIX = 'sl3_';

/** Token versions this simloop recognises but no longer replays, and why. */
const RETIRED: Readonly<Record<string, string>> = {
  sl1_: 'version 2 changed what a pick means (an sl1_ pick other than 0 would name another ready origin now); rerun explore to find the failure again and get an sl3_ token',
  sl2_: 'version 3 changed what a pick means (every ready origin is a choice now, not only those ready when the iteration began, so an sl2_ pick other than 0 may name another origin); rerun explore to find the failure again and get an sl3_ token',
};

/** Everything a replay token holds: enough to rerun one schedule exactly. */
export interface TokenContent {
  strategy: string;
  depth: number;
  /** The run's own seed (derived from the explore seed and the run index). */
  seed: string;
  /** The world options of the run (JSON-able ones: fakeGlobals, strict, maxTime, ...). */
  world: Record<string, unknown>;
  decisions: Decisions;
}

/** Unsigned LEB128 varints: small decisions take one byte. */
function putInts(out: number[], xs: readonly number[]): void {
  putInt(out, xs.length);
  for (const x of xs) putInt(out, x);
}

function putInt(out: number[], x: number): void {
  let v = x;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

class Reader {
  i = 0;
  constructor(private readonly b: Uint8Array) {}
  int(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (this.i >= this.b.length) throw new RangeError('replay token: truncated');
      const byte = this.b[this.i++]!;
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) return v;
      mul *= 128;
      if (mul > 2 ** 49) throw new RangeError('replay token: a number is too long');
    }
  }
  ints(): number[] {
    const n = this.int();
    if (n > this.b.length * 8) throw new RangeError('replay token: a list is longer than the token');
    const xs = new Array<number>(n);
    for (let k = 0; k < n; k++) xs[k] = this.int();
    return xs;
  }
}

/**
 * Encode a schedule as a compact, versioned token (`sl2_` then base64url of
 * deflated bytes: a JSON header with the settings, then the decision lists as varints).
 */
export function encodeToken(t: TokenContent): string {
  const streams = Object.keys(t.decisions.draws).sort();
  const header = JSON.stringify({ s: t.strategy, d: t.depth, seed: t.seed, w: t.world, streams });
  const out: number[] = [];
  const hb = Buffer.from(header, 'utf8');
  putInt(out, hb.length);
  for (const b of hb) out.push(b);
  putInts(out, t.decisions.picks);
  for (const k of streams) putInts(out, t.decisions.draws[k]!);
  return PREFIX + deflateRawSync(Uint8Array.from(out)).toString('base64url');
}

/** Decode a token from `encodeToken`; `RangeError` (or `TypeError` for a non-string) saying what is wrong. */
export function decodeToken(token: unknown, where = 'replay'): TokenContent {
  if (typeof token !== 'string') throw new TypeError(`${where}: the replay token must be a string, got ${typeof token}`);
  const t = token.trim();
  if (!t.startsWith('sl')) throw new RangeError(`${where}: not a simloop replay token (it starts with ${JSON.stringify(t.slice(0, 4))}, expected "${PREFIX}")`);
  if (!t.startsWith(PREFIX)) {
    const version = t.slice(0, t.indexOf('_') + 1);
    const retired = RETIRED[version];
    if (retired !== undefined) throw new RangeError(`${where}: replay token version ${JSON.stringify(version)} was made by an older simloop and cannot be replayed: ${retired}`);
    throw new RangeError(`${where}: replay token version ${JSON.stringify(version)} is not supported by this simloop (it reads "${PREFIX}")`);
  }
  let bytes: Uint8Array;
  try {
    bytes = inflateRawSync(Buffer.from(t.slice(PREFIX.length), 'base64url'));
  } catch {
    throw new RangeError(`${where}: the replay token is damaged (it does not decompress); copy it whole`);
  }
  try {
    const r = new Reader(bytes);
    const hlen = r.int();
    const header = JSON.parse(Buffer.from(bytes.subarray(r.i, r.i + hlen)).toString('utf8')) as {
      s: string;
      d: number;
      seed: string;
      w: Record<string, unknown>;
      streams: string[];
    };
    r.i += hlen;
    const picks = r.ints();
    const draws: Record<string, number[]> = {};
    for (const k of header.streams) draws[k] = r.ints();
    if (r.i !== bytes.length) throw new RangeError('trailing bytes');
    if (typeof header.s !== 'string' || typeof header.seed !== 'string' || typeof header.d !== 'number') throw new RangeError('bad header');
    return { strategy: header.s, depth: header.d, seed: header.seed, world: header.w ?? {}, decisions: checkDecisions({ picks, draws }, where) };
  } catch (e) {
    throw new RangeError(`${where}: the replay token is damaged (${e instanceof Error ? e.message : String(e)}); copy it whole`);
  }
}
