/**
 * A small seeded generator (sfc32), the only source of randomness in a
 * simulation: the same seed gives the same sequence on every machine.
 */
export class Prng {
  /**
   * The 128-bit state (a, b, c, d), as int32s in a typed array rather than
   * four fields: a 32-bit value in a plain field is stored as a small integer
   * or as a double depending on its size, and each switch changes the
   * object's hidden class, so no one instance could keep the class the
   * optimized code expects (see loop/shape-anchor.ts).
   */
  private readonly s = new Int32Array(4);

  constructor(seed: string) {
    // cyrb128: spreads any string over 128 bits of state.
    let h1 = 1779033703;
    let h2 = 3144134277;
    let h3 = 1013904242;
    let h4 = 2773480762;
    for (let i = 0; i < seed.length; i++) {
      const k = seed.charCodeAt(i);
      h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
      h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
      h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
      h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
    }
    h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
    h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
    h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
    h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
    const s = this.s;
    s[0] = h1 ^ h2 ^ h3 ^ h4;
    s[1] = h2 ^ h1;
    s[2] = h3 ^ h1;
    s[3] = h4 ^ h1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const a = s[0]!;
    const b = s[1]!;
    const c = s[2]!;
    const d = s[3]!;
    const t = (((a + b) | 0) + d) | 0;
    s[3] = (d + 1) | 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) | 0;
    s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** A uniform integer in [0, n), n >= 1. */
  nextInt(n: number): number {
    return Math.floor((this.nextUint32() / 4294967296) * n);
  }

  /** A uniform float in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }
}

/** The canonical string form of a seed (`SimWorld.seed`). */
export function normalizeSeed(seed: number | string | undefined, where: string): string {
  if (seed === undefined) return '0';
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) throw new RangeError(`${where}: seed must be a finite number or a string, got ${seed}`);
    return String(seed);
  }
  if (typeof seed === 'string') return seed;
  throw new TypeError(`${where}: seed must be a number or a string, got ${seed === null ? 'null' : typeof seed}`);
}
