import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { startEchoServer } from '../../examples/echo-server.js';
import { ScriptMismatchError } from '../../src/index.js';
import { nodeBackend, simBackend } from './backends.js';
import { expectedTranscripts, type Conversation } from './conversation.js';
import { rejection, serveAndConverse } from './support.js';

/** A conversation an echo server cannot meet: it expects the line back in upper case. */
const WRONG: Conversation = [
  ['a', 'connect'],
  ['a', 'send', 'hello\n'],
  ['a', 'expect', 'HELLO\n'],
  ['a', 'writeEof'],
  ['a', 'expectEof'],
];

describe('the conformance harness', () => {
  test('sim: a server that answers other bytes than a conversation expects fails the run with ScriptMismatchError', async () => {
    const err = await rejection(serveAndConverse(simBackend, startEchoServer, WRONG));
    expect(err).toBeInstanceOf(ScriptMismatchError);
    expect(String(err)).toContain('expected: "HELLO\\n"');
  });

  test('node: the real clients record what they received, so a server that answers other bytes gives another transcript', async () => {
    const got = await serveAndConverse(nodeBackend, startEchoServer, WRONG);
    expect(got).toEqual({ a: 'hello\n<EOF>' });
    expect(got).not.toEqual(expectedTranscripts(WRONG));
  });

  test('node: a run that leaves a socket open fails, naming the handle', async () => {
    let leaked: net.Server | null = null;
    const err = await rejection(
      nodeBackend.run(async () => {
        const server = net.createServer();
        leaked = server;
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      }),
    );
    await new Promise<void>((resolve) => leaked!.close(() => resolve()));
    expect(String(err)).toContain('handles left open after the run: 1 TCPServerWrap');
  });
});
