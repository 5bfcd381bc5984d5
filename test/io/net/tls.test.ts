import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, test } from 'vitest';
import { InvalidStateError, openConnection, Protocol, type EventLoop, type Transport } from '../../../src/index.js';
import { Accepted, certs, clientTls, Echo, localServer, pause, Recorder, serverTls, within, withLoop } from './support.js';

const secureEcho = (loop: EventLoop, opts: Parameters<EventLoop['createServer']>[3] = {}): Promise<[import('../../../src/index.js').Server, number]> =>
  localServer(loop, () => new Echo(), { ssl: serverTls, ...opts });

describe('TLS', () => {
  test('client and server: bytes go through, peercert and cipher are known, EOF cannot be written', async () => {
    const info = await withLoop(async (loop) => {
      const accepted = new Accepted(loop, (r) => {
        r.onData = (d, self) => self.transport!.write(d);
      });
      const [server, port] = await localServer(loop, accepted.factory, { ssl: serverTls });
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, 'localhost', port, { ssl: clientTls });
      t.write('over TLS');
      await within(client.bytes(8));
      const peerT = await accepted.transport(0);
      const info = {
        text: client.text,
        canWriteEof: t.canWriteEof(),
        peercert: t.getExtraInfo<tls.PeerCertificate>('peercert'),
        cipher: t.getExtraInfo<tls.CipherNameAndProtocol>('cipher'),
        sslcontext: t.getExtraInfo('sslcontext'),
        sslObject: t.getExtraInfo('ssl_object'),
        serverPeercert: peerT.getExtraInfo('peercert'),
        peername: t.getExtraInfo('peername'),
      };
      expect(() => t.writeEof()).toThrow(InvalidStateError);
      t.close();
      await within(client.lost);
      const serverSide = accepted.all[0]!;
      await within(serverSide.lost);
      expect(serverSide.events.slice(-2)).toEqual(['eof', 'lost']);
      await server[Symbol.asyncDispose]();
      return info;
    });
    expect(info.text).toBe('over TLS');
    expect(info.canWriteEof).toBe(false);
    expect(info.peercert).toMatchObject({ subject: { CN: 'localhost' }, issuer: { CN: 'simloop test CA' } });
    expect(info.cipher?.name).toMatch(/\w/);
    expect(info.sslcontext).toBeTruthy();
    expect(info.sslObject).toBeInstanceOf(tls.TLSSocket);
    expect(info.serverPeercert).toBeNull();
    expect(info.peername).toMatchObject({ address: '127.0.0.1' });
  });

  test('ssl: a SecureContext works on both sides; an IP host is checked against the certificate IP names', async () => {
    const got = await withLoop(async (loop) => {
      const [server, port] = await localServer(loop, () => new Echo(), { ssl: tls.createSecureContext(serverTls) });
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, '127.0.0.1', port, { ssl: tls.createSecureContext({ ca: certs.ca }) });
      t.write('ctx');
      await within(client.bytes(3));
      t.close();
      await within(client.lost);
      await server[Symbol.asyncDispose]();
      return client.text;
    });
    expect(got).toBe('ctx');
  });

  test('a wrong serverHostname fails the handshake; the server never serves the connection', async () => {
    const { err, served } = await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory, { ssl: serverTls });
      let made = 0;
      const err = await loop
        .createConnection(
          () => {
            made++;
            return new Protocol();
          },
          '127.0.0.1',
          port,
          { ssl: clientTls, serverHostname: 'example.com' },
        )
        .catch((e: unknown) => e);
      expect(made).toBe(1); // made before the handshake, as asyncio
      await pause(loop, 50);
      await server[Symbol.asyncDispose]();
      return { err, served: accepted.all.filter((r) => r.made.done()).length };
    });
    expect(err).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(served).toBe(0);
  });

  test("serverHostname '' checks the certificate chain but no name", async () => {
    await withLoop(async (loop) => {
      const [server, port] = await secureEcho(loop);
      const [t] = await loop.createConnection(() => new Protocol(), '127.0.0.1', port, { ssl: clientTls, serverHostname: '' });
      t.close();
      const [untrustedServer, port2] = await localServer(loop, () => new Echo(), {
        ssl: { key: certs.untrustedKey, cert: certs.untrustedCert },
      });
      await expect(loop.createConnection(() => new Protocol(), '127.0.0.1', port2, { ssl: clientTls, serverHostname: '' })).rejects.toMatchObject({
        code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      });
      await server[Symbol.asyncDispose]();
      await untrustedServer[Symbol.asyncDispose]();
    });
  });

  test('a certificate no trusted CA signed fails the handshake', async () => {
    const err = await withLoop(async (loop) => {
      const [server, port] = await localServer(loop, () => new Echo(), { ssl: { key: certs.untrustedKey, cert: certs.untrustedCert } });
      const err = await loop.createConnection(() => new Protocol(), 'localhost', port, { ssl: clientTls }).catch((e: unknown) => e);
      await server[Symbol.asyncDispose]();
      return err;
    });
    expect(err).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  test('a server that asks for a client certificate sees it as peercert', async () => {
    const cn = await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory, { ssl: { ...serverTls, ca: certs.ca, requestCert: true } });
      const [t] = await loop.createConnection(() => new Protocol(), 'localhost', port, {
        ssl: { ca: certs.ca, key: certs.clientKey, cert: certs.clientCert },
      });
      const peerT = await accepted.transport(0);
      const cn = peerT.getExtraInfo<tls.PeerCertificate>('peercert')?.subject.CN;
      t.close();
      await server[Symbol.asyncDispose]();
      return cn;
    });
    expect(cn).toBe('simloop-test-client');
  });

  test.each([
    ['none', {}],
    ['one no trusted CA signed', { key: certs.untrustedKey, cert: certs.untrustedCert }],
  ])('a server that requires a client certificate drops a client with %s', async (_name, clientCert) => {
    const served = await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory, { ssl: { ...serverTls, ca: certs.ca, requestCert: true } });
      const client = new Recorder(loop);
      // Under TLS 1.3 the client may finish its side first and learn of the refusal afterwards.
      const connected = await loop
        .createConnection(() => client, 'localhost', port, { ssl: { ca: certs.ca, ...clientCert } })
        .then(
          () => true,
          () => false,
        );
      if (connected) await within(client.lost);
      await pause(loop, 20);
      await server[Symbol.asyncDispose]();
      return accepted.all.filter((r) => r.made.done()).length;
    });
    expect(served).toBe(0);
  });

  test('a client handshake that outlasts sslHandshakeTimeout rejects with ECONNABORTED', async () => {
    const { err, elapsed } = await withLoop(async (loop) => {
      // A plain TCP server that never answers the ClientHello.
      const [server, port] = await localServer(loop, () => new Protocol());
      const start = loop.time();
      const err = await loop.createConnection(() => new Protocol(), 'localhost', port, { ssl: clientTls, sslHandshakeTimeout: 150 }).catch((e: unknown) => e);
      const elapsed = loop.time() - start;
      server.closeClients();
      await server[Symbol.asyncDispose]();
      return { err, elapsed };
    });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: 'ECONNABORTED' });
    expect((err as Error).message).toMatch(/150 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(3000);
  });

  test('a server drops a client whose handshake outlasts sslHandshakeTimeout, without serving it', async () => {
    const { lost, served } = await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory, { ssl: serverTls, sslHandshakeTimeout: 100 });
      // A plain client that never starts TLS.
      const client = new Recorder(loop);
      await loop.createConnection(() => client, '127.0.0.1', port);
      const lost = await within(client.lost);
      await server[Symbol.asyncDispose]();
      return { lost, served: accepted.all.filter((r) => r.made.done()).length };
    });
    if (lost !== null) expect(lost).toMatchObject({ code: 'ECONNRESET' });
    expect(served).toBe(0);
  });

  test('closeClients reaches connections still in their handshake', async () => {
    await withLoop(async (loop) => {
      const [server, port] = await localServer(loop, () => new Echo(), { ssl: serverTls });
      const client = new Recorder(loop);
      await loop.createConnection(() => client, '127.0.0.1', port);
      await pause(loop, 30);
      server.close();
      server.closeClients();
      await within(client.lost);
      await within(server.waitClosed());
    });
  });

  test('eofReceived returning true has no effect over TLS: the transport closes (with a warning)', async () => {
    const warnings = await withLoop(async (loop) => {
      const warnings: string[] = [];
      loop.logger = { warn: (m) => warnings.push(m), error: () => {} };
      const accepted = new Accepted(loop, (r) => (r.keepOpen = true));
      const [server, port] = await localServer(loop, accepted.factory, { ssl: serverTls });
      const [t] = await loop.createConnection(() => new Protocol(), 'localhost', port, { ssl: clientTls });
      const peer = await within(accepted.nth(0));
      await within(peer.made);
      t.close();
      await within(peer.lost);
      await server[Symbol.asyncDispose]();
      return warnings;
    });
    expect(warnings.some((w) => /no effect when using TLS/.test(w))).toBe(true);
  });
});

