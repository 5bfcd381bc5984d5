import { describe, expect, test } from 'vitest';
import { openConnection, simulate, sleep } from '../../../src/index.js';
import { codeOf, Recorder } from './support.js';

describe('faults: partition, heal, reset', () => {
  test('TCP bytes sent across a partition wait, and arrive (in order) after heal', async () => {
    const got = await simulate(async (world) => {
      const net = world.network;
      net.link('127.0.0.1', '10.0.0.3', { latency: 5 });
      const arrivals: [number, string][] = [];
      const done = world.loop.createFuture<void>();
      net.listen('10.0.0.3', 80, async (r) => {
        for (;;) {
          const d = await r.read(100);
          if (d.length === 0) break;
          arrivals.push([world.loop.time(), Buffer.from(d).toString()]);
        }
        done.setResult();
      });
      const [, w] = await openConnection('10.0.0.3', 80);
      w.write('a');
      await sleep(20);
      net.partition('127.0.0.1', '10.0.0.3');
      w.write('b');
      await sleep(1000);
      w.write('c');
      net.heal();
      w.close();
      await done;
      return { arrivals, faults: world.trace().filter((e) => e.kind === 'fault').map((e) => `${e.time} ${e.detail}`) };
    });
    expect(got.arrivals[0]).toEqual([15, 'a']);
    expect(got.arrivals.map(([, s]) => s).join('')).toBe('abc');
    // b waited for the heal at 1030, then crossed in 5 ms.
    expect(got.arrivals[1]![0]).toBe(1035);
    expect(got.faults).toEqual(['30 partition 127.0.0.1 10.0.0.3', '1030 heal all']);
  });

  test('a partition is per pair: heal(a, b) heals that pair only, heal(a) every pair of a', async () => {
    const got = await simulate(async (world) => {
      const net = world.network;
      for (const h of ['10.0.0.1', '10.0.0.2']) {
        net.listen(h, 1, async (_r, w) => {
          w.write('up');
          await w.drain();
        });
      }
      net.partition('127.0.0.1', '10.0.0.1');
      net.partition('127.0.0.1', '10.0.0.2');
      net.heal('127.0.0.1', '10.0.0.1');
      const one = await openConnection('10.0.0.1', 1).then(([, w]) => (w.close(), world.loop.time()));
      const twoEarly = await Promise.race([openConnection('10.0.0.2', 1).then(() => 'connected'), sleep(1000).then(() => 'waiting')]);
      net.heal('127.0.0.1');
      const [, w2] = await openConnection('10.0.0.2', 1);
      w2.close();
      return { one, twoEarly };
    });
    expect(got).toEqual({ one: 0, twoEarly: 'waiting' });
  });

  test('reset(a, b) resets the open connections between them: the code sees ECONNRESET in connectionLost', async () => {
    const got = await simulate(async (world) => {
      const loop = world.loop;
      world.network.listen('10.0.0.4', 22, async (r) => {
        await r.read();
      });
      world.network.listen('10.0.0.5', 22, async (r) => {
        await r.read();
      });
      const a = new Recorder(loop);
      const b = new Recorder(loop);
      await loop.createConnection(() => a, '10.0.0.4', 22);
      const [tb] = await loop.createConnection(() => b, '10.0.0.5', 22);
      world.network.reset('10.0.0.4', '127.0.0.1');
      const lostA = codeOf(await a.lost);
      await sleep(10);
      const bOpen = !b.lost.done();
      tb.close();
      return { lostA, bOpen, trace: world.trace().filter((e) => e.kind === 'fault' || e.kind === 'reset').map((e) => e.detail) };
    });
    expect(got.lostA).toBe('ECONNRESET');
    expect(got.bOpen).toBe(true);
    expect(got.trace[0]).toBe('reset 10.0.0.4 127.0.0.1 (1 connection)');
    expect(got.trace[1]).toMatch(/^conn#\d+ 127\.0\.0\.1:\d+ -> 10\.0\.0\.4:22$/);
  });

  test("reset(a) resets every connection of a; a reader awaiting data gets ECONNRESET", async () => {
    const codes = await simulate(async (world) => {
      world.network.listen('10.0.0.6', 80, async (r) => {
        await r.read();
      });
      const conns = await Promise.all([openConnection('10.0.0.6', 80), openConnection('10.0.0.6', 80)]);
      const reads = conns.map(([r]) => r.read().then(() => 'data', (e: unknown) => codeOf(e)));
      await sleep(1);
      world.network.reset('10.0.0.6');
      const out = await Promise.all(reads);
      for (const [, w] of conns) w.close();
      return out;
    });
    expect(codes).toEqual(['ECONNRESET', 'ECONNRESET']);
  });
});
