import { sleep } from '../../src/index.js';

/** Lets the loop run `n` iterations' worth of callbacks (asyncio's `await sleep(0)`, n times). */
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

/** A private field of a primitive, for the few specifications that are about its bookkeeping. */
export function internals<T>(obj: object, field: string): T {
  return (obj as Record<string, T>)[field] as T;
}
