import { getRunningLoop, sleep } from '../../src/index.js';

/** Lets the loop run `n` iterations (asyncio's `await sleep(0)`, n times). */
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

/** The loop time of the running loop (virtual ms in a simulation). */
export function now(): number {
  return getRunningLoop().time();
}

/** A plain promise (no loop future) that settles after `n` microtask hops. */
export async function microtasks(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

/** A plain promise that never settles. */
export function never<T = never>(): Promise<T> {
  return new Promise<T>(() => {});
}
