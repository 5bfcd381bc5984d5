import { expect, test } from 'vitest';
import { gather, Protocol, type EventLoop, type Transport } from '../../../src/index.js';
import { Echo, localServer, Recorder, within, withLoop } from '../net/support.js';
import { leftSince, resourceCounts } from './support.js';

/** Connect, send a byte, get it echoed, close, and wait until the connection is gone. */
async function cycle(loop: EventLoop, port: number): Promise<void> {
  const client = new Recorder(loop);
  const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
  t.write('x');
  await client.bytes(1);
  t.close();
  await client.lost;
}

test('a server survives 2,000 connect/echo/disconnect cycles, each connection made and lost once, and still serves', async () => {
  const baseline = resourceCounts();
  const { made, lost, errors, last } = await withLoop(async (loop, reports) => {
    let made = 0;
    let lost = 0;
    const errors: unknown[] = [];
    class Counted extends Echo {
      override connectionMade(t: Transport): void {
        made++;
        super.connectionMade(t);
      }
      override connectionLost(e: Error | null): void {
        lost++;
        if (e !== null) errors.push(e);
      }
    }
    const [server, port] = await localServer(loop, () => new Counted(), { backlog: 512 });
    const batch = 100;
    for (let done = 0; done < 2000; done += batch) {
      await within(gather(Array.from({ length: batch }, () => cycle(loop, port))), 10_000);
    }
    const final = new Recorder(loop);
    const [t] = await loop.createConnection(() => final, '127.0.0.1', port);
    t.write('still here');
    await within(final.bytes(10));
    t.close();
    await within(final.lost);
    server.close();
    await within(server.waitClosed());
    errors.push(...reports);
    return { made, lost, errors, last: final.text };
  });
  expect(made).toBe(2001);
  expect(lost).toBe(2001);
  expect(errors).toEqual([]);
  expect(last).toBe('still here');
  expect(leftSince(baseline)).toEqual({});
});

test('a server whose clients come and go by abort keeps serving, with nothing left open', async () => {
  const served = await withLoop(async (loop) => {
    // A deep backlog: with the default one, a burst after a burst of resets sometimes waits out a SYN retransmission (a second).
    const [server, port] = await localServer(loop, () => new Echo(), { backlog: 1024 });
    for (let round = 0; round < 5; round++) {
      const conns = await gather(Array.from({ length: 50 }, () => loop.createConnection(() => new Protocol(), '127.0.0.1', port)));
      for (const [t] of conns) t.abort();
    }
    const final = new Recorder(loop);
    const [t] = await loop.createConnection(() => final, '127.0.0.1', port);
    t.write('ok');
    await within(final.bytes(2));
    t.close();
    await within(final.lost);
    server.close();
    await within(server.waitClosed());
    return final.text;
  });
  expect(served).toBe('ok');
});
