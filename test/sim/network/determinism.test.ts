import { describe, expect, test } from 'vitest';
import { DatagramProtocolBase, gather, openConnection, simulate, sleep, type SimWorld, type TraceEvent } from '../../../src/index.js';

/** Several TCP clients over a jittery link and a lossy, duplicating, reordering UDP exchange. */
async function scenario(world: SimWorld): Promise<string[]> {
  const net = world.network;
  net.link('127.0.0.1', '10.0.0.1', { latency: 5, jitter: 20, bandwidth: 200_000, loss: 0.3, duplicate: 0.2, reorder: 0.3 });
  net.listen('10.0.0.1', 7, async (r, w) => {
    for (;;) {
      const d = await r.read(1000);
      if (d.length === 0) break;
      w.write(d);
    }
    w.close();
  });
  const got: string[] = [];
  await gather(
    [0, 1, 2].map(async (i) => {
      const [r, w] = await openConnection('10.0.0.1', 7);
      for (let k = 0; k < 5; k++) w.write(`client ${i} line ${k}\n`);
      w.writeEof();
      got.push(Buffer.from(await r.read(-1)).toString().length.toString());
      w.close();
    }),
  );
  const received: string[] = [];
  class Sink extends DatagramProtocolBase {
    override datagramReceived(d: Uint8Array): void {
      received.push(Buffer.from(d).toString());
    }
  }
  const [server] = await world.loop.createDatagramEndpoint(() => new Sink(), { localAddr: ['10.0.0.1', 53] });
  const [client] = await world.loop.createDatagramEndpoint(() => new Sink(), { remoteAddr: ['10.0.0.1', 53] });
  for (let k = 0; k < 30; k++) client.sendto(`d${k}`);
  await sleep(200);
  client.close();
  server.close();
  return [...got, received.join(',')];
}

const run = async (seed: number): Promise<{ result: string[]; trace: TraceEvent[] }> => {
  let trace: TraceEvent[] = [];
  const result = await simulate(
    async (world) => {
      const r = await scenario(world);
      trace = world.trace();
      return r;
    },
    { seed },
  );
  return { result, trace };
};

describe('determinism of the simulated network', () => {
  test('the same seed gives an identical trace (network events included) and the same outcome', async () => {
    const a = await run(42);
    const b = await run(42);
    expect(a.trace.length).toBeGreaterThan(100);
    expect(b.trace).toEqual(a.trace);
    expect(b.result).toEqual(a.result);
    const kinds = new Set(a.trace.map((e) => e.kind));
    for (const k of ['connect', 'send', 'recv', 'close']) expect(kinds).toContain(k);
    // Never payload: byte counts only.
    for (const e of a.trace.filter((x) => x.kind === 'send' || x.kind === 'recv')) expect(e.detail).toMatch(/^conn#\d+ \S+ -> \S+ \d+B( lost)?( dup)?( held)?$/);
  });

  test('another seed gives another run', async () => {
    const a = await run(42);
    const c = await run(43);
    expect(c.trace).not.toEqual(a.trace);
  });
});
