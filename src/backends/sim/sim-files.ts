import { describeValue } from '../../sync/describe-value.js';
import { fsError } from './os/fs-error.js';
import { SimFileData } from './os/sim-file-data.js';
import { SimFileDriver } from './os/sim-file-driver.js';
import { SimFileHandle } from './os/sim-file-handle.js';
import { SimFilePipes } from './os/sim-file-pipes.js';
import type { SimContext, SimIo, SimOs, SimPart } from './sim-context.js';

export { SimFileHandle } from './os/sim-file-handle.js';

const encoder = new TextEncoder();

function checkPath(path: unknown, where: string): string {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${where}: path must be a non-empty string, got ${describeValue(path)}`);
  return path;
}

/**
 * The world's files: an in-memory file system for `sendfile`,
 * `sockSendfile`, `connectReadPipe` and `connectWritePipe`, which in a
 * simulation take a handle from `open(path)` where Node takes an fd or a
 * FileHandle. Paths are plain strings, compared as given (no normalization,
 * no directories). Nothing touches the real file system.
 */
export class SimFiles implements SimPart {
  /** @internal */ readonly _ctx: SimContext;
  private readonly _files = new Map<string, SimFileData>();

  constructor(ctx: SimContext) {
    this._ctx = ctx;
  }

  /**
   * Make the file `path` hold `data` (a string as UTF-8), copied. An
   * existing file's contents are replaced, as `fs.writeFile` does: its open
   * handles and pipes see the new bytes.
   */
  add(path: string, data: Uint8Array | string): void {
    const p = checkPath(path, 'files.add');
    let bytes: Uint8Array;
    if (typeof data === 'string') bytes = encoder.encode(data);
    else if (data instanceof Uint8Array) bytes = data;
    else throw new TypeError(`files.add: data must be a Uint8Array or a string, got ${describeValue(data)}`);
    const existing = this._files.get(p);
    if (existing !== undefined) existing.replace(bytes);
    else this._files.set(p, new SimFileData(bytes));
  }

  /**
   * Open `path`, synchronously: a handle that `sendfile` and the pipe
   * methods take. Throws Node's `ENOENT` error (code, errno, syscall
   * `'open'`, path) when there is no such file.
   */
  open(path: string): SimFileHandle {
    const p = checkPath(path, 'files.open');
    return new SimFileHandle(this, p, this._get(p, 'open'));
  }

  /** A copy of the bytes of `path` now (what write pipes appended included); `ENOENT` if there is none. */
  read(path: string): Uint8Array {
    const p = checkPath(path, 'files.read');
    const data = this._get(p, 'open');
    return data.read(0, data.size);
  }

  /** Whether `path` exists. */
  exists(path: string): boolean {
    return this._files.has(checkPath(path, 'files.exists'));
  }

  /** Remove `path` (true if it existed); handles already open keep reading it, as after an unlink. */
  remove(path: string): boolean {
    return this._files.delete(checkPath(path, 'files.remove'));
  }

  private _get(path: string, syscall: string): SimFileData {
    const data = this._files.get(path);
    if (data === undefined) throw fsError('ENOENT', syscall, path);
    return data;
  }

  /** @internal */
  _install(io: SimIo, os: SimOs): void {
    io.pipes = new SimFilePipes(this._ctx.loop, this);
    os.files = new SimFileDriver(this);
  }
}
