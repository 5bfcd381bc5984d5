import { describe, expect, test } from 'vitest';
import {
  EventLoop,
  nodeBackend,
  Protocol,
  type DnsAddress,
  type DnsDriver,
  type SocketAddress,
  type StreamDriver,
} from '../../../src/index.js';
import { localServer, Recorder, within } from './support.js';

/** A DNS driver with a fixed table, counting lookups. */
function fakeDns(table: Record<string, DnsAddress[]>): DnsDriver & { lookups: string[] } {
  const lookups: string[] = [];
  return {
    lookups,
    lookup: async (host, opts) => {
      lookups.push(host);
      const found = table[host];
      if (found === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host });
      return opts.family === 0 ? found : found.filter((a) => a.family === opts.family);
    },
    lookupService: async (address, port) => ({ hostname: address, service: String(port) }),
  };
}

/** A loop on the Node backends with `dns` as its resolver; its stream driver logs where it connects. */
function loopWith(dns: DnsDriver): { loop: EventLoop; connects: string[] } {
  const backend = nodeBackend();
  const real = backend.selector.stream!;
  const connects: string[] = [];
  const logging: StreamDriver = {
    connect: (o) => {
      connects.push(o.path ?? `${o.host}${o.localAddress !== undefined ? ` from ${o.localAddress}:${o.localPort ?? 0}` : ''}`);
      return real.connect(o);
    },
    listen: (o, h) => real.listen(o, h),
    startTls: (s, o) => real.startTls(s, o),
    adopt: (s) => real.adopt(s),
  };
  const selector = Object.assign(backend.selector, { stream: logging });
  return { loop: new EventLoop({ clock: backend.clock, selector, os: { dns } }), connects };
}

async function inLoop<T>(loop: EventLoop, main: () => Promise<T>): Promise<T> {
  try {
    return await loop.runUntilComplete(main);
  } finally {
    await loop[Symbol.asyncDispose]();
  }
}

const twoFamilies: DnsAddress[] = [
  { address: '::1', family: 6 },
  { address: '127.0.0.1', family: 4 },
];

describe('createConnection by name', () => {
  test('resolves first, then tries the addresses in the resolver order until one connects', async () => {
    const dns = fakeDns({ 'multi.test': twoFamilies });
    const { loop, connects } = loopWith(dns);
    const peer = await inLoop(loop, async () => {
      const [server, port] = await localServer(loop, () => new Protocol());
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, 'multi.test', port);
      const peer = t.getExtraInfo<SocketAddress>('peername');
      t.close();
      await within(client.lost);
      await server[Symbol.asyncDispose]();
      return peer;
    });
    expect(dns.lookups).toEqual(['multi.test']);
    expect(connects).toEqual(['::1', '127.0.0.1']);
    expect(peer?.address).toBe('127.0.0.1');
  });

  test('when every address fails differently, one error names them all and keeps their common code', async () => {
    const { loop, connects } = loopWith(fakeDns({ 'multi.test': twoFamilies }));
    const err = await inLoop(loop, async () => {
      const [server, port] = await localServer(loop, () => new Protocol());
      await server[Symbol.asyncDispose]();
      return loop.createConnection(() => new Protocol(), 'multi.test', port).catch((e: unknown) => e);
    });
    expect(connects).toEqual(['::1', '127.0.0.1']);
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    expect((err as Error).message).toMatch(/^Multiple exceptions: .*::1.*, .*127\.0\.0\.1/);
    expect((err as { errors: unknown[] }).errors).toHaveLength(2);
  });

  test('family restricts the addresses tried', async () => {
    const { loop, connects } = loopWith(fakeDns({ 'multi.test': twoFamilies }));
    await inLoop(loop, async () => {
      const [server, port] = await localServer(loop, () => new Protocol());
      const [t] = await loop.createConnection(() => new Protocol(), 'multi.test', port, { family: 'IPv4' });
      t.close();
      await server[Symbol.asyncDispose]();
    });
    expect(connects).toEqual(['127.0.0.1']);
  });

  test('interleave alternates the families', async () => {
    const dns = fakeDns({
      'many.test': [
        { address: '::1', family: 6 },
        { address: '::ffff:127.0.0.1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ],
    });
    const { loop, connects } = loopWith(dns);
    await inLoop(loop, async () => {
      const [server, port] = await localServer(loop, () => new Protocol());
      await server[Symbol.asyncDispose]();
      await loop.createConnection(() => new Protocol(), 'many.test', port, { interleave: 1 }).catch(() => {});
    });
    expect(connects).toEqual(['::1', '127.0.0.1', '::ffff:127.0.0.1']);
  });

  test('a name that does not resolve rejects with the resolver error (ENOTFOUND)', async () => {
    const { loop, connects } = loopWith(fakeDns({}));
    const err = await inLoop(loop, () => loop.createConnection(() => new Protocol(), 'nowhere.test', 80).catch((e: unknown) => e));
    expect(err).toMatchObject({ code: 'ENOTFOUND', hostname: 'nowhere.test' });
    expect(connects).toEqual([]);
  });

  test('numeric hosts are not looked up', async () => {
    const dns = fakeDns({});
    const { loop } = loopWith(dns);
    await inLoop(loop, async () => {
      const [server, port] = await localServer(loop, () => new Protocol());
      const [t] = await loop.createConnection(() => new Protocol(), '127.0.0.1', port);
      t.close();
      await server[Symbol.asyncDispose]();
    });
    expect(dns.lookups).toEqual([]);
  });

  test('localAddr binds the connection to a local address of the same family', async () => {
    const { loop, connects } = loopWith(fakeDns({ 'multi.test': twoFamilies, 'me.test': [{ address: '127.0.0.1', family: 4 }] }));
    const sockname = await inLoop(loop, async () => {
      const [server, port] = await localServer(loop, () => new Protocol());
      const [t] = await loop.createConnection(() => new Protocol(), 'multi.test', port, { localAddr: ['me.test', 0] });
      const sockname = t.getExtraInfo<SocketAddress>('sockname');
      t.close();
      await server[Symbol.asyncDispose]();
      return sockname;
    });
    // ::1 is skipped: no local address of its family.
    expect(connects).toEqual(['127.0.0.1 from 127.0.0.1:0']);
    expect(sockname?.address).toBe('127.0.0.1');
  });
});
