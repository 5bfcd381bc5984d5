/**
 * asyncio's `ConnectionResetError('Connection lost')`, as a Node-style error:
 * what `drain()` throws once the connection is gone and no other error is
 * known.
 */
export function connectionLostError(): Error & { code: string } {
  const err = new Error('Connection lost') as Error & { code: string };
  err.code = 'ECONNRESET';
  return err;
}
