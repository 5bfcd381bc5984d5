import { describe, expect, test } from 'vitest';
import { openConnection, simulate, type SimWorld } from '../../../src/index.js';
import type { LinkOptions } from '../../../src/backends/sim/sim-network.js';

/** A peer on `host`:`port` that echoes everything back. */
function echoPeer(world: SimWorld, host: string, port: number): void {
  world.network.listen(host, port, async (r, w) => {
    for (;;) {
      const data = await r.read(64 * 1024);
      if (data.length === 0) break;
      w.write(data);
      await w.drain();
    }
    w.close();
  });
}

/**
 * Seconds of virtual time for 1 MB written at once from 127.0.0.1 to a
 * peer on 10.0.0.1 that reads it all, over a link with `options`.
 */
async function secondsForOneMegabyte(options: LinkOptions): Promise<number> {
  return simulate(async (world) => {
    world.network.link('127.0.0.1', '10.0.0.1', options);
    const done = world.loop.createFuture<number>();
    world.network.listen('10.0.0.1', 9, async (r) => {
      let n = 0;
      while (n < 1_000_000) n += (await r.read(64 * 1024)).length;
      done.setResult(world.loop.time());
    });
    const [, w] = await openConnection('10.0.0.1', 9);
    const start = world.loop.time();
    w.write(new Uint8Array(1_000_000));
    const doneAt = await done;
    w.close();
    return (doneAt - start) / 1000;
  });
}

describe('links: latency, jitter, bandwidth, delay', () => {
  test('latency: connecting takes one round trip, and an echo another, in loop.time()', async () => {
    const got = await simulate(async (world) => {
      world.network.link('127.0.0.1', '10.0.0.1', { latency: 25 });
      echoPeer(world, '10.0.0.1', 7);
      const [r, w] = await openConnection('10.0.0.1', 7);
      const connectedAt = world.loop.time();
      w.write('x');
      await r.readexactly(1);
      const echoedAt = world.loop.time();
      w.close();
      return { connectedAt, echoedAt };
    });
    expect(got).toEqual({ connectedAt: 50, echoedAt: 100 });
  });

  test('bandwidth: 1 MB at 1 MB/s takes about a second of virtual time', async () => {
    const got = await secondsForOneMegabyte({ bandwidth: 1_000_000 });
    expect(got).toBeGreaterThan(0.99);
    expect(got).toBeLessThan(1.01);
  });

  test('bandwidth and latency together: 1 MB at 1 MB/s over a 50 ms link through a 128 KiB window arrives by about 1.05 s', async () => {
    const got = await secondsForOneMegabyte({ bandwidth: 1_000_000, latency: 50, recvBuffer: 128 * 1024 });
    expect(got).toBeGreaterThan(1.049);
    expect(got).toBeLessThan(1.06);
  });

  test('a receive buffer smaller than the bandwidth-delay product limits throughput: 1 MB over a 500 ms, 1 MB/s link with 128 KiB takes about 4.5 s', async () => {
    const got = await secondsForOneMegabyte({ bandwidth: 1_000_000, latency: 500, recvBuffer: 128 * 1024 });
    // At most one 128 KiB window per one-way trip (7.6 windows, so over 4.3 s); a segment delivered late would make it far longer.
    expect(got).toBeGreaterThan(1_000_000 / ((128 * 1024) / 0.5) + 0.5);
    expect(got).toBeLessThan(4.8);
  });

  test('jitter delays deliveries by up to its value, yet one connection\'s bytes stay in order', async () => {
    const got = await simulate(
      async (world) => {
        world.network.link('127.0.0.1', '10.0.0.1', { latency: 10, jitter: 40 });
        echoPeer(world, '10.0.0.1', 7);
        const [r, w] = await openConnection('10.0.0.1', 7);
        const sent: string[] = [];
        for (let i = 0; i < 200; i++) {
          const s = `${i},`;
          sent.push(s);
          w.write(s);
        }
        const expected = sent.join('');
        const back = Buffer.from(await r.readexactly(expected.length)).toString();
        w.close();
        return { same: back === expected, at: world.loop.time() };
      },
      { seed: 7 },
    );
    expect(got.same).toBe(true);
    // Connect and echo: four one-way trips of 10 to 50 ms.
    expect(got.at).toBeGreaterThanOrEqual(40);
    expect(got.at).toBeLessThanOrEqual(200);
  });

  test('delay(a, b, ms) adds one-way latency both ways until delay(a, b, 0)', async () => {
    const got = await simulate(async (world) => {
      echoPeer(world, '10.0.0.1', 7);
      const [r, w] = await openConnection('10.0.0.1', 7);
      const rtt = async (): Promise<number> => {
        const t0 = world.loop.time();
        w.write('x');
        await r.readexactly(1);
        return world.loop.time() - t0;
      };
      const before = await rtt();
      world.network.delay('127.0.0.1', '10.0.0.1', 150);
      const during = await rtt();
      world.network.delay('10.0.0.1', '127.0.0.1', 0);
      const after = await rtt();
      w.close();
      return { before, during, after };
    });
    expect(got).toEqual({ before: 0, during: 300, after: 0 });
  });

  test('link options are checked: TypeError for a wrong type or unknown option, RangeError for a value out of range, each naming it', async () => {
    await simulate(async (world) => {
      const net = world.network;
      expect(() => net.link('127.0.0.1', '10.0.0.1', { latency: -1 })).toThrow(/latency/);
      expect(() => net.link('127.0.0.1', '10.0.0.1', { latency: -1 })).toThrow(RangeError);
      expect(() => net.link('127.0.0.1', '10.0.0.1', { jitter: Number.NaN })).toThrow(TypeError);
      expect(() => net.link('127.0.0.1', '10.0.0.1', { bandwidth: 0 })).toThrow(/bandwidth/);
      expect(() => net.link('127.0.0.1', '10.0.0.1', { loss: 1.5 })).toThrow(RangeError);
      expect(() => net.link('127.0.0.1', '10.0.0.1', { duplicate: -0.1 })).toThrow(/duplicate/);
      expect(() => net.link('127.0.0.1', '10.0.0.1', { reorder: 2 })).toThrow(/reorder/);
      expect(() => net.link('127.0.0.1', '10.0.0.1', { sendBuffer: 0 })).toThrow(/sendBuffer/);
      expect(() => net.link('127.0.0.1', '10.0.0.1', { recvBuffer: 1.5 })).toThrow(/recvBuffer/);
      expect(() => net.link('127.0.0.1', '10.0.0.1', { latency: '5' as never })).toThrow(TypeError);
      expect(() => net.link('127.0.0.1', '10.0.0.1', { lattency: 5 } as never)).toThrow(/unknown option "lattency"/);
      expect(() => net.link('example.com', '10.0.0.1', {})).toThrow(/a must be an IP address/);
      expect(() => net.setDefaults({ latency: Infinity })).toThrow(RangeError);
      expect(() => net.delay('127.0.0.1', '10.0.0.1', -5)).toThrow(RangeError);
      expect(() => net.partition('10.0.0.1', '10.0.0.1')).toThrow(RangeError);
    });
  });

  test("'localhost' names 127.0.0.1 wherever a host is taken", async () => {
    const got = await simulate(async (world) => {
      world.network.link('localhost', '10.0.0.1', { latency: 5 });
      echoPeer(world, '10.0.0.1', 7);
      const [r, w] = await openConnection('10.0.0.1', 7);
      w.write('x');
      await r.readexactly(1);
      w.close();
      return world.loop.time();
    });
    expect(got).toBe(20);
  });
});
