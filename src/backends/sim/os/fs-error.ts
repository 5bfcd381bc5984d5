import { constants } from 'node:os';

const MESSAGES: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EBADF: 'bad file descriptor',
};

/**
 * The error Node's `fs` gives for `code` (`'ENOENT'`, `'EBADF'`) in
 * `syscall`: the same message shape (`ENOENT: no such file or directory,
 * open '/x'`), `code`, `errno`, `syscall` and, with a path, `path`, so code
 * that inspects file errors sees in a simulation what it sees on Node.
 */
export function fsError(code: 'ENOENT' | 'EBADF', syscall: string, path?: string): Error & { code: string; errno: number; syscall: string } {
  const where = path === undefined ? syscall : `${syscall} '${path}'`;
  const err = new Error(`${code}: ${MESSAGES[code]}, ${where}`);
  return Object.assign(err, { errno: -constants.errno[code], code, syscall }, path === undefined ? {} : { path });
}
