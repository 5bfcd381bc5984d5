import { describe, expect, it } from 'vitest';
import { AI_ALL, AI_V4MAPPED, NI_NAMEREQD, NI_NUMERICHOST, simulate, type SimWorld } from '../../../src/index.js';
import { rejection } from '../support.js';

/** The addresses getaddrinfo gives for `host` (stream entries only, so each address appears once). */
async function addresses(world: SimWorld, host: string, family?: 0 | 4 | 6 | 'IPv4' | 'IPv6', flags?: number): Promise<string[]> {
  const infos = await world.loop.getaddrinfo(host, 80, { type: 'stream', family, flags });
  return infos.map((i) => i.address.address);
}

describe('SimDns through loop.getaddrinfo', () => {
  it('resolves an added name to its addresses, in order, as a stream and a dgram entry each, at once by default', async () => {
    const { infos, time } = await simulate(async (world) => {
      world.dns.add('db.internal', ['10.0.0.5', 'fd00::5']);
      const infos = await world.loop.getaddrinfo('db.internal', 5432);
      return { infos, time: world.loop.time() };
    });
    expect(time).toBe(0);
    expect(infos).toEqual([
      { family: 'IPv4', type: 'stream', proto: 6, canonname: '', address: { address: '10.0.0.5', port: 5432, family: 'IPv4' } },
      { family: 'IPv4', type: 'dgram', proto: 17, canonname: '', address: { address: '10.0.0.5', port: 5432, family: 'IPv4' } },
      { family: 'IPv6', type: 'stream', proto: 6, canonname: '', address: { address: 'fd00::5', port: 5432, family: 'IPv6' } },
      { family: 'IPv6', type: 'dgram', proto: 17, canonname: '', address: { address: 'fd00::5', port: 5432, family: 'IPv6' } },
    ]);
  });

  it('add appends to the addresses a name has, keeping a repeated one once', async () => {
    const got = await simulate(async (world) => {
      world.dns.add('api', '10.0.0.1');
      world.dns.add('api', ['10.0.0.2', '10.0.0.1']);
      return addresses(world, 'api');
    });
    expect(got).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('filters by family: 4 and IPv4 give the IPv4 addresses, 6 and IPv6 the IPv6 ones, 0 both', async () => {
    const got = await simulate(async (world) => {
      world.dns.add('dual', ['10.0.0.1', '2001:db8::1', '10.0.0.2']);
      return {
        four: await addresses(world, 'dual', 4),
        ipv4: await addresses(world, 'dual', 'IPv4'),
        six: await addresses(world, 'dual', 6),
        ipv6: await addresses(world, 'dual', 'IPv6'),
        both: await addresses(world, 'dual', 0),
      };
    });
    expect(got.four).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(got.ipv4).toEqual(got.four);
    expect(got.six).toEqual(['2001:db8::1']);
    expect(got.ipv6).toEqual(got.six);
    expect(got.both).toEqual(['10.0.0.1', '2001:db8::1', '10.0.0.2']);
  });

  it('a family the name has no address of is ENOTFOUND; AI_V4MAPPED gives IPv4-mapped addresses instead, AI_ALL both', async () => {
    const got = await simulate(async (world) => {
      world.dns.add('v4only', '10.0.0.7');
      world.dns.add('dual', ['10.0.0.8', 'fd00::8']);
      return {
        err: await rejection(addresses(world, 'v4only', 6)),
        mapped: await addresses(world, 'v4only', 6, AI_V4MAPPED),
        notNeeded: await addresses(world, 'dual', 6, AI_V4MAPPED),
        all: await addresses(world, 'dual', 6, AI_V4MAPPED | AI_ALL),
      };
    });
    expect((got.err as NodeJS.ErrnoException).code).toBe('ENOTFOUND');
    expect(got.mapped).toEqual(['::ffff:10.0.0.7']);
    expect(got.notNeeded).toEqual(['fd00::8']);
    expect(got.all).toEqual(['fd00::8', '::ffff:10.0.0.8']);
  });

  it("an unknown name rejects with Node's ENOTFOUND error: code, errno, syscall, hostname and message", async () => {
    const err = (await simulate(async (world) => rejection(world.loop.getaddrinfo('nowhere.example', 80)))) as NodeJS.ErrnoException & { hostname: string };
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe('getaddrinfo ENOTFOUND nowhere.example');
    expect(err.code).toBe('ENOTFOUND');
    expect(err.errno).toBe(-3008);
    expect(err.syscall).toBe('getaddrinfo');
    expect(err.hostname).toBe('nowhere.example');
  });

  it('remove forgets a name: later lookups are ENOTFOUND', async () => {
    const got = await simulate(async (world) => {
      world.dns.add('gone', '10.0.0.9');
      const before = await addresses(world, 'gone');
      const removed = world.dns.remove('gone');
      const again = world.dns.remove('gone');
      const err = (await rejection(addresses(world, 'gone'))) as NodeJS.ErrnoException;
      return { before, removed, again, code: err.code };
    });
    expect(got).toEqual({ before: ['10.0.0.9'], removed: true, again: false, code: 'ENOTFOUND' });
  });

  it('fail makes lookups reject with EAI_AGAIN at once by default', async () => {
    const got = await simulate(async (world) => {
      world.dns.add('flaky', '10.0.0.3');
      world.dns.fail('flaky');
      const err = (await rejection(world.loop.getaddrinfo('flaky', 80))) as NodeJS.ErrnoException;
      return { code: err.code, errno: err.errno, message: err.message, time: world.loop.time() };
    });
    expect(got).toEqual({ code: 'EAI_AGAIN', errno: -3001, message: 'getaddrinfo EAI_AGAIN flaky', time: 0 });
  });

  it('fail with a code and afterMs rejects with that code that much virtual time after the lookup, whatever the latency', async () => {
    const got = await simulate(async (world) => {
      world.dns.setLatency(50);
      world.dns.fail('slow.example', { code: 'ETIMEOUT', afterMs: 5000 });
      await world.loop.getaddrinfo('localhost', 80);
      const start = world.loop.time();
      const err = (await rejection(world.loop.getaddrinfo('slow.example', 80))) as NodeJS.ErrnoException;
      return { code: err.code, start, end: world.loop.time() };
    });
    expect(got).toEqual({ code: 'ETIMEOUT', start: 50, end: 5050 });
  });

  it('add after fail ends the failure', async () => {
    const got = await simulate(async (world) => {
      world.dns.fail('recovering');
      const err = (await rejection(addresses(world, 'recovering'))) as NodeJS.ErrnoException;
      world.dns.add('recovering', '10.0.0.4');
      return { code: err.code, after: await addresses(world, 'recovering') };
    });
    expect(got).toEqual({ code: 'EAI_AGAIN', after: ['10.0.0.4'] });
  });

  it('setLatency delays answers and ENOTFOUND by that much virtual time', async () => {
    const got = await simulate(async (world) => {
      world.dns.setLatency(30);
      world.dns.add('far', '10.1.1.1');
      const found = await addresses(world, 'far');
      const t1 = world.loop.time();
      await rejection(addresses(world, 'unknown'));
      return { found, t1, t2: world.loop.time() };
    });
    expect(got).toEqual({ found: ['10.1.1.1'], t1: 30, t2: 60 });
  });

  it("resolves 'localhost' to 127.0.0.1 then ::1 (one per family) without being added", async () => {
    const got = await simulate(async (world) => ({
      both: await addresses(world, 'localhost'),
      four: await addresses(world, 'localhost', 4),
      six: await addresses(world, 'localhost', 6),
    }));
    expect(got).toEqual({ both: ['127.0.0.1', '::1'], four: ['127.0.0.1'], six: ['::1'] });
  });

  it('names are case-insensitive and a trailing dot is the same name', async () => {
    const got = await simulate(async (world) => {
      world.dns.add('Example.COM', '93.184.216.34');
      return [await addresses(world, 'example.com'), await addresses(world, 'EXAMPLE.com.')];
    });
    expect(got).toEqual([['93.184.216.34'], ['93.184.216.34']]);
  });

  it('numeric hosts never reach the resolver: they resolve even where the name table is empty', async () => {
    const got = await simulate(async (world) => {
      world.dns.remove('localhost');
      return addresses(world, '192.0.2.1');
    });
    expect(got).toEqual(['192.0.2.1']);
  });

  it('traces each answer (kind dns), and the same program gives the same trace', async () => {
    const program = async (world: SimWorld): Promise<void> => {
      world.dns.setLatency(5);
      world.dns.add('a.example', '10.0.0.1');
      await world.loop.getaddrinfo('a.example', 80);
      await rejection(world.loop.getaddrinfo('b.example', 80));
    };
    const run = async (): Promise<{ time: number; detail?: string }[]> => {
      let trace: { time: number; kind: string; detail?: string }[] = [];
      await simulate(async (world) => {
        await program(world);
        trace = world.trace();
      });
      return trace.filter((e) => e.kind === 'dns').map(({ time, detail }) => ({ time, detail }));
    };
    const first = await run();
    expect(first).toEqual([
      { time: 5, detail: 'lookup a.example -> 10.0.0.1' },
      { time: 10, detail: 'lookup b.example failed ENOTFOUND' },
    ]);
    expect(await run()).toEqual(first);
  });
});

describe('SimDns through loop.getnameinfo', () => {
  it('gives the name an address was added under, and the service of a well-known port', async () => {
    const got = await simulate(async (world) => {
      world.dns.add('web.internal', '10.0.0.80');
      return world.loop.getnameinfo(['10.0.0.80', 80]);
    });
    expect(got).toEqual(['web.internal', 'http']);
  });

  it('gives the numeric address for an address without a name, and the digits of a port without a service', async () => {
    const got = await simulate(async (world) => world.loop.getnameinfo({ address: '10.9.9.9', port: 8080 }));
    expect(got).toEqual(['10.9.9.9', '8080']);
  });

  it("gives 'localhost' for the loopback addresses", async () => {
    const got = await simulate(async (world) => [await world.loop.getnameinfo(['127.0.0.1', 22]), await world.loop.getnameinfo(['::1', 443])]);
    expect(got).toEqual([
      ['localhost', 'ssh'],
      ['localhost', 'https'],
    ]);
  });

  it('with NI_NAMEREQD an address without a name is EAI_NONAME; NI_NUMERICHOST keeps the address', async () => {
    const got = await simulate(async (world) => {
      world.dns.add('named', '10.0.0.1');
      const err = (await rejection(world.loop.getnameinfo(['10.0.0.2', 80], NI_NAMEREQD))) as NodeJS.ErrnoException;
      return { code: err.code, numeric: await world.loop.getnameinfo(['10.0.0.1', 80], NI_NUMERICHOST) };
    });
    expect(got).toEqual({ code: 'EAI_NONAME', numeric: ['10.0.0.1', 'http'] });
  });

  it('answers after the latency, in virtual time', async () => {
    const time = await simulate(async (world) => {
      world.dns.setLatency(12);
      await world.loop.getnameinfo(['10.0.0.1', 80]);
      return world.loop.time();
    });
    expect(time).toBe(12);
  });
});

describe('SimDns arguments', () => {
  it('add: a numeric name or a non-IP address is a RangeError; no addresses, or a non-string, a TypeError', async () => {
    await simulate(async (world) => {
      expect(() => world.dns.add('10.0.0.1', '10.0.0.2')).toThrow(RangeError);
      expect(() => world.dns.add('x', 'not-an-ip')).toThrow(/not a numeric IPv4 or IPv6 address/);
      expect(() => world.dns.add('x', [])).toThrow(TypeError);
      expect(() => world.dns.add('x', [1 as never])).toThrow(TypeError);
      expect(() => world.dns.add('', '10.0.0.1')).toThrow(/dns.add: name must be a non-empty string/);
    });
  });

  it('fail and setLatency: a non-number is a TypeError, a negative or infinite ms a RangeError, an empty code a TypeError', async () => {
    await simulate(async (world) => {
      expect(() => world.dns.setLatency(Number.NaN)).toThrow(TypeError);
      expect(() => world.dns.setLatency(-1)).toThrow(RangeError);
      expect(() => world.dns.fail('x', { afterMs: Infinity })).toThrow(RangeError);
      expect(() => world.dns.fail('x', { afterMs: '5' as never })).toThrow(/dns.fail: afterMs must be a number/);
      expect(() => world.dns.fail('x', { code: '' })).toThrow(TypeError);
    });
  });
});
