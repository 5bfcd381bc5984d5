import { describe, expect, test } from 'vitest';
import { EventLoopError, Socket, type SocketAddress } from '../../../src/index.js';
import { withLoop } from './support.js';

describe('Socket', () => {
  test('defaults to an IPv4 stream socket; checks family and type', () => {
    const s = new Socket();
    expect([s.family, s.type]).toEqual(['IPv4', 'stream']);
    expect(new Socket({ family: 'IPv6', type: 'dgram' }).type).toBe('dgram');
    expect(() => new Socket({ family: 'inet' as never })).toThrow(TypeError);
    expect(() => new Socket({ type: 'raw' as never })).toThrow(TypeError);
  });

  test('an unbound socket names the unspecified address; it has no peer', () => {
    expect(new Socket().getsockname()).toEqual({ address: '0.0.0.0', port: 0, family: 'IPv4' });
    expect(new Socket({ family: 'IPv6' }).getsockname()).toEqual({ address: '::', port: 0, family: 'IPv6' });
    expect(new Socket({ family: 'unix' }).getsockname()).toBe('');
    expect(() => new Socket().getpeername()).toThrow(expect.objectContaining({ code: 'ENOTCONN' }));
  });

  test('bind resolves a name and records the address; listen takes the port (the real one for port 0)', async () => {
    await withLoop(async () => {
      const s = new Socket();
      await s.bind(['localhost', 0]);
      expect(s.getsockname()).toEqual({ address: '127.0.0.1', port: 0, family: 'IPv4' });
      await s.listen(10);
      await s.listen();
      const name = s.getsockname() as SocketAddress;
      expect(name.address).toBe('127.0.0.1');
      expect(name.port).toBeGreaterThan(0);
      await expect(s.bind(['127.0.0.1', 0])).rejects.toMatchObject({ code: 'EINVAL' });
      // a second socket on the same port: EADDRINUSE rejects listen
      const t = new Socket();
      await t.bind({ address: '127.0.0.1', port: name.port });
      await expect(t.listen()).rejects.toMatchObject({ code: 'EADDRINUSE' });
      t.close();
      s.close();
      s.close();
      await expect(s.bind(['127.0.0.1', 0])).rejects.toMatchObject({ code: 'EBADF' });
      await expect(s.listen()).rejects.toMatchObject({ code: 'EBADF' });
    });
  });

  test('listen with no bind: every interface and a free port; a datagram socket cannot listen', async () => {
    await withLoop(async () => {
      const s = new Socket({ family: 'IPv6' });
      await s.listen();
      expect(s.getsockname()).toMatchObject({ address: '::', family: 'IPv6' });
      expect((s.getsockname() as SocketAddress).port).toBeGreaterThan(0);
      s.close();
      await expect(new Socket({ type: 'dgram' }).listen()).rejects.toMatchObject({ code: 'EOPNOTSUPP' });
      await expect(new Socket({ family: 'unix' }).listen()).rejects.toMatchObject({ code: 'EINVAL' });
    });
  });

  test('bad arguments throw at the call', () => {
    expect(() => new Socket().bind('127.0.0.1' as never)).toThrow(TypeError);
    expect(() => new Socket().bind(['127.0.0.1', 99999])).toThrow(RangeError);
    expect(() => new Socket({ family: 'unix' }).bind(['x', 1] as never)).toThrow(TypeError);
    expect(() => new Socket().listen(-1)).toThrow(TypeError);
  });

  test('outside a running loop there is no backend to bind with', () => {
    expect(() => new Socket().bind(['127.0.0.1', 0])).toThrow(EventLoopError);
  });
});
