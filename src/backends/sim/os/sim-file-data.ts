import { copyBytes } from '../../../io/streams/bytes.js';

/**
 * A simulated file's contents (its inode): bytes that grow as they are
 * appended to. Handles and pipes hold the inode, not the path, so a file
 * removed while open stays readable through them, as on Unix.
 */
export class SimFileData {
  private _bytes: Uint8Array;
  private _length: number;

  constructor(initial: Uint8Array) {
    this._bytes = copyBytes(initial);
    this._length = initial.length;
  }

  /** Its size in bytes. */
  get size(): number {
    return this._length;
  }

  /** A copy of up to `length` bytes from `position` (fewer at the end, none past it). */
  read(position: number, length: number): Uint8Array {
    const start = Math.min(position, this._length);
    return copyBytes(this._bytes.subarray(start, Math.min(start + length, this._length)));
  }

  /** Replace the whole contents with a copy of `bytes` (a truncating write). */
  replace(bytes: Uint8Array): void {
    this._bytes = copyBytes(bytes);
    this._length = bytes.length;
  }

  /** Add a copy of `bytes` at the end. */
  append(bytes: Uint8Array): void {
    const need = this._length + bytes.length;
    if (need > this._bytes.length) {
      // Doubling keeps a file that is written in many small pieces linear in its size.
      const grown = new Uint8Array(Math.max(need, this._bytes.length * 2, 64));
      grown.set(this._bytes.subarray(0, this._length));
      this._bytes = grown;
    }
    this._bytes.set(bytes, this._length);
    this._length = need;
  }
}
