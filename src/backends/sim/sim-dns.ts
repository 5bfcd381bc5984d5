import { isIP } from 'node:net';
import type { DnsAddress, DnsDriver, DnsLookupOptions } from '../../loop/dns-driver.js';
import { describeValue } from '../../sync/describe-value.js';
import { checkMs } from './os/check-ms.js';
import { dnsError } from './os/dns-error.js';
import type { SimContext, SimIo, SimOs, SimPart } from './sim-context.js';

/** `SimDns.fail`'s options. */
export interface DnsFailOptions {
  /** The `code` lookups reject with (default `'EAI_AGAIN'`, a resolver that does not answer). */
  code?: string;
  /** Virtual ms after the lookup at which it rejects (default 0); `setLatency` does not add to it. */
  afterMs?: number;
}

/** The service names getnameinfo gives for a few well-known ports (as /etc/services); other ports give their digits. */
const SERVICES: ReadonlyMap<number, string> = new Map([
  [21, 'ftp'],
  [22, 'ssh'],
  [23, 'telnet'],
  [25, 'smtp'],
  [53, 'domain'],
  [80, 'http'],
  [110, 'pop3'],
  [143, 'imap2'],
  [443, 'https'],
  [993, 'imaps'],
  [995, 'pop3s'],
]);

/** Names are case-insensitive, and `example.com.` is `example.com`. */
function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.length > 1 && lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

function checkName(name: unknown, where: string): string {
  if (typeof name !== 'string' || name === '') throw new TypeError(`${where}: name must be a non-empty string, got ${describeValue(name)}`);
  if (isIP(name) !== 0) throw new RangeError(`${where}: name must be a host name, got the numeric address ${name} (numeric addresses are never looked up)`);
  return normalizeName(name);
}

/**
 * The world's name resolution (the loop's `getaddrinfo`, `getnameinfo`,
 * and connecting by name), in virtual time: a table of names, each with its
 * addresses in the order lookups return them, or a failure. It starts with
 * `localhost` as `127.0.0.1` then `::1` (so a family-0 lookup gives the IPv4
 * loopback first, where `SimNetwork` puts `localhost`); every other name is
 * unknown (`ENOTFOUND`) until `add`ed. Answers come after `setLatency`'s ms
 * (default 0), from loop timers, so time jumps to them as to any event.
 * Lookups are traced (kind `'dns'`).
 */
export class SimDns implements SimPart, DnsDriver {
  /** @internal */ readonly _ctx: SimContext;
  private readonly _names = new Map<string, DnsAddress[]>();
  private readonly _failures = new Map<string, { code: string; afterMs: number }>();
  private _latency = 0;

