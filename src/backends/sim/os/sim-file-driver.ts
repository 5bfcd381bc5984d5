import type { FileDriver } from '../../../loop/file-driver.js';
import { describeValue } from '../../../sync/describe-value.js';
import { fsError } from './fs-error.js';
import { SimFileHandle } from './sim-file-handle.js';

/**
 * The handle `value` is, if it is one of `owner`'s (a world's SimFiles);
 * else a TypeError for `where` naming what a simulation accepts: file
 * descriptors and Node streams are real I/O, which a world never does.
 */
export function ownHandle(owner: object, value: unknown, where: string, what: string): SimFileHandle {
  if (value instanceof SimFileHandle) {
    if (value._owner === owner) return value;
    throw new TypeError(`${where}: ${what} is a handle of another world's files (${JSON.stringify(value.path)}); open it with this world's files.open(path)`);
  }
  const hint = typeof value === 'number' ? ' (a file descriptor is a real file, which a simulation does not read)' : '';
  throw new TypeError(`${where}: ${what} must be a simulated file's handle, from world.files.open(path), got ${describeValue(value)}${hint}`);
}

/** `sendfile`'s files in a simulation: handles of the world's `files`, read at once (no virtual time passes). */
export class SimFileDriver implements FileDriver {
  constructor(private readonly _owner: object) {}

  checkFile(file: unknown, where: string): void {
    ownHandle(this._owner, file, where, 'file');
  }

  read(file: unknown, position: number, length: number): Promise<Uint8Array> {
    const handle = file as SimFileHandle;
    if (handle.closed) return Promise.reject(fsError('EBADF', 'read'));
    return Promise.resolve(handle._data.read(position, length));
  }
}
