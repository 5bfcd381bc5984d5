import { describe, expect, test } from 'vitest';
import { startChatServer } from '../../examples/chat-server.js';
import { startEchoServer } from '../../examples/echo-server.js';
import { backends, nodeBackend, simBackend } from './backends.js';
import { expectedTranscripts, type Conversation } from './conversation.js';
import { serveAndConverse } from './support.js';

/** 200 KB on one line: more than a socket takes in one write, so the echo server's drain() has work. */
const BIG = `${'0123456789abcdefghijklmnopqrstuvwxyz'.repeat(5_600)}\n`;

/** Two echo clients: short lines, a non-ASCII line, a large message, then each half-closes and reads the rest. */
const ECHO: Conversation = [
  ['a', 'connect'],
  ['b', 'connect'],
  ['a', 'send', 'hello from a\n'],
  ['a', 'expect', 'hello from a\n'],
  ['b', 'send', 'héllo from b, ünïcode\n'],
  ['b', 'expect', 'héllo from b, ünïcode\n'],
  ['a', 'send', BIG],
  ['a', 'expect', BIG],
  ['b', 'writeEof'],
  ['b', 'expectEof'],
  ['a', 'send', 'last words, no newline'],
  ['a', 'writeEof'],
  ['a', 'expect', 'last words, no newline'],
  ['a', 'expectEof'],
];

/**
 * Three chat clients: welcomes and joins, a broadcast, a rename, a line
 * past the reader's limit (the client is told and hung up on), leaves.
 */
const CHAT: Conversation = [
  ['a', 'connect'],
  ['a', 'expect', '* welcome, guest1\n'],
  ['b', 'connect'],
  ['b', 'expect', '* welcome, guest2\n'],
  ['a', 'expect', '* guest2 joined\n'],
  ['a', 'send', 'hello all\n'],
  ['b', 'expect', '<guest1> hello all\n'],
  ['b', 'send', '/nick bob\n'],
  ['b', 'expect', '* you are now bob\n'],
  ['a', 'expect', '* guest2 is now bob\n'],
  ['c', 'connect'],
  ['c', 'expect', '* welcome, guest3\n'],
  ['a', 'expect', '* guest3 joined\n'],
  ['b', 'expect', '* guest3 joined\n'],
  ['c', 'send', 'x'.repeat(70 * 1024)],
  ['c', 'expect', '* line too long, goodbye\n'],
  ['c', 'expectEof'],
  ['a', 'expect', '* guest3 left\n'],
  ['b', 'expect', '* guest3 left\n'],
  ['b', 'send', 'bye, ünïcode\n'],
  ['a', 'expect', '<bob> bye, ünïcode\n'],
  ['b', 'writeEof'],
  ['b', 'expectEof'],
  ['a', 'expect', '* bob left\n'],
  ['a', 'writeEof'],
  ['a', 'expectEof'],
];

describe.each(backends)('the examples, unchanged, on the $name backend', (backend) => {
  test('echo-server: each client receives exactly what it sent, a 200 KB line included, then EOF after its own half-close', async () => {
    expect(await serveAndConverse(backend, startEchoServer, ECHO)).toEqual(expectedTranscripts(ECHO));
  });

  test('chat-server: welcomes, joins, broadcasts, renames, a too-long line and leaves reach each client as the chat defines them', async () => {
    expect(await serveAndConverse(backend, startChatServer, CHAT)).toEqual(expectedTranscripts(CHAT));
  });
});

test('the real clients on Node and the scripted clients in a simulation receive the same bytes from both examples', async () => {
  const node = [await serveAndConverse(nodeBackend, startEchoServer, ECHO), await serveAndConverse(nodeBackend, startChatServer, CHAT)];
  const sim = [await serveAndConverse(simBackend, startEchoServer, ECHO), await serveAndConverse(simBackend, startChatServer, CHAT)];
  expect(sim).toEqual(node);
});
