import { describe, expect, it } from 'vitest';
import { openConnection, Protocol, sleep, startServer, type EventLoop, type Transport } from '../../../src/index.js';
import { createSimWorld, simulate, type SimWorld } from '../../../src/backends/sim/sim-world.js';
import type { Future } from '../../../src/tasks/future.js';
import { certs, clientTls, serverTls } from './support.js';

/** An echo server's protocol. */
class Echo extends Protocol {
  transport: Transport | null = null;
  override connectionMade(t: Transport): void {
    this.transport = t;
  }
  override dataReceived(d: Uint8Array): void {
    this.transport!.write(d);
  }
}

/** A client protocol that keeps what it got. */
class Client extends Protocol {
  text = '';
  readonly lost: Future<Error | null>;
  private readonly waits: { n: number; fut: Future<void> }[] = [];
  constructor(private readonly loop: EventLoop) {
    super();
    this.lost = loop.createFuture<Error | null>();
  }
  override dataReceived(d: Uint8Array): void {
    this.text += Buffer.from(d).toString();
    for (const w of this.waits) if (this.text.length >= w.n && !w.fut.done()) w.fut.setResult(undefined);
  }
  override connectionLost(e: Error | null): void {
    this.lost.setResult(e);
  }
  chars(n: number): Future<void> {
    const fut = this.loop.createFuture<void>();
    if (this.text.length >= n) fut.setResult(undefined);
    else this.waits.push({ n, fut });
    return fut;
  }
}

