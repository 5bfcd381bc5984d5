import { describe, expect, test } from 'vitest';
import { EventLoop, Protocol, type Transport } from '../../src/index.js';
import { startChatServer } from '../../examples/chat-server.js';
import { LineClient, portOf, within, withLoop } from './support.js';

/** Connect a chat client and read its welcome line. */
async function join(port: number): Promise<[LineClient, string]> {
  const c = await LineClient.connect(port);
  return [c, await c.line()];
}

/** A client that sends `/nick slow` and then never reads (its transport's reading is paused). */
async function slowClient(loop: EventLoop, port: number): Promise<Transport> {
  const [t] = await within(loop.createConnection(() => new Protocol(), '127.0.0.1', port));
  t.pauseReading();
  t.write('/nick slow\n');
  return t;
}

describe('examples/chat-server', () => {
  test('welcomes each client by its guest name and announces joins to the others', async () => {
    const seen = await withLoop(async () => {
      await using server = await startChatServer('127.0.0.1', 0);
      const [a, welcomeA] = await join(portOf(server));
      const [b, welcomeB] = await join(portOf(server));
      const joined = await a.line();
      await a.close();
      await b.close();
      return [welcomeA, welcomeB, joined];
    });
    expect(seen).toEqual(['* welcome, guest1', '* welcome, guest2', '* guest2 joined']);
  });

  test('a line goes to every other client under the sender\'s nick, not back to the sender', async () => {
    const seen = await withLoop(async () => {
      await using server = await startChatServer('127.0.0.1', 0);
      const [a] = await join(portOf(server));
      const [b] = await join(portOf(server));
      await a.line(); // guest2 joined
      const [c] = await join(portOf(server));
      await a.line(); // guest3 joined
      await b.line(); // guest3 joined
      a.send('hello all');
      const atB = await b.line();
      const atC = await c.line();
      c.send('hi'); // the next line a gets is c's, so a got nothing of its own
      const atA = await a.line();
      for (const x of [a, b, c]) await x.close();
      return [atB, atC, atA];
    });
    expect(seen).toEqual(['<guest1> hello all', '<guest1> hello all', '<guest3> hi']);
  });

  test('/nick renames the sender: it is told, the others see the change and later lines under the new name', async () => {
    const seen = await withLoop(async () => {
      await using server = await startChatServer('127.0.0.1', 0);
      const [a] = await join(portOf(server));
      const [b] = await join(portOf(server));
      await a.line(); // guest2 joined
      a.send('/nick alice');
      const toA = await a.line();
      const rename = await b.line();
      a.send('it is me');
      const line = await b.line();
      await a.close();
      await b.close();
      return [toA, rename, line];
    });
    expect(seen).toEqual(['* you are now alice', '* guest1 is now alice', '<alice> it is me']);
  });

  test('a client that leaves is announced to the others', async () => {
    const left = await withLoop(async () => {
      await using server = await startChatServer('127.0.0.1', 0);
      const [a] = await join(portOf(server));
      const [b] = await join(portOf(server));
      await a.line(); // guest2 joined
      await b.close();
      const left = await a.line();
      await a.close();
      return left;
    });
    expect(left).toBe('* guest2 left');
  });

  test('a client that never reads does not hold back the others: megabytes of chat still reach them', async () => {
    const { received, expected } = await withLoop(async (loop) => {
      await using server = await startChatServer('127.0.0.1', 0);
      const [a] = await join(portOf(server));
      const [b] = await join(portOf(server));
      await a.line(); // guest2 joined
      const slow = await slowClient(loop, portOf(server));
      expect(await a.line()).toBe('* guest3 joined');
      expect(await a.line()).toBe('* guest3 is now slow');
      await b.line();
      await b.line();
      const body = 'x'.repeat(32_000);
      const lines = 400; // 12.8 MB: the slow client's socket buffers fill after about 4 MB here
      for (let i = 0; i < lines; i++) {
        a.send(`${i} ${body}`);
        await a.writer.drain();
      }
      let received = 0;
      for (let i = 0; i < lines; i++) if ((await b.line()) === `<guest1> ${i} ${body}`) received++;
      slow.abort();
      await a.close();
      await b.close();
      return { received, expected: lines };
    });
    expect(received).toBe(expected);
  });

  test('a client whose outgoing queue overflows is disconnected and announced as gone, with nothing reported as an error', async () => {
    const { sawLeave, reports } = await withLoop(async (loop, reports) => {
      await using server = await startChatServer('127.0.0.1', 0, { maxQueuedLines: 5 });
      const [a] = await join(portOf(server));
      const [b] = await join(portOf(server));
      await a.line(); // guest2 joined
      const slow = await slowClient(loop, portOf(server));
      await a.line(); // guest3 joined
      await a.line(); // guest3 is now slow
      const body = 'y'.repeat(16_000);
      let sawLeave = false;
      for (let i = 0; i < 500 && !sawLeave; i++) {
        a.send(`${i} ${body}`);
        for (;;) {
          const line = await b.line();
          if (line === '* slow left') sawLeave = true;
          if (line.startsWith('<guest1>')) break;
        }
      }
      slow.abort();
      await a.close();
      await b.close();
      return { sawLeave, reports: [...reports] };
    });
    expect(sawLeave).toBe(true);
    expect(reports).toEqual([]);
  });

  test('hangs up on a client whose line is past the reader limit, without an error report, and keeps serving', async () => {
    const seen = await withLoop(async (_loop, reports) => {
      await using server = await startChatServer('127.0.0.1', 0);
      const [a] = await join(portOf(server));
      a.send('x'.repeat(70 * 1024));
      const goodbye = await a.line();
      const eof = await within(a.reader.read());
      const [b, welcome] = await join(portOf(server));
      await b.close();
      return { goodbye, eof: eof.length, welcome, reports: reports.length };
    });
    expect(seen).toEqual({ goodbye: '* line too long, goodbye', eof: 0, welcome: '* welcome, guest2', reports: 0 });
  });
});
