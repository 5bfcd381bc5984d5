import { describe, expect, it } from 'vitest';
import { gather, openConnection, startServer, type StreamReader, type StreamWriter } from '../../../src/index.js';
import { createSimWorld, simulate } from '../../../src/backends/sim/sim-world.js';
import { certs, clientTls, serverTls } from './support.js';

/** Mutual TLS: both sides sign with ECDSA P-256 keys (fixtures/tls), whose DER signatures vary in length from run to run. */
const mutualServer = { ...serverTls, ca: certs.ca, requestCert: true, rejectUnauthorized: true };
const mutualClient = { ...clientTls, key: certs.clientKey, cert: certs.clientCert };

/** A TLS server on 127.0.0.1:8443 running `handler` for each connection. */
function serveTls(handler: (reader: StreamReader, writer: StreamWriter) => Promise<void> | void, ssl: object = serverTls): ReturnType<typeof startServer> {
  return startServer(handler, '127.0.0.1', 8443, { ssl });
}

/** What one run saw: the trace and, per client, when each echo arrived (virtual ms). */
interface Outcome {
  trace: string[];
  arrivals: string[];
}

/** Three clients echo messages of many sizes over TLS on a slow, jittery link with small buffers. */
async function echoRun(seed: number): Promise<Outcome> {
  const world = createSimWorld({ seed, strategy: 'random' });
  const arrivals: string[] = [];
  await world.run(async () => {
    const loop = world.loop;
    world.network.link('127.0.0.1', '127.0.0.1', { latency: 7, jitter: 5, bandwidth: 50_000, sendBuffer: 20_000, recvBuffer: 24_000 });
    const server = await serveTls(
      async (reader, writer) => {
        for (;;) {
          const chunk = await reader.read(30_000);
          if (chunk.length === 0) break;
          writer.write(chunk);
          await writer.drain();
        }
        writer.close();
      },
      mutualServer,
    );
    await gather(
      [1, 2, 3].map(async (id) => {
        const [reader, writer] = await openConnection('localhost', 8443, { ssl: mutualClient });
        arrivals.push(`${loop.time()} client ${id} up`);
        for (const size of [10, 5_000, 16_384, 40_000, 1]) {
          writer.write(new Uint8Array(size).fill(id));
          await writer.drain();
          await reader.readexactly(size);
          arrivals.push(`${loop.time()} client ${id} got ${size}`);
        }
        writer.close();
        await writer.waitClosed();
      }),
    );
    server.close();
    await server.waitClosed();
  });
  await world[Symbol.asyncDispose]();
  return { trace: world.trace().map((e) => `${e.time} ${e.kind} ${e.task ?? ''} ${e.handle ?? ''} ${e.detail ?? ''}`), arrivals };
}

describe('TLS under a bandwidth limit', () => {
  it('gives identical traces and virtual timestamps for equal seeds with ECDSA certificates on both sides', async () => {
    const first = await echoRun(11);
    expect(first.arrivals).toHaveLength(18);
    expect(first.trace.filter((l) => / send .* 40000B$/.test(l)).length).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) {
      const again = await echoRun(11);
      expect(again.arrivals).toEqual(first.arrivals);
      expect(again.trace).toEqual(first.trace);
    }
  });

  it('costs a handshake its round trips only, not bandwidth', async () => {
    await simulate(async (world) => {
      world.network.link('127.0.0.1', '127.0.0.1', { latency: 10, bandwidth: 100 });
      const server = await serveTls((_r, w) => w.close());
      const [, writer] = await openConnection('localhost', 8443, { ssl: clientTls });
      // Connect (one round trip) and the client's side of the handshake (another), as without a limit.
      expect(world.loop.time()).toBe(40);
      writer.close();
      server.close();
      await server.waitClosed();
    });
  });

  it('charges the plaintext it carries: 20,000 bytes at 10,000 B/s arrive 2 s (plus latency) after they are written', async () => {
    await simulate(async (world) => {
      const loop = world.loop;
      world.network.link('127.0.0.1', '127.0.0.1', { latency: 10, bandwidth: 10_000 });
      const got = loop.createFuture<number>();
      const server = await serveTls(async (reader) => {
        await reader.readexactly(20_000);
        got.setResult(loop.time());
      });
      const [, writer] = await openConnection('localhost', 8443, { ssl: clientTls });
      const sentAt = loop.time();
      writer.write(new Uint8Array(20_000));
      expect((await got) - sentAt).toBe(2_000 + 10);
      writer.close();
      server.close();
      await server.waitClosed();
    });
  });

  it('carries records larger than the receive buffer (each goes alone once the receiver has read the rest)', async () => {
    await simulate(async (world) => {
      world.network.link('127.0.0.1', '127.0.0.1', { latency: 1, bandwidth: 1_000_000, sendBuffer: 1_000, recvBuffer: 1_000 });
      const server = await serveTls(async (reader, writer) => {
        writer.write(await reader.readexactly(100_000));
        await writer.drain();
        writer.close();
      });
      const [reader, writer] = await openConnection('localhost', 8443, { ssl: clientTls });
      const data = Uint8Array.from({ length: 100_000 }, (_, i) => i % 251);
      writer.write(data);
      expect(new Uint8Array(await reader.readexactly(100_000))).toEqual(data);
      writer.close();
      server.close();
      await server.waitClosed();
    });
  });
});
