import { describe, expect, test } from 'vitest';
import { Accepted, localServer, pause, Recorder, within, withLoop } from './support.js';

describe('pauseReading and resumeReading', () => {
  test('while paused no dataReceived comes; what arrived meanwhile follows on resume, in order', async () => {
    const result = await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
      const peer = await accepted.transport(0);
      expect(t.isReading()).toBe(true);
      peer.write('a');
      await within(client.bytes(1));
      t.pauseReading();
      t.pauseReading();
      expect(t.isReading()).toBe(false);
      peer.write('b');
      peer.write('c');
      await pause(loop, 100);
      const whilePaused = client.text;
      t.resumeReading();
      t.resumeReading();
      expect(t.isReading()).toBe(true);
      await within(client.bytes(3));
      t.close();
      expect(t.isReading()).toBe(false);
      await within(client.lost);
      await server[Symbol.asyncDispose]();
      return { whilePaused, after: client.text };
    });
    expect(result).toEqual({ whilePaused: 'a', after: 'abc' });
  });

  test('pausing inside dataReceived holds the chunks already received', async () => {
    const result = await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const client = new Recorder(loop);
      client.onData = (_d, self) => self.transport!.pauseReading();
      const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
      const peer = await accepted.transport(0);
      for (let i = 0; i < 50; i++) {
        peer.write(`${i};`);
        await pause(loop, 0);
      }
      await within(client.bytes(1));
      await pause(loop, 50);
      const dataWhilePaused = client.events.filter((e) => e === 'data').length;
      client.onData = null;
      t.resumeReading();
      const expected = Array.from({ length: 50 }, (_, i) => `${i};`).join('');
      await within(client.bytes(expected.length));
      t.close();
      await within(client.lost);
      await server[Symbol.asyncDispose]();
      return { dataWhilePaused, text: client.text, expected };
    });
    expect(result.dataWhilePaused).toBe(1);
    expect(result.text).toBe(result.expected);
  });

  test('EOF waits for resumeReading too, after the data before it', async () => {
    const events = await withLoop(async (loop) => {
      const accepted = new Accepted(loop);
      const [server, port] = await localServer(loop, accepted.factory);
      const client = new Recorder(loop);
      const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
      t.pauseReading();
      const peer = await accepted.transport(0);
      peer.write('last words');
      peer.writeEof();
      await pause(loop, 100);
      expect(client.events).toEqual(['made']);
      t.resumeReading();
      await within(client.lost);
      expect(client.text).toBe('last words');
      await server[Symbol.asyncDispose]();
      return client.events;
    });
    expect(events.filter((e) => e !== 'data')).toEqual(['made', 'eof', 'lost']);
  });

  test('pauseReading from connectionMade holds the first bytes', async () => {
    const got = await withLoop(async (loop) => {
      const accepted = new Accepted(loop, (r) => {
        void r.made.then((t) => t.write('hello'));
      });
      const [server, port] = await localServer(loop, accepted.factory);
      class PausedAtStart extends Recorder {
        override connectionMade(t: import('../../../src/index.js').Transport): void {
          super.connectionMade(t);
          t.pauseReading();
        }
      }
      const client = new PausedAtStart(loop);
      const [t] = await loop.createConnection(() => client, '127.0.0.1', port);
      await pause(loop, 100);
      const before = client.received;
      t.resumeReading();
      await within(client.bytes(5));
      t.close();
      await within(client.lost);
      await server[Symbol.asyncDispose]();
      return { before, text: client.text };
    });
    expect(got).toEqual({ before: 0, text: 'hello' });
  });
});
