/**
 * The trace detail `<tag> <n>B` of one direction of a connection, built once
 * per byte count and reused while the count repeats (the two latest counts
 * are kept): a connection moves the same few sizes over and over, and a
 * string per event would be copied by every scavenge while the trace's ring
 * keeps it, which cost more than the network itself. Always the same text
 * as formatting it afresh.
 */
export class ByteCountDetail {
  private _n1 = -1;
  private _s1 = '';
  private _n2 = -1;
  private _s2 = '';

  constructor(readonly tag: string) {}

  /** `<tag> <n>B`. */
  of(n: number): string {
    if (n === this._n1) return this._s1;
    if (n === this._n2) return this._s2;
    const s = `${this.tag} ${n}B`;
    this._n2 = this._n1;
    this._s2 = this._s1;
    this._n1 = n;
    this._s1 = s;
    return s;
  }
}
