import net from 'node:net';
import { expect, test } from 'vitest';
import { gather } from '../../../src/index.js';
import { Accepted, Recorder, localServer, within, withLoop } from '../net/support.js';

/** Connect with plain node:net, write `bytes`, then reset the connection (RST) at once. */
function writeThenReset(port: number, bytes: number): void {
  const s = net.connect(port, '127.0.0.1', () => {
    s.write(Buffer.alloc(bytes, 0x61));
    s.resetAndDestroy();
  });
  s.on('error', () => {}); // the client's own side of the reset is not under test
}

test('an echo server whose peers reset mid-write keeps serving; each connectionLost gets null or an error with a code, nothing escapes', async () => {
  const { losses, reports, served } = await withLoop(async (loop, reports) => {
    // Each server-side connection echoes what it gets, so it is writing when the reset arrives.
    const accepted = new Accepted(loop, (r) => {
      r.onData = (d, self) => self.transport!.write(d);
    });
    const [server, port] = await localServer(loop, accepted.factory);
    const peers = 20;
    for (let i = 0; i < peers; i++) writeThenReset(port, 256 * 1024);
    const losses = await within(gather(Array.from({ length: peers }, async (_, i) => (await within(accepted.nth(i))).lost)));
    // and a well-behaved client afterwards is still served
    const client = new Recorder(loop);
    const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
    t.write('still serving');
    await within(client.bytes(13));
    t.close();
    await within(client.lost);
    await server[Symbol.asyncDispose]();
    return { losses: losses as (Error | null)[], reports: [...reports], served: client.text };
  });
  for (const lost of losses) {
    if (lost !== null) {
      expect(lost).toBeInstanceOf(Error);
      expect(typeof (lost as { code?: unknown }).code).toBe('string');
    }
  }
  expect(losses).toHaveLength(20);
  expect(reports).toEqual([]);
  expect(served).toBe('still serving');
});
