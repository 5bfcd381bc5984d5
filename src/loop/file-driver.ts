/**
 * Files as `sendfile` and `sockSendfile` read them. What a file is depends on
 * the backend: on Node a file descriptor or a `FileHandle`, in a simulation a
 * handle from `world.files.open(path)`. The io layer streams the bytes; a
 * driver only checks and reads.
 */
export interface FileDriver {
  /**
   * Throw unless `read` can read `file`: a `TypeError` whose message starts
   * with `where` and says what this backend accepts, a `RangeError` for a
   * number that cannot be a file descriptor.
   */
  checkFile(file: unknown, where: string): void;
  /**
   * Up to `length` bytes of `file` from byte `position` (a fresh array the
   * caller may keep): fewer at the end of the file, none past it. Rejects
   * with the OS's error (`EBADF` for a closed file, ...). Promises may settle
   * from any context (Node's threadpool callbacks, or loop callbacks).
   */
  read(file: unknown, position: number, length: number): Promise<Uint8Array>;
}
