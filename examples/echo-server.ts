/**
 * An echo server, written once against the loop API (streams): every byte a
 * client sends comes back to it, with `drain()` so a client that reads
 * slowly slows its own echo down instead of growing the server's buffers.
 *
 * `npx tsx examples/echo-server.ts [port]` serves on 127.0.0.1 (port 8888 by
 * default) until Ctrl-C; tests import `startEchoServer` and run it on a loop
 * of their own.
 */
import { pathToFileURL } from 'node:url';
import { run, sleep, startServer, type Server, type StreamReader, type StreamWriter } from '../src/index.js';

/** Echo one client until it sends EOF, then close the connection. */
async function echo(reader: StreamReader, writer: StreamWriter): Promise<void> {
  try {
    for (;;) {
      const chunk = await reader.read(64 * 1024);
      if (chunk.length === 0) break; // EOF
      writer.write(chunk);
      await writer.drain();
    }
  } finally {
    writer.close();
  }
}

/**
 * Start the echo server on `host`:`port` (port 0: a free one, see
 * `server.sockets()`) on the running loop; resolves to the serving Server.
 */
export function startEchoServer(host = '127.0.0.1', port = 0): Promise<Server> {
  return startServer(echo, host, port);
}

/**
 * Serve on 127.0.0.1:`port` until cancelled (Ctrl-C under `run`): then stop
 * listening, close the open connections and wait until they are gone.
 */
export async function main(port = 8888): Promise<void> {
  const server = await startEchoServer('127.0.0.1', port);
  console.log('echo server on', server.sockets()[0]!.getsockname());
  try {
    await sleep(Infinity);
  } finally {
    server.close();
    server.closeClients();
    await server.waitClosed();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run(() => main(Number(process.argv[2] ?? 8888)));
}
