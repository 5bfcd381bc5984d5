/** Make a pipe to the child (asyncio.subprocess.PIPE, -1). */
export const PIPE = -1;
/** Send the child's stderr where its stdout goes (asyncio.subprocess.STDOUT, -2); for `stderr` only. */
export const STDOUT = -2;
/** Connect the fd to the null device (asyncio.subprocess.DEVNULL, -3). */
export const DEVNULL = -3;

/**
 * Where a child's stdin, stdout or stderr goes: `PIPE`, `DEVNULL`, `STDOUT`
 * (stderr only), `null` to inherit this process's, or a file descriptor of
 * this process (an integer >= 0).
 */
export type StdioOption = number | null;
