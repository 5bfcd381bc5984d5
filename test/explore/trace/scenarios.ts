import { createSimWorld, createTask, Event, openConnection, Queue, sleep, startServer, type SimWorld, type SimWorldOptions, type TraceEvent } from '../../../src/index.js';

/**
 * A consumer awaiting a Queue.get() then an Event.wait(), a producer on
 * timers, and an echo over the simulated network with some latency: tasks,
 * timers, clock jumps and network events in one trace.
 */
export async function queueTimerAndEcho(world: SimWorld): Promise<void> {
  world.network.setDefaults({ latency: 3 });
  const queue = new Queue<number>();
  const ready = new Event();
  const consumer = createTask(
    async () => {
      const v = await queue.get();
      await ready.wait();
      return v;
    },
    { name: 'consumer' },
  );
  const producer = createTask(
    async () => {
      await sleep(10);
      queue.putNowait(1);
      await sleep(5);
      ready.set();
    },
    { name: 'producer' },
  );
  await Promise.all([consumer, producer]);
  const server = await startServer(
    async (reader, writer) => {
      writer.write(await reader.read(100));
      await writer.drain();
      writer.close();
    },
    '127.0.0.1',
    8080,
  );
  const [reader, writer] = await openConnection('127.0.0.1', 8080);
  writer.write(new TextEncoder().encode('hello'));
  await reader.read(100);
  writer.close();
  server.close();
  await server.waitClosed();
}

/** The trace of one run of `scenario` (the world's whole trace). */
export async function traceOf(scenario: (world: SimWorld) => Promise<void>, opts: SimWorldOptions = {}): Promise<TraceEvent[]> {
  const world = createSimWorld({ seed: 1, traceLimit: Infinity, ...opts });
  try {
    await world.run(scenario);
  } finally {
    await world[Symbol.asyncDispose]();
  }
  return world.trace();
}
