/**
 * The demo behind `npm start`: a client that retries a flaky service with
 * exponential backoff and jitter, each attempt bounded by a timeout, over an
 * hour of virtual time. It runs in a simulated world, so the hour takes a few
 * milliseconds, and the same seed prints the same timeline every time.
 */
import { CancelledError, getRunningLoop, simulate, sleep, TimeoutError, waitFor, type SimWorld } from '../src/index.js';
import { formatVirtualTime } from '../src/explore/timeline.js';

/** A service that hangs for its first calls, then fails, then answers. */
function flakyService(world: SimWorld) {
  let calls = 0;
  return async (): Promise<string> => {
    calls++;
    const now = world.loop.time();
    if (now < 20 * 60_000) {
      await sleep(Infinity); // down: the request hangs until the client gives up
    }
    await sleep(250); // the service's latency
    if (now < 55 * 60_000) throw new Error('503 Service Unavailable');
    return `200 OK after ${calls} calls`;
  };
}

/** Retry `op` with capped exponential backoff and full jitter, each attempt bounded by `attemptTimeoutMs`. */
async function retry<T>(
  op: () => Promise<T>,
  opts: { baseMs: number; capMs: number; attemptTimeoutMs: number; deadlineMs: number; random: () => number; log: (line: string) => void },
): Promise<T> {
  const loop = getRunningLoop();
  const giveUpAt = loop.time() + opts.deadlineMs;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await waitFor(op, opts.attemptTimeoutMs);
      opts.log(`attempt ${attempt}: ${String(result)}`);
      return result;
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      const why = e instanceof TimeoutError ? `timed out after ${opts.attemptTimeoutMs / 1000} s` : (e as Error).message;
      const backoff = Math.round(opts.random() * Math.min(opts.capMs, opts.baseMs * 2 ** attempt));
      if (loop.time() + backoff > giveUpAt) {
        opts.log(`attempt ${attempt}: ${why}; giving up`);
        throw e;
      }
      opts.log(`attempt ${attempt}: ${why}; retrying in ${(backoff / 1000).toFixed(1)} s`);
      await sleep(backoff);
    }
  }
}

const started = performance.now();
const lines: string[] = [];
const result = await simulate(
  async (world) => {
    // Jitter from the world's seed, so the run is reproducible.
    let state = 0x9e3779b9;
    const random = (): number => {
      state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      return state / 4294967296;
    };
    const log = (line: string): void => {
      lines.push(`${formatVirtualTime(world.loop.time()).padStart(12)}  ${line}`);
    };
    const value = await retry(flakyService(world), { baseMs: 1_000, capMs: 5 * 60_000, attemptTimeoutMs: 30_000, deadlineMs: 2 * 3_600_000, random, log });
    return { value, virtualMs: world.loop.time() };
  },
  { seed: 'retry-demo' },
);
const realMs = performance.now() - started;

console.log('simloop demo: retry with exponential backoff against a flaky service\n');
console.log('  virtual time  event');
for (const line of lines) console.log(line);
console.log(`\nresult: ${result.value}`);
console.log(`${formatVirtualTime(result.virtualMs)} of virtual time ran in ${realMs.toFixed(1)} ms of real time`);
