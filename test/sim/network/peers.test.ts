import { describe, expect, test } from 'vitest';
import { openConnection, script, ScriptMismatchError, simulate, SimulationError, sleep, startServer, type SocketAddress } from '../../../src/index.js';
import { codeOf } from './support.js';

describe('peers: network.listen and network.connect', () => {
  test('listen with a stream handler: the peer serves each connection on its own host', async () => {
    const got = await simulate(async (world) => {
      const seen: unknown[] = [];
      world.network.listen('10.0.0.1', 6379, async (r, w) => {
        seen.push(w.getExtraInfo('sockname'));
        const line = Buffer.from(await r.readline()).toString();
        w.write(`+${line.trim().toUpperCase()}\r\n`);
        await w.drain();
        w.close();
      });
      const answers: string[] = [];
      for (const cmd of ['ping', 'info']) {
        const [r, w] = await openConnection('10.0.0.1', 6379);
        w.write(`${cmd}\r\n`);
        answers.push(Buffer.from(await r.readline()).toString());
        w.close();
      }
      return { answers, seen };
    });
    expect(got.answers).toEqual(['+PING\r\n', '+INFO\r\n']);
    expect(got.seen).toEqual([
      { address: '10.0.0.1', port: 6379, family: 'IPv4' },
      { address: '10.0.0.1', port: 6379, family: 'IPv4' },
    ]);
  });

  test('a peer handler still waiting when main returns is not a leaked task', async () => {
    const result = await simulate(async (world) => {
      world.network.listen('10.0.0.1', 80, async (r) => {
        await r.read();
      });
      const [, w] = await openConnection('10.0.0.1', 80);
      w.write('x');
      await sleep(1);
      return 'done';
    });
    expect(result).toBe('done');
  });

  test('a peer handler that throws (not a broken connection) fails the run, as an unhandled error', async () => {
    const err = await simulate(async (world) => {
      world.network.listen('10.0.0.1', 80, async () => {
        throw new Error('peer bug');
      });
      const [r, w] = await openConnection('10.0.0.1', 80);
      await r.read();
      w.close();
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimulationError);
    expect((err as Error).message).toContain('peer bug');
  });

  test('listen with a Script: the peer expects what the code sends and answers', async () => {
    const got = await simulate(async (world) => {
      world.network.listen('10.0.0.2', 21, script().send('220 ready\r\n').expect('USER me\r\n').send('331 ok\r\n').close());
      const [r, w] = await openConnection('10.0.0.2', 21);
      const greeting = Buffer.from(await r.readline()).toString();
      w.write('USER me\r\n');
      const reply = Buffer.from(await r.readline()).toString();
      const rest = await r.read();
      w.close();
      return { greeting, reply, eof: rest.length === 0 };
    });
    expect(got).toEqual({ greeting: '220 ready\r\n', reply: '331 ok\r\n', eof: true });
  });

  test('listen with a list of Scripts: each connection gets the next; one past the last is refused', async () => {
    const got = await simulate(async (world) => {
      world.network.listen('10.0.0.3', 80, [script().send('first'), script().send('second')]);
      const out: string[] = [];
      for (let i = 0; i < 3; i++) {
        try {
          const [r, w] = await openConnection('10.0.0.3', 80);
          out.push(Buffer.from(await r.readexactly(i === 0 ? 5 : 6)).toString());
          w.close();
        } catch (e) {
          out.push(codeOf(e));
        }
      }
      return out;
    });
    expect(got).toEqual(['first', 'second', 'ECONNREFUSED']);
  });

  test('a scripted listener that no connection reached fails the run with a ScriptMismatchError naming it', async () => {
    const err = await simulate(async (world) => {
      world.network.listen('10.0.0.4', 443, script().expect('hello'));
      await sleep(10);
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScriptMismatchError);
    expect((err as Error).message).toContain('network.listen(10.0.0.4:443)');
  });

  test('network.connect: a scripted client talks to the code under test and resolves when its script is done', async () => {
    const got = await simulate(async (world) => {
      const heard: string[] = [];
      const peers: unknown[] = [];
      const server = await startServer(async (r, w) => {
        peers.push(w.getExtraInfo('peername'));
        const line = Buffer.from(await r.readline()).toString();
        heard.push(line);
        w.write(`echo ${line}`);
        await w.drain();
        w.close();
      }, '127.0.0.1', 8080);
      await world.network.connect('127.0.0.1', 8080, script().send('hi\n').expect('echo hi\n').expectEof());
      const doneAt = world.loop.time();
      await world.network.connect('localhost', 8080, script().send('again\n').expect('echo again\n'), { localAddr: '192.168.1.9' });
      server.close();
      await server.waitClosed();
      return { heard, peers, doneAt };
    });
    expect(got.heard).toEqual(['hi\n', 'again\n']);
    expect((got.peers[0] as SocketAddress).address).toBe('10.0.0.2');
    expect((got.peers[1] as SocketAddress).address).toBe('192.168.1.9');
  });

  test('network.connect to a port nobody listens on rejects with ECONNREFUSED, as a real client', async () => {
    const code = await simulate(async (world) => {
      return world.network.connect('127.0.0.1', 9, script().send('x')).then(
        () => 'connected',
        (e: unknown) => codeOf(e),
      );
    });
    expect(code).toBe('ECONNREFUSED');
  });

  test('network.listen checks its arguments and reports a taken port with EADDRINUSE', async () => {
    await simulate(async (world) => {
      const net = world.network;
      expect(() => net.listen('nohost', 1, async () => {})).toThrow(TypeError);
      expect(() => net.listen('0.0.0.0', 1, async () => {})).toThrow(RangeError);
      expect(() => net.listen('10.0.0.1', 70000, async () => {})).toThrow(RangeError);
      expect(() => net.listen('10.0.0.1', 1, 'peer' as never)).toThrow(TypeError);
      expect(() => net.listen('10.0.0.1', 1, ['x'] as never)).toThrow(/peer\[0\]/);
      const l = net.listen('10.0.0.1', 1, async () => {});
      expect(() => net.listen('10.0.0.1', 1, async () => {})).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
      await l.close();
      net.listen('10.0.0.1', 1, async () => {});
    });
  });
});