/**
 * A raw Node TLS server that, once its handshake with the one client is
 * done, writes bytes that are no TLS record on the TCP socket under the TLS
 * one. Resolves to its port and a closer.
 */
async function corruptingTlsServer(): Promise<[number, () => Promise<void>]> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((raw) => {
    sockets.push(raw);
    raw.on('error', () => {});
    const secure = new tls.TLSSocket(raw, { isServer: true, ...serverTls });
    secure.on('error', () => {});
    secure.on('secure', () => raw.write(Buffer.from('this is no TLS record\r\n\r\n')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const close = (): Promise<void> => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  };
  return [port, close];
}

describe('a corrupt TLS record after the handshake', () => {
  test('ends the connection: connectionLost gets the TLS error', async () => {
    const lost = await withLoop(async (loop) => {
      const [port, close] = await corruptingTlsServer();
      const client = new Recorder(loop);
      await loop.createConnection(() => client, 'localhost', port, { ssl: clientTls });
      const lost = await within(client.lost);
      await close();
      return lost;
    });
    expect(lost).toBeInstanceOf(Error);
    expect(lost).toMatchObject({ code: expect.stringMatching(/^ERR_SSL_/) });
  });

  test('a Streams reader waiting for data rejects with the TLS error', async () => {
    const err = await withLoop(async () => {
      const [port, close] = await corruptingTlsServer();
      const [reader, writer] = await openConnection('localhost', port, { ssl: clientTls });
      const err = await within(reader.read(100)).catch((e: unknown) => e);
      writer.close();
      await close();
      return err;
    });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: expect.stringMatching(/^ERR_SSL_/) });
  });
});

