import { realSetTimeout } from '../../src/loop/real-primitives.js';

/** Lets real time pass (for code outside a simulation that must wait until the world went idle). Never asserted on. */
export function realPause(ms = 10): Promise<void> {
  return new Promise((resolve) => realSetTimeout(resolve, ms));
}

/** The error `p` rejects with; fails the test if it resolves instead. */
export async function rejection(p: PromiseLike<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but it resolved');
}

/** A logger that keeps what the loop reports instead of printing it. */
export function quietLogger(): { warn(m: string): void; error(m: string): void; lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}
