import { AsyncLocalStorage } from 'node:async_hooks';
import net from 'node:net';
import { describe, expect, test } from 'vitest';
import type { EventLoop } from '../../../src/index.js';
import { Recorder, within, withLoop } from './support.js';

/** A raw node:net server that sends `message` to each client `delayMs` after accepting it. */
async function lateSender(message: string, delayMs: number): Promise<[net.Server, number]> {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    setTimeout(() => s.write(message), delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return [server, (server.address() as net.AddressInfo).port];
}

/** Connect a Recorder to a late sender and return what `observe` saw in the first dataReceived. */
async function firstDelivery<T>(loop: EventLoop, observe: (r: Recorder) => T): Promise<T> {
  const [server, port] = await lateSender('hello', 30);
  try {
    let seen: T | undefined;
    const [t, r] = await loop.createConnection(() => new Recorder(loop), '127.0.0.1', port);
    r.onData = (_d, self) => {
      if (seen === undefined) seen = observe(self);
    };
    // The loop goes idle until the server's bytes come, 30 ms later.
    await within(r.bytes(5));
    t.close();
    await r.lost;
    return seen!;
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** Where the code running now was called from: Node's check phase (an immediate), a socket's read callback, or elsewhere. */
function drivenFrom(): 'immediate' | 'read callback' | 'elsewhere' {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 100;
  const stack = new Error('where').stack ?? '';
  Error.stackTraceLimit = limit;
  if (stack.includes('processImmediate')) return 'immediate';
  if (stack.includes('onStreamRead')) return 'read callback';
  return 'elsewhere';
}

// Bytes that wake an idle loop on a plain socket run the loop's callbacks
// inside Node's read callback (EventLoop._runHostCallback) instead of a
// check-phase immediate.
describe('driving the loop from a plain socket read callback', () => {
  test('data that wakes the idle loop reaches dataReceived within the socket read callback, not in an immediate', async () => {
    const where = await withLoop((loop) => firstDelivery(loop, drivenFrom));
    expect(where).toBe('read callback');
  });

  test('there, a callback is still followed by the microtasks it queued before the next callback runs', async () => {
    const log = await withLoop((loop) =>
      firstDelivery(loop, () => {
        const entries: string[] = [];
        void Promise.resolve().then(() => entries.push('microtask'));
        loop.callSoon(() => entries.push(`next callback, from the ${drivenFrom()}`));
        return entries;
      }),
    );
    expect(log).toEqual(['microtask', 'next callback, from the read callback']);
  });

  test('with an AsyncLocalStorage enabled the loop still wakes in an immediate, so no store of the socket reaches its callbacks', async () => {
    const als = new AsyncLocalStorage<string>();
    try {
      const seen = await als.run('where the connection was made', () =>
        withLoop(async (loop) => {
          const plain: { kind?: string; store?: string } = {};
          await firstDelivery(loop, () =>
            // Scheduled with no store: it runs as is, in whatever the driver runs in.
            als.exit(() => loop.callSoon(() => Object.assign(plain, { kind: drivenFrom(), store: als.getStore() }))),
          );
          return plain;
        }),
      );
      expect(seen).toEqual({ kind: 'immediate', store: undefined });
    } finally {
      als.disable();
    }
  });
});
