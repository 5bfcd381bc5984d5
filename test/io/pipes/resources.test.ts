import { expect, it } from 'vitest';
import { EventLoop } from '../../../src/index.js';
import { node, PipeRecorder } from './support.js';

const ours = (): string[] => process.getActiveResourcesInfo().filter((r) => /pipe|fs/i.test(r));

it('leaves no pipe handle behind once the pipes are closed and the loop disposed', async () => {
  const before = ours().length;
  const loop = new EventLoop();
  await loop.runUntilComplete(async () => {
    const { child, exited } = node("process.stdin.pipe(process.stdout)");
    const reader = new PipeRecorder(loop);
    await loop.connectReadPipe(() => reader, child.stdout);
    const writer = new PipeRecorder(loop);
    const [transport] = await loop.connectWritePipe(() => writer, child.stdin);
    transport.write('round trip');
    await transport[Symbol.asyncDispose]();
    expect(await reader.lost).toBeNull();
    expect(reader.text).toBe('round trip');
    await exited;
  });
  await loop[Symbol.asyncDispose]();
  expect(ours().length).toBe(before);
});
