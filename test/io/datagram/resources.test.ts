import { expect, it } from 'vitest';
import { EventLoop } from '../../../src/index.js';
import type { SocketAddress } from '../../../src/loop/raw-stream.js';
import { Echo, Recorder } from './support.js';

const udpHandles = (): number => process.getActiveResourcesInfo().filter((r) => /udp/i.test(r)).length;

it('leaves no UDP handle behind once the endpoints are closed and the loop disposed', async () => {
  const before = udpHandles();
  const loop = new EventLoop();
  await loop.runUntilComplete(async () => {
    const [server] = await loop.createDatagramEndpoint(() => new Echo(), { localAddr: ['127.0.0.1', 0] });
    const client = new Recorder(loop);
    const [transport] = await loop.createDatagramEndpoint(() => client, { remoteAddr: server.getExtraInfo<SocketAddress>('sockname')! });
    transport.sendto('x');
    await client.received.get();
    expect(udpHandles()).toBe(before + 2);
    await transport[Symbol.asyncDispose]();
    await server[Symbol.asyncDispose]();
  });
  await loop[Symbol.asyncDispose]();
  expect(udpHandles()).toBe(before);
});