describe('startTls', () => {
  /** A line protocol: plaintext until STARTTLS, then TLS on the same protocol object. */
  class StartTlsServer extends Recorder {
    upgraded: Future<Transport> = this.loop.createFuture<Transport>();
    holdAfterCommand = false;
    override dataReceived(d: Uint8Array): void {
      super.dataReceived(d);
      if (this.text === 'STARTTLS\n' && !this.upgraded.done() && this.transport !== null) {
        const t = this.transport;
        if (this.holdAfterCommand) t.pauseReading();
        t.write('OK\n');
        const upgrade = async (): Promise<void> => {
          if (this.holdAfterCommand) await pause(this.loop, 100);
          const tt = await this.loop.startTls(t, this, serverTls, { serverSide: true });
          this.transport = tt;
          this.upgraded.setResult(tt);
        };
        this.loop.createTask(upgrade);
      } else if (this.upgraded.done()) {
        this.transport!.write(`echo:${Buffer.from(d).toString()}`);
      }
    }
  }

  for (const hold of [false, true]) {
    test(`upgrades both sides of a plaintext connection${hold ? ' (the ClientHello waits in the paused transport)' : ''}`, async () => {
      const result = await withLoop(async (loop) => {
        const server = new StartTlsServer(loop);
        server.holdAfterCommand = hold;
        const [srv, port] = await localServer(loop, () => server);
        const client = new Recorder(loop);
        const [plain] = await loop.createConnection(() => client, '127.0.0.1', port);
        plain.write('STARTTLS\n');
        await within(client.bytes(3));
        expect(client.text).toBe('OK\n');
        const secure = await within(loop.startTls(plain, client, clientTls, { serverHostname: 'localhost' }));
        expect(plain.isClosing()).toBe(true);
        expect(secure.getProtocol()).toBe(client);
        expect(secure.getExtraInfo('peercert')).toMatchObject({ subject: { CN: 'localhost' } });
        const serverSecure = await within(server.upgraded);
        expect(serverSecure.getExtraInfo('sslcontext')).toBeTruthy();
        secure.write('hi');
        await within(client.bytes(3 + 7));
        secure.close();
        await within(client.lost);
        await within(server.lost);
        await srv[Symbol.asyncDispose]();
        return { client: client.text, clientEvents: client.events, serverEvents: server.events };
      });
      expect(result.client).toBe('OK\necho:hi');
      // connectionMade once, connectionLost once, across the upgrade
      expect(result.clientEvents.filter((e) => e === 'made')).toHaveLength(1);
      expect(result.clientEvents.at(-1)).toBe('lost');
      expect(result.serverEvents.filter((e) => e === 'made')).toHaveLength(1);
      expect(result.serverEvents.filter((e) => e.startsWith('lost'))).toHaveLength(1);
    });
  }

  test('a failed upgrade rejects, closes the connection and tells the protocol nothing', async () => {
    const { err, events } = await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const client = new Recorder(loop);
      const [plain] = await loop.createConnection(() => client, '127.0.0.1', port);
      const err = await loop.startTls(plain, client, clientTls, { serverHostname: 'localhost', sslHandshakeTimeout: 100 }).catch((e: unknown) => e);
      const peer = await within(accepted.nth(0));
      await within(peer.lost);
      await pause(loop, 20);
      await server[Symbol.asyncDispose]();
      return { err, events: client.events };
    });
    expect(err).toMatchObject({ code: 'ECONNABORTED' });
    expect(events).toEqual(['made']);
  });

  test('checks its arguments', async () => {
    await withLoop(async (loop) => {
      const [server, port] = await localServer(loop, () => new Echo());
      const p = new Protocol();
      const [t] = await loop.createConnection(() => p, '127.0.0.1', port);
      expect(() => loop.startTls(t, p, clientTls)).toThrow(/serverHostname/);
      expect(() => loop.startTls(t, p, true, { serverSide: true })).toThrow(TypeError);
      expect(() => loop.startTls(t, p, null as never)).toThrow(TypeError);
      t.close();
      expect(() => loop.startTls(t, p, clientTls, { serverHostname: 'localhost' })).toThrow(InvalidStateError);
      await server[Symbol.asyncDispose]();
    });
  });

  test('connectAcceptedSocket runs the server side of TLS on a socket Node accepted', async () => {
    const got = await withLoop(async (loop) => {
      const nodeServer = net.createServer();
      const accepted = loop.createFuture<net.Socket>();
      nodeServer.on('connection', (s) => loop.callSoonThreadsafe(() => accepted.setResult(s)));
      await new Promise<void>((r) => nodeServer.listen(0, '127.0.0.1', r));
      const port = (nodeServer.address() as net.AddressInfo).port;
      const client = new Recorder(loop);
      const connecting = loop.createConnection(() => client, 'localhost', port, { ssl: clientTls });
      const raw = await within(accepted);
      const serverSide = new Recorder(loop);
      serverSide.onData = (d, self) => self.transport!.write(d);
      await loop.connectAcceptedSocket(() => serverSide, raw, { ssl: serverTls });
      const [t] = await within(connecting);
      t.write('adopted+tls');
      await within(client.bytes(11));
      t.close();
      await within(serverSide.lost);
      await new Promise<void>((r) => nodeServer.close(() => r()));
      return client.text;
    });
    expect(got).toBe('adopted+tls');
  });
});

type Future<T> = import('../../../src/index.js').Future<T>;
