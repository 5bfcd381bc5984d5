import { describe, expect, test } from 'vitest';
import { openUnixConnection, simulate, startUnixServer } from '../../../src/index.js';
import { Accepted, Recorder } from './support.js';

describe('unix sockets in the simulated network', () => {
  test('startUnixServer and openUnixConnection echo; addresses are the path and "" as on Node', async () => {
    const got = await simulate(async () => {
      let serverNames: unknown[] = [];
      const server = await startUnixServer(async (r, w) => {
        serverNames = [w.getExtraInfo('sockname'), w.getExtraInfo('peername')];
        w.write(await r.readline());
        await w.drain();
        w.close();
      }, '/tmp/echo.sock');
      const [r, w] = await openUnixConnection('/tmp/echo.sock');
      w.write('over unix\n');
      const line = Buffer.from(await r.readline()).toString();
      const clientNames = [w.getExtraInfo('sockname'), w.getExtraInfo('peername')];
      w.close();
      await w.waitClosed();
      server.close();
      await server.waitClosed();
      return { line, clientNames, serverNames };
    });
    expect(got.line).toBe('over unix\n');
    expect(got.clientNames).toEqual(['', '/tmp/echo.sock']);
    expect(got.serverNames).toEqual(['/tmp/echo.sock', '']);
  });

  test('abort on a unix socket closes it: the peer sees EOF, not a reset (a unix socket has none)', async () => {
    const events = await simulate(async (world) => {
      const loop = world.loop;
      const accepted = new Accepted(loop);
      const server = await loop.createUnixServer(accepted.factory, '/tmp/a.sock');
      const [t] = await loop.createUnixConnection(() => new Recorder(loop), '/tmp/a.sock');
      const peer = await accepted.nth(0);
      await peer.made;
      t.abort();
      await peer.lost;
      server.close();
      return peer.events;
    });
    expect(events).toEqual(['made', 'eof', 'lost']);
  });
});
