import { read as fsRead } from 'node:fs';
import type { FileDriver } from '../../loop/file-driver.js';
import { describeValue } from '../../sync/describe-value.js';

/** What `sendfile` reads on Node besides an fd: a `node:fs/promises` FileHandle, or anything with its `read`. */
interface FileHandleLike {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/**
 * Files on `node:fs`: a file descriptor (read with `fs.read` at a position,
 * so the descriptor's own offset is left alone, as sendfile(2) does) or a
 * `FileHandle` (its `read(buffer, offset, length, position)`).
 */
export class NodeFileDriver implements FileDriver {
  checkFile(file: unknown, where: string): void {
    if (typeof file === 'number') {
      if (!Number.isInteger(file) || file < 0) throw new RangeError(`${where}: file must be a FileHandle or a non-negative file descriptor, got ${file}`);
      return;
    }
    if (file === null || typeof file !== 'object' || typeof (file as Partial<FileHandleLike>).read !== 'function') {
      throw new TypeError(`${where}: file must be a FileHandle or a file descriptor, got ${describeValue(file)}`);
    }
  }

  read(file: unknown, position: number, length: number): Promise<Uint8Array> {
    const buf = new Uint8Array(length);
    if (typeof file === 'number') {
      return new Promise((resolve, reject) => {
        fsRead(file, buf, 0, length, position, (err, n) => (err ? reject(err) : resolve(n === length ? buf : buf.subarray(0, n))));
      });
    }
    return (file as FileHandleLike).read(buf, 0, length, position).then(({ bytesRead: n }) => (n === length ? buf : buf.subarray(0, n)));
  }
}
