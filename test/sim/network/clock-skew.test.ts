import { describe, expect, it } from 'vitest';
import { openConnection, sleep, startServer } from '../../../src/index.js';
import { createSimWorld, simulate } from '../../../src/backends/sim/sim-world.js';
import { script } from '../../../src/backends/sim/scripted-peer.js';

const EPOCH = Date.UTC(2030, 0, 1);
const HOUR = 3_600_000;

/** A line-based peer handler that answers every line with what `Date.now()` reads on its host. */
async function tellTime(reader: { readline(): Promise<Uint8Array> }, writer: { write(d: string): void; drain(): Promise<void> }): Promise<void> {
  for (;;) {
    const line = await reader.readline();
    if (line.length === 0) return;
    writer.write(`${Date.now()}\n`);
    await writer.drain();
  }
}

/** Ask the peer at host:port for its time once. */
async function askTime(host: string, port: number): Promise<number> {
  const [reader, writer] = await openConnection(host, port);
  writer.write('time?\n');
  const answer = Number(Buffer.from(await reader.readline()).toString());
  writer.close();
  return answer;
}

describe('clock skew per host', () => {
  it('shifts Date for a handler on a skewed host by that host offset', async () => {
    const got = await simulate(
      async (world) => {
        world.network.setClockSkew('10.0.0.5', HOUR);
        world.network.listen('10.0.0.5', 80, tellTime);
        await sleep(1_000);
        return askTime('10.0.0.5', 80);
      },
      { fakeGlobals: true, epoch: EPOCH },
    );
    expect(got).toBe(EPOCH + 1_000 + HOUR);
  });

  it('applies a skew set while a peer runs to that peer from then on', async () => {
    const got = await simulate(
      async (world) => {
        world.network.listen('10.0.0.5', 80, tellTime);
        const [reader, writer] = await openConnection('10.0.0.5', 80);
        const ask = async (): Promise<number> => {
          writer.write('time?\n');
          return Number(Buffer.from(await reader.readline()).toString());
        };
        const before = await ask();
        world.network.setClockSkew('10.0.0.5', 30_000);
        const after = await ask();
        writer.close();
        return [before, after];
      },
      { fakeGlobals: true, epoch: EPOCH },
    );
    expect(got).toEqual([EPOCH, EPOCH + 30_000]);
  });

  it('leaves the code under test on its own clock while a peer host is skewed', async () => {
    const [own, peer] = await simulate(
      async (world) => {
        world.network.setClockSkew('10.0.0.5', -HOUR);
        world.network.listen('10.0.0.5', 80, tellTime);
        const peerTime = await askTime('10.0.0.5', 80);
        return [Date.now(), peerTime];
      },
      { fakeGlobals: true, epoch: EPOCH },
    );
    expect(own).toBe(EPOCH);
    expect(peer).toBe(EPOCH - HOUR);
  });

  it("shifts the code under test's Date when its own host 127.0.0.1 (or 'localhost') is skewed, and not a peer's elsewhere", async () => {
    const [own, fromDate, peer] = await simulate(
      async (world) => {
        world.network.setClockSkew('localhost', 5_000);
        world.network.listen('10.0.0.5', 80, tellTime);
        return [Date.now(), new Date().getTime(), await askTime('10.0.0.5', 80)];
      },
      { fakeGlobals: true, epoch: EPOCH },
    );
    expect(own).toBe(EPOCH + 5_000);
    expect(fromDate).toBe(EPOCH + 5_000);
    expect(peer).toBe(EPOCH);
  });

  it('never skews the loop time or performance.now', async () => {
    const [loopTime, perf, peerPerf] = await simulate(
      async (world) => {
        world.network.setClockSkew('127.0.0.1', HOUR);
        world.network.setClockSkew('10.0.0.5', HOUR);
        const seen = world.loop.createFuture<number>();
        world.network.listen('10.0.0.5', 80, (_reader, writer) => {
          seen.setResult(performance.now());
          writer.close();
        });
        await sleep(250);
        await openConnection('10.0.0.5', 80);
        return [world.loop.time(), performance.now(), await seen];
      },
      { fakeGlobals: true, epoch: EPOCH },
    );
    expect(loopTime).toBe(250);
    expect(perf).toBe(250);
    expect(peerPerf).toBe(250);
  });

  it('shifts Date for a network.connect client on its localAddr host, in the tasks and timers it starts too', async () => {
    const seen = await simulate(
      async (world) => {
        world.network.setClockSkew('10.0.0.9', 42_000);
        const times: number[] = [];
        const server = await startServer((_r, w) => w.close(), '127.0.0.1', 7000);
        await world.network.connect(
          '127.0.0.1',
          7000,
          async () => {
            times.push(Date.now());
            await world.loop.createTask(async () => {
              times.push(Date.now());
            });
            await new Promise<void>((resolve) =>
              setTimeout(() => {
                times.push(Date.now());
                resolve();
              }, 10),
            );
          },
          { localAddr: '10.0.0.9' },
        );
        server.close();
        await server.waitClosed();
        return times;
      },
      { fakeGlobals: true, epoch: EPOCH },
    );
    expect(seen).toEqual([EPOCH + 42_000, EPOCH + 42_000, EPOCH + 42_010]);
  });

  it("reads each host's wall clock with hostTime, without fake globals", async () => {
    await simulate(async (world) => {
      world.network.setClockSkew('10.0.0.5', 1_500);
      world.network.setClockSkew('::1', -20);
      await sleep(100);
      expect(world.network.hostTime('10.0.0.5')).toBe(1_600);
      expect(world.network.hostTime('10.0.0.6')).toBe(100);
      expect(world.network.hostTime('127.0.0.1')).toBe(80);
    });
  });

  it('reads the same wall clock in hostTime as Date.now() on that host, epoch included', async () => {
    await simulate(
      async (world) => {
        world.network.setClockSkew('10.0.0.5', 7);
        await sleep(3);
        expect(world.network.hostTime('10.0.0.5')).toBe(EPOCH + 10);
        // Date is the world's fake one here (fakeGlobals): virtual time, not the real clock.
        expect(Date.now()).toBe(EPOCH + 3);
        expect(world.network.hostTime('127.0.0.1')).toBe(Date.now());
      },
      { fakeGlobals: true, epoch: EPOCH },
    );
  });

  it('reads a skew back with clockSkew; 0 clears it', async () => {
    await simulate(async (world) => {
      const net = world.network;
      expect(net.clockSkew('10.0.0.5')).toBe(0);
      net.setClockSkew('10.0.0.5', -300);
      expect(net.clockSkew('10.0.0.5')).toBe(-300);
      net.setClockSkew('localhost', 12);
      expect(net.clockSkew('127.0.0.1')).toBe(12);
      net.setClockSkew('10.0.0.5', 0);
      expect(net.clockSkew('10.0.0.5')).toBe(0);
    });
  });

  it('traces a fault for each skew set, the same for the same seed', async () => {
    const run = async (): Promise<string[]> => {
      const world = createSimWorld({ seed: 5, fakeGlobals: true, epoch: EPOCH });
      await world.run(async () => {
        world.network.setClockSkew('10.0.0.5', 250);
        world.network.listen('10.0.0.5', 80, script().expect('time?\n').send('ok\n').close());
        const [reader, writer] = await openConnection('10.0.0.5', 80);
        writer.write('time?\n');
        await reader.readline();
        writer.close();
      });
      await world[Symbol.asyncDispose]();
      return world.trace().map((e) => `${e.time} ${e.kind} ${e.task ?? ''} ${e.detail ?? ''}`);
    };
    const a = await run();
    expect(a.filter((l) => l.includes(' fault '))).toEqual(['0 fault  clockSkew 10.0.0.5 250ms']);
    expect(await run()).toEqual(a);
  });

  it('rejects a bad host or offset with a TypeError or RangeError naming the parameter', async () => {
    await simulate(async (world) => {
      const net = world.network;
      expect(() => net.setClockSkew('10.0.0.5', '5' as unknown as number)).toThrow(TypeError);
      expect(() => net.setClockSkew('10.0.0.5', Number.NaN)).toThrow(/setClockSkew: offsetMs must be a number/);
      expect(() => net.setClockSkew('10.0.0.5', Infinity)).toThrow(RangeError);
      expect(() => net.setClockSkew('10.0.0.5', Infinity)).toThrow(/offsetMs/);
      expect(() => net.setClockSkew('example.com', 1)).toThrow(TypeError);
      expect(() => net.setClockSkew(5 as unknown as string, 1)).toThrow(/setClockSkew: host/);
      expect(() => net.setClockSkew('0.0.0.0', 1)).toThrow(RangeError);
      expect(() => net.clockSkew('nope')).toThrow(/clockSkew: host/);
      expect(() => net.hostTime('::')).toThrow(/hostTime: host/);
    });
  });
});
