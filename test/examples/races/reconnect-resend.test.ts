import { describe, expect, test } from 'vitest';
import { simulate, type ScheduleFailure } from '../../../src/index.js';
import { replay } from '../../../src/explore/explore.js';
import * as race from '../../../examples/races/reconnect-resend.js';
import { buggy, PaymentClient, SERVICE_HOST, SERVICE_PORT } from '../../../examples/races/reconnect-resend.js';
import { failureOf, raceSpecs } from './support.js';

// The network scenario's failing runs carry many jitter draws: shrinking them fully takes a few hundred runs, so the tests bound it.
const MAX_SHRINK_RUNS = 30;
let shared: Promise<ScheduleFailure> | null = null;
/** One failure, found once for the tests that inspect it. */
const sharedFailure = (): Promise<ScheduleFailure> => (shared ??= failureOf(buggy, { runs: 100, seed: 3, maxShrinkRuns: MAX_SHRINK_RUNS }));

describe('examples/races/reconnect-resend: a message handled twice after a reconnect', () => {
  raceSpecs(race, {
    cause: [Error, /^payment order-\d was charged 2 times \(the client resent \d payments? after late acks\)$/],
    hidesFromFifo: false,
    seed: 3,
    maxShrinkRuns: MAX_SHRINK_RUNS,
  });

  test('a plain run passes or fails by its seed alone (the jitter it draws): a flaky test', async () => {
    const outcomes = new Set<string>();
    for (let seed = 0; seed < 20; seed++) outcomes.add(await simulate(buggy, { seed }).then(() => 'pass', () => 'fail'));
    expect(outcomes).toEqual(new Set(['pass', 'fail']));
  });

  test('the token replays the late ack and the double charge exactly', async () => {
    const f = await sharedFailure();
    const again = await replay(buggy, f.replay).catch((e: unknown) => e);
    expect((again as Error & { cause: Error }).cause.message).toBe((f.cause as Error).message);
    expect((again as { trace: unknown }).trace).toEqual(f.trace);
  });

  test('the shrunk trace shows the resend on a second connection', async () => {
    const f = await sharedFailure();
    const connects = f.trace.filter((e) => e.kind === 'connect');
    expect(connects.length).toBeGreaterThanOrEqual(2);
  });

  test('the client gives up with a TimeoutError when no ack ever comes', async () => {
    await simulate(async (world) => {
      world.network.listen(SERVICE_HOST, SERVICE_PORT, async (reader) => {
        while ((await reader.readline()).length > 0);
      });
      const client = new PaymentClient(SERVICE_HOST, SERVICE_PORT);
      await expect(client.pay('order-9', 10, 2)).rejects.toThrow('payment order-9: no ack after 2 attempts');
      expect(client.resends).toBe(1);
      client.close();
    });
  });
});
