import { describeValue } from '../../../sync/describe-value.js';
import { fsError } from './fs-error.js';
import type { SimFileData } from './sim-file-data.js';

/**
 * An open simulated file, from `world.files.open(path)`: what `sendfile`,
 * `sockSendfile`, `connectReadPipe` and `connectWritePipe` take in a
 * simulation where they take an fd or a FileHandle on Node. It has a
 * FileHandle's `read(buffer, offset, length, position)`, `close()` and
 * `Symbol.asyncDispose`; once closed, reads reject with `EBADF`. A transport
 * given the handle owns it: closing the transport closes the handle.
 */
export class SimFileHandle implements AsyncDisposable {
  /** The path it was opened by. */
  readonly path: string;
  /** @internal the SimFiles that opened it (a handle works in its own world only) */
  readonly _owner: object;
  /** @internal the file's contents */
  readonly _data: SimFileData;
  private _closed = false;
  /** Where a read with a null position starts (the handle's own offset, as FileHandle's). */
  private _position = 0;

  /** @internal use `world.files.open(path)` */
  constructor(owner: object, path: string, data: SimFileData) {
    this._owner = owner;
    this.path = path;
    this._data = data;
  }

  /** Whether `close()` was called (by the code or by the transport that owned it). */
  get closed(): boolean {
    return this._closed;
  }

  /**
   * FileHandle's `read`: up to `length` bytes from `position` (null: from
   * the handle's own offset, which then advances) into `buffer` at
   * `offset`; resolves to `{ bytesRead, buffer }`, 0 bytes at the end.
   * `EBADF` once closed.
   */
  read<B extends Uint8Array>(buffer: B, offset = 0, length = buffer.length - offset, position: number | null = null): Promise<{ bytesRead: number; buffer: B }> {
    if (!(buffer instanceof Uint8Array)) throw new TypeError(`SimFileHandle.read: buffer must be a Uint8Array, got ${describeValue(buffer)}`);
    if (!Number.isInteger(offset) || offset < 0 || offset > buffer.length) {
      throw new RangeError(`SimFileHandle.read: offset must be an integer in 0..${buffer.length}, got ${describeValue(offset)}`);
    }
    if (!Number.isInteger(length) || length < 0 || offset + length > buffer.length) {
      throw new RangeError(`SimFileHandle.read: length must be an integer in 0..${buffer.length - offset}, got ${describeValue(length)}`);
    }
    if (position !== null && (!Number.isInteger(position) || position < 0)) {
      throw new RangeError(`SimFileHandle.read: position must be a non-negative integer or null, got ${describeValue(position)}`);
    }
    if (this._closed) return Promise.reject(fsError('EBADF', 'read'));
    const from = position ?? this._position;
    const bytes = this._data.read(from, length);
    buffer.set(bytes, offset);
    if (position === null) this._position += bytes.length;
    return Promise.resolve({ bytesRead: bytes.length, buffer });
  }

  /** Close the handle (idempotent); later reads and pipes on it fail with `EBADF`. */
  close(): Promise<void> {
    this._closed = true;
    return Promise.resolve();
  }

  /** `close()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