describe('TLS on the simulated network (loop.createConnection / createServer)', () => {
  it('echoes over TLS between createConnection and createServer, in virtual time', async () => {
    await simulate(async (world) => {
      const loop = world.loop;
      world.network.link('127.0.0.1', '127.0.0.1', { latency: 10 });
      const server = await loop.createServer(() => new Echo(), '127.0.0.1', 8443, { ssl: serverTls });
      const client = new Client(loop);
      const [t] = await loop.createConnection(() => client, 'localhost', 8443, { ssl: clientTls });
      // Connect (one round trip) and the client's side of the handshake (another).
      expect(loop.time()).toBe(40);
      expect(t.getExtraInfo('peercert')).toMatchObject({ subject: { CN: 'localhost' } });
      expect(t.getExtraInfo('peername')).toMatchObject({ address: '127.0.0.1', port: 8443 });
      t.write('over simulated TLS');
      await client.chars(18);
      expect(client.text).toBe('over simulated TLS');
      t.close();
      expect(await client.lost).toBeNull();
      server.close();
      await server.waitClosed();
    });
  });

  it('fails createConnection with a wrong serverHostname as on Node (ERR_TLS_CERT_ALTNAME_INVALID)', async () => {
    await simulate(async (world) => {
      const loop = world.loop;
      const server = await loop.createServer(() => new Echo(), '127.0.0.1', 8443, { ssl: serverTls });
      const err = await loop
        .createConnection(() => new Protocol(), '127.0.0.1', 8443, { ssl: clientTls, serverHostname: 'example.com' })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
      server.close();
      await server.waitClosed();
    });
  });

  it('fails against an untrusted certificate with DEPTH_ZERO_SELF_SIGNED_CERT', async () => {
    await simulate(async (world) => {
      const loop = world.loop;
      const server = await loop.createServer(() => new Echo(), '127.0.0.1', 8443, { ssl: { key: certs.untrustedKey, cert: certs.untrustedCert } });
      const err = await loop.createConnection(() => new Protocol(), 'localhost', 8443, { ssl: clientTls }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
      server.close();
      await server.waitClosed();
    });
  });

  it('runs streams over TLS (openConnection / startServer)', async () => {
    await simulate(async () => {
      const server = await startServer(
        async (reader, writer) => {
          const line = await reader.readline();
          writer.write(`hello ${Buffer.from(line).toString()}`);
          await writer.drain();
          writer.close();
        },
        '127.0.0.1',
        8443,
        { ssl: serverTls },
      );
      const [reader, writer] = await openConnection('localhost', 8443, { ssl: clientTls });
      writer.write('simulation\n');
      expect(Buffer.from(await reader.read()).toString()).toBe('hello simulation\n');
      writer.close();
      await writer.waitClosed();
      server.close();
      await server.waitClosed();
    });
  });

  for (const hold of [false, true]) {
    it(`upgrades a plaintext connection with startTls on both sides${hold ? ' (the ClientHello waits in the paused transport: pending bytes)' : ''}`, async () => {
      await simulate(async (world) => {
        const loop = world.loop;
        world.network.link('127.0.0.1', '127.0.0.1', { latency: 2 });
        const upgraded = loop.createFuture<Transport>();
        class StartTlsServer extends Protocol {
          transport: Transport | null = null;
          text = '';
          override connectionMade(t: Transport): void {
            this.transport = t;
          }
          override dataReceived(d: Uint8Array): void {
            this.text += Buffer.from(d).toString();
            if (this.text === 'STARTTLS\n' && !upgraded.done()) {
              const t = this.transport!;
              if (hold) t.pauseReading();
              t.write('OK\n');
              loop.createTask(async () => {
                if (hold) await sleep(100);
                const tt = await loop.startTls(t, this, serverTls, { serverSide: true });
                this.transport = tt;
                upgraded.setResult(tt);
              });
            } else if (upgraded.done()) {
              this.transport!.write(`echo:${Buffer.from(d).toString()}`);
            }
          }
        }
        const server = await loop.createServer(() => new StartTlsServer(), '127.0.0.1', 2525);
        const client = new Client(loop);
        const [plain] = await loop.createConnection(() => client, '127.0.0.1', 2525);
        plain.write('STARTTLS\n');
        await client.chars(3);
        const secure = await loop.startTls(plain, client, clientTls, { serverHostname: 'localhost' });
        expect(secure.getExtraInfo('peercert')).toMatchObject({ subject: { CN: 'localhost' } });
        expect((await upgraded).getExtraInfo('sslcontext')).toBeTruthy();
        secure.write('hi');
        await client.chars(3 + 7);
        expect(client.text).toBe('OK\necho:hi');
        secure.close();
        expect(await client.lost).toBeNull();
        server.close();
        await server.waitClosed();
      });
    });
  }

  it('traces plaintext byte counts of a TLS connection, never its ciphertext', async () => {
    await simulate(async (world) => {
      const loop = world.loop;
      const server = await loop.createServer(() => new Echo(), '127.0.0.1', 8443, { ssl: serverTls });
      const client = new Client(loop);
      const [t] = await loop.createConnection(() => client, 'localhost', 8443, { ssl: clientTls });
      t.write('12345');
      await client.chars(5);
      t.close();
      await client.lost;
      server.close();
      await server.waitClosed();
      const bytes = world
        .trace()
        .filter((e) => (e.kind === 'send' || e.kind === 'recv') && e.detail !== undefined)
        .map((e) => `${e.kind} ${/ (\d+)B$/.exec(e.detail!)?.[1]}`);
      // Each side's plaintext: the client sends 5, the server receives 5 and echoes 5, the client receives 5.
      expect(bytes.filter((b) => !b.endsWith(' 5'))).toEqual([]);
      expect(bytes).toHaveLength(4);
    });
  });

  it('gives the same trace for the same seed, with jitter on the link', async () => {
    const run = async (): Promise<string[]> => {
      const world: SimWorld = createSimWorld({ seed: 3, strategy: 'random' });
      await world.run(async () => {
        const loop = world.loop;
        world.network.link('127.0.0.1', '127.0.0.1', { latency: 5, jitter: 20 });
        const server = await loop.createServer(() => new Echo(), '127.0.0.1', 8443, { ssl: serverTls });
        const clients = await Promise.all(
          [1, 2, 3].map(async (i) => {
            const client = new Client(loop);
            const [t] = await loop.createConnection(() => client, 'localhost', 8443, { ssl: clientTls });
            t.write(`client ${i} `.repeat(1000));
            await client.chars(9000);
            t.close();
            await client.lost;
            return client.text.length;
          }),
        );
        expect(clients).toEqual([9000, 9000, 9000]);
        server.close();
        await server.waitClosed();
      });
      await world[Symbol.asyncDispose]();
      return world.trace().map((e) => `${e.time} ${e.kind} ${e.task ?? ''} ${e.handle ?? ''} ${e.detail ?? ''}`);
    };
    const a = await run();
    const b = await run();
    expect(a.length).toBeGreaterThan(100);
    expect(b).toEqual(a);
  });
});