  constructor(ctx: SimContext) {
    this._ctx = ctx;
    this._names.set('localhost', [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
  }

  /**
   * Give `name` the address or addresses (numeric IPv4 or IPv6), after those
   * it already has (a repeated address is kept once). Ends a `fail` of the name.
   */
  add(name: string, addresses: string | readonly string[]): void {
    const n = checkName(name, 'dns.add');
    const list = typeof addresses === 'string' ? [addresses] : addresses;
    if (!Array.isArray(list) || list.length === 0) {
      throw new TypeError(`dns.add: addresses must be an IP address or a non-empty array of them, got ${describeValue(addresses)}`);
    }
    const parsed: DnsAddress[] = list.map((a: unknown) => {
      if (typeof a !== 'string') throw new TypeError(`dns.add: each address must be a string, got ${describeValue(a)}`);
      const family = isIP(a);
      if (family === 0) throw new RangeError(`dns.add: ${JSON.stringify(a)} is not a numeric IPv4 or IPv6 address`);
      return { address: a.toLowerCase(), family: family as 4 | 6 };
    });
    const known = this._names.get(n) ?? [];
    for (const a of parsed) if (!known.some((k) => k.address === a.address)) known.push(a);
    this._names.set(n, known);
    this._failures.delete(n);
  }

  /** Forget `name`: its addresses and any failure (later lookups: `ENOTFOUND`). True if it was known. */
  remove(name: string): boolean {
    const n = checkName(name, 'dns.remove');
    const had = this._names.delete(n);
    return this._failures.delete(n) || had;
  }

  /**
   * From now on, lookups of `name` reject with an error of `code` (default
   * `'EAI_AGAIN'`), `afterMs` virtual ms after they were made (default 0:
   * at once, whatever the latency), until `add` or `remove` of the name.
   */
  fail(name: string, opts: DnsFailOptions = {}): void {
    const n = checkName(name, 'dns.fail');
    if (opts === null || typeof opts !== 'object') throw new TypeError(`dns.fail: opts must be an object, got ${describeValue(opts)}`);
    const code = opts.code ?? 'EAI_AGAIN';
    if (typeof code !== 'string' || code === '') throw new TypeError(`dns.fail: code must be a non-empty string such as 'EAI_AGAIN' or 'ENOTFOUND', got ${describeValue(code)}`);
    const afterMs = checkMs(opts.afterMs ?? 0, 'dns.fail: afterMs');
    this._failures.set(n, { code, afterMs });
  }

  /** Answers (and `ENOTFOUND`) come `ms` virtual ms after the lookup (default 0). */
  setLatency(ms: number): void {
    this._latency = checkMs(ms, 'dns.setLatency: ms');
  }

  /** @internal DnsDriver: the name's addresses of the asked family, after the latency. */
  lookup(host: string, options: DnsLookupOptions): Promise<DnsAddress[]> {
    const name = normalizeName(host);
    const failure = this._failures.get(name);
    if (failure !== undefined) {
      return this._answer(failure.afterMs, () => {
        this._ctx.trace('dns', `lookup ${host} failed ${failure.code}`);
        throw dnsError(failure.code, 'getaddrinfo', host);
      });
    }
    return this._answer(this._latency, () => {
      const found = pick(this._names.get(name) ?? [], options);
      if (found.length === 0) {
        this._ctx.trace('dns', `lookup ${host} failed ENOTFOUND`);
        throw dnsError('ENOTFOUND', 'getaddrinfo', host);
      }
      this._ctx.trace('dns', `lookup ${host} -> ${found.map((a) => a.address).join(', ')}`);
      return found;
    });
  }

  /** @internal DnsDriver: the first name `add`ed with `address` (else the address itself), and the port's service. */
  lookupService(address: string, port: number): Promise<{ hostname: string; service: string }> {
    return this._answer(this._latency, () => {
      const wanted = address.toLowerCase();
      let hostname = address;
      for (const [name, addresses] of this._names) {
        if (addresses.some((a) => a.address === wanted)) {
          hostname = name;
          break;
        }
      }
      this._ctx.trace('dns', `reverse ${address} -> ${hostname}`);
      return { hostname, service: SERVICES.get(port) ?? String(port) };
    });
  }

  /** Settle with `answer()` (its value, or what it throws) from a loop timer `delayMs` from now. */
  private _answer<T>(delayMs: number, answer: () => T): Promise<T> {
    const loop = this._ctx.loop;
    return new Promise<T>((resolve, reject) => {
      loop._timerInternal(loop.time() + delayMs, () => {
        try {
          resolve(answer());
        } catch (err) {
          reject(err);
        }
      }, []);
    });
  }

  /** @internal */
  _install(_io: SimIo, os: SimOs): void {
    os.dns = this;
  }
}

/** getaddrinfo's family filter, with AI_V4MAPPED and AI_ALL for family 6 (AI_ADDRCONFIG: the simulated machine has both families). */
function pick(addresses: readonly DnsAddress[], options: DnsLookupOptions): DnsAddress[] {
  const v4 = addresses.filter((a) => a.family === 4);
  const v6 = addresses.filter((a) => a.family === 6);
  switch (options.family) {
    case 4:
      return v4.map((a) => ({ ...a }));
    case 6: {
      const mapped = (): DnsAddress[] => v4.map((a) => ({ address: `::ffff:${a.address}`, family: 6 }));
      if (options.v4mapped === true && (options.all === true || v6.length === 0)) return [...v6.map((a) => ({ ...a })), ...mapped()];
      return v6.map((a) => ({ ...a }));
    }
    default:
      return addresses.map((a) => ({ ...a }));
  }
}
