import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { gather, openConnection } from '../../src/index.js';
import { startEchoServer } from '../../examples/echo-server.js';
import { LineClient, portOf, runExample, within, withLoop } from './support.js';

describe('examples/echo-server', () => {
  test('echoes each line back to the client that sent it, for several clients at once', async () => {
    const got = await withLoop(async () => {
      await using server = await startEchoServer('127.0.0.1', 0);
      const clients = await gather([0, 1, 2, 3, 4].map(() => LineClient.connect(portOf(server))));
      clients.forEach((c, i) => c.send(`hello from ${i}`));
      const lines = await gather(clients.map((c) => c.line()));
      await gather(clients.map((c) => c.close()));
      return lines;
    });
    expect(got).toEqual([0, 1, 2, 3, 4].map((i) => `hello from ${i}`));
  });

  test('echoes a megabyte intact and closes the connection after the client sends EOF', async () => {
    const { same, tail } = await withLoop(async () => {
      await using server = await startEchoServer('127.0.0.1', 0);
      const [reader, writer] = await within(openConnection('127.0.0.1', portOf(server)));
      const payload = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 0xff);
      writer.write(payload);
      writer.writeEof();
      const back = await within(reader.readexactly(payload.length));
      const tail = await within(reader.read());
      writer.close();
      await within(writer.waitClosed());
      return { same: Buffer.from(back).equals(Buffer.from(payload)), tail: tail.length };
    });
    expect(same).toBe(true);
    expect(tail).toBe(0);
  });

  test('run directly, it serves on the port given; SIGINT closes its connections and ends the process by SIGINT', async () => {
    const { child, port, exited } = await runExample('echo-server.ts');
    const socket = net.connect(port, '127.0.0.1');
    const echoed = await new Promise<string>((resolve) => {
      socket.once('data', (d) => resolve(String(d)));
      socket.write('ping\n');
    });
    const closed = new Promise<void>((resolve) => socket.once('end', () => resolve()));
    child.kill('SIGINT');
    await closed;
    socket.destroy();
    expect(echoed).toBe('ping\n');
    expect(await exited).toEqual({ code: null, signal: 'SIGINT' });
  });
});
