import { describe, expect, it } from 'vitest';
import '../../../src/index.js';
import { gather, sleep } from '../../../src/index.js';
import { startSimTls } from '../../../src/backends/sim/sim-tls.js';
import { createSimWorld, type SimWorld, type Strategy } from '../../../src/backends/sim/sim-world.js';
import { clientTls, Events, onLoop, rawPair, serverTls } from './support.js';

/** One TLS connection of `latency` ms: a handshake, an exchange of `size` bytes each way, a close. */
async function conversation(world: SimWorld, id: number, latency: number, size: number, log: string[]): Promise<void> {
  const loop = world.loop;
  const ctx = world._ctx;
  const [rc, rs] = rawPair(loop, latency);
  const trace = (side: string) => ({
    sent: (n: number) => ctx.trace('send', `conn#${id} ${side} ${n}B`),
    received: (n: number) => ctx.trace('recv', `conn#${id} ${side} ${n}B`),
  });
  const c = onLoop(loop, startSimTls(ctx, rc, { serverSide: false, ssl: clientTls, serverHostname: 'localhost' }, trace('client')));
  const s = onLoop(loop, startSimTls(ctx, rs, { serverSide: true, ssl: serverTls }, trace('server')));
  const client = await c;
  const server = await s;
  log.push(`${loop.time()} conn#${id} up`);
  const ce = new Events(loop, `conn#${id} client`);
  const se = new Events(loop, `conn#${id} server`);
  client.start(ce);
  server.start(se);
  const data = new Uint8Array(size).fill(id);
  client.write(data);
  server.write(data);
  await se.bytes(size);
  await ce.bytes(size);
  client.close();
  await se.ended;
  server.close();
  await se.closed;
  await ce.closed;
  log.push(...ce.log, ...se.log);
}

async function run(seed: number, strategy: Strategy): Promise<{ trace: string[]; log: string[] }> {
  const world = createSimWorld({ seed, strategy });
  const log: string[] = [];
  await world.run(async () => {
    const ticker = (async () => {
      for (let i = 0; i < 20; i++) {
        await sleep(7);
        log.push(`${world.loop.time()} tick`);
      }
    })();
    await gather([conversation(world, 1, 5, 40_000, log), conversation(world, 2, 13, 200_000, log), conversation(world, 3, 0, 1000, log), ticker]);
  });
  await world[Symbol.asyncDispose]();
  return { trace: world.trace().map((e) => `${e.time} ${e.kind} ${e.task ?? ''} ${e.handle ?? ''} ${e.detail ?? ''}`), log };
}

describe('startSimTls: determinism', () => {
  for (const strategy of ['fifo', 'random'] as const) {
    it(`gives identical traces and event orders for the same seed (${strategy})`, async () => {
      const a = await run(7, strategy);
      const b = await run(7, strategy);
      expect(a.trace.length).toBeGreaterThan(100);
      expect(a.trace.filter((l) => / (send|recv) /.test(l)).length).toBeGreaterThan(4);
      expect(b.log).toEqual(a.log);
      expect(b.trace).toEqual(a.trace);
    });
  }
});
