import { getSystemErrorMap } from 'node:util';

/** libuv's errno for each getaddrinfo code name; Node reports EAI_NONAME as `ENOTFOUND`. */
const ERRNO = new Map<string, number>();
for (const [errno, [name]] of getSystemErrorMap()) ERRNO.set(name, errno);
ERRNO.set('ENOTFOUND', ERRNO.get('EAI_NONAME')!);

/**
 * The error Node's `dns.lookup` / `dns.lookupService` rejects with:
 * `getaddrinfo ENOTFOUND example.com`, with `code`, `errno` (when the code
 * is one libuv knows), `syscall` and `hostname`.
 */
export function dnsError(code: string, syscall: 'getaddrinfo' | 'getnameinfo', hostname: string): Error & { code: string; syscall: string; hostname: string } {
  const err = new Error(`${syscall} ${code} ${hostname}`);
  const errno = ERRNO.get(code);
  return Object.assign(err, errno === undefined ? {} : { errno }, { code, syscall, hostname });
}
