import { describe, expect, test } from 'vitest';
import {
  AI_NUMERICHOST,
  AI_PASSIVE,
  AI_V4MAPPED,
  EventLoop,
  NI_NAMEREQD,
  NI_NOFQDN,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  nodeBackend,
  type DnsDriver,
} from '../../../src/index.js';
import { withLoop } from './support.js';

describe('getaddrinfo', () => {
  test("without type: a 'stream' (proto 6) and a 'dgram' (proto 17) entry per address, canonname ''", async () => {
    const infos = await withLoop((loop) => loop.getaddrinfo('localhost', 80));
    expect(infos.length).toBeGreaterThanOrEqual(2);
    expect(infos.length % 2).toBe(0);
    for (let i = 0; i < infos.length; i += 2) {
      const [s, d] = [infos[i]!, infos[i + 1]!];
      expect(s).toMatchObject({ type: 'stream', proto: 6, canonname: '' });
      expect(d).toMatchObject({ type: 'dgram', proto: 17, canonname: '' });
      expect(d.address).toEqual(s.address);
      expect(s.address.port).toBe(80);
      expect(s.address.family).toBe(s.family);
    }
    expect(infos.map((i) => i.address.address)).toContain('127.0.0.1');
  });

  test('a numeric address needs no lookup; type and proto pick the entries; a port may be digits', async () => {
    await withLoop(async (loop) => {
      expect(await loop.getaddrinfo('127.0.0.1', 8080, { type: 'stream' })).toEqual([
        { family: 'IPv4', type: 'stream', proto: 6, canonname: '', address: { address: '127.0.0.1', port: 8080, family: 'IPv4' } },
      ]);
      expect(await loop.getaddrinfo('::1', '443', { proto: 17 })).toEqual([
        { family: 'IPv6', type: 'dgram', proto: 17, canonname: '', address: { address: '::1', port: 443, family: 'IPv6' } },
      ]);
      expect((await loop.getaddrinfo('127.0.0.1', null)).map((i) => i.address.port)).toEqual([0, 0]);
    });
  });

  test('family filters, and 4 and 6 stand for IPv4 and IPv6', async () => {
    await withLoop(async (loop) => {
      const v4 = await loop.getaddrinfo('localhost', 1, { family: 4, type: 'stream' });
      expect(v4.every((i) => i.family === 'IPv4')).toBe(true);
      expect(await loop.getaddrinfo('127.0.0.1', 1, { family: 'IPv4', type: 'stream' })).toHaveLength(1);
      await expect(loop.getaddrinfo('127.0.0.1', 1, { family: 6 })).rejects.toMatchObject({ code: 'EAI_ADDRFAMILY' });
      const mapped = await loop.getaddrinfo('127.0.0.1', 1, { family: 6, type: 'stream', flags: AI_V4MAPPED });
      expect(mapped[0]!.address).toEqual({ address: '::ffff:127.0.0.1', port: 1, family: 'IPv6' });
    });
  });

  test('host null: loopback addresses, or the wildcards with AI_PASSIVE', async () => {
    await withLoop(async (loop) => {
      const plain = await loop.getaddrinfo(null, 5, { type: 'stream' });
      expect(plain.map((i) => i.address.address)).toEqual(['::1', '127.0.0.1']);
      const passive = await loop.getaddrinfo(null, 5, { type: 'stream', flags: AI_PASSIVE });
      expect(passive.map((i) => i.address.address)).toEqual(['0.0.0.0', '::']);
    });
  });

  test('AI_NUMERICHOST refuses names; unknown names reject with the resolver code', async () => {
    await withLoop(async (loop) => {
      await expect(loop.getaddrinfo('localhost', 1, { flags: AI_NUMERICHOST })).rejects.toMatchObject({ code: 'EAI_NONAME' });
      const err = await loop.getaddrinfo('no-such-host.invalid', 1).catch((e: unknown) => e);
      expect(['ENOTFOUND', 'EAI_AGAIN']).toContain((err as { code?: string }).code);
    });
  });
});

describe('getnameinfo', () => {
  test('reverse lookup of host and service, or numeric with NI_NUMERICHOST / NI_NUMERICSERV', async () => {
    await withLoop(async (loop) => {
      expect(await loop.getnameinfo(['127.0.0.1', 80])).toEqual(['localhost', 'http']);
      expect(await loop.getnameinfo({ address: '127.0.0.1', port: 80 }, NI_NUMERICSERV)).toEqual(['localhost', '80']);
      expect(await loop.getnameinfo(['127.0.0.1', 80], NI_NUMERICHOST)).toEqual(['127.0.0.1', 'http']);
      expect(await loop.getnameinfo(['127.0.0.1', 80], NI_NUMERICHOST | NI_NUMERICSERV)).toEqual(['127.0.0.1', '80']);
      expect(await loop.getnameinfo(['localhost', 22], NI_NUMERICHOST)).toEqual(['127.0.0.1', 'ssh']);
    });
  });

  test('an address without a name gives its numeric form, or EAI_NONAME with NI_NAMEREQD; NI_NOFQDN keeps the first label', async () => {
    const dns: DnsDriver = {
      lookup: async () => [],
      lookupService: async (address, port) =>
        address === '192.0.2.1' ? { hostname: address, service: String(port) } : { hostname: 'host.example.org', service: 'http' },
    };
    const backend = nodeBackend();
    const loop = new EventLoop({ ...backend, os: { dns } });
    await loop.runUntilComplete(async () => {
      expect(await loop.getnameinfo(['192.0.2.1', 9999])).toEqual(['192.0.2.1', '9999']);
      await expect(loop.getnameinfo(['192.0.2.1', 9999], NI_NAMEREQD)).rejects.toMatchObject({ code: 'EAI_NONAME' });
      expect(await loop.getnameinfo(['198.51.100.7', 80], NI_NOFQDN)).toEqual(['host', 'http']);
    });
    await loop[Symbol.asyncDispose]();
  });
});
