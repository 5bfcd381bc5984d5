import { sleep } from '../../../src/index.js';

/** Lets the loop run `n` iterations. */
export async function ticks(n = 1): Promise<void> {
  for (let i = 0; i < n; i++) await sleep(0);
}

/** The error `aw` rejects with; fails the test if it resolves instead. */
export async function rejection(aw: PromiseLike<unknown>): Promise<unknown> {
  try {
    await aw;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but it resolved');
}

/** Bytes as a UTF-8 string (for readable assertions). */
export const str = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
