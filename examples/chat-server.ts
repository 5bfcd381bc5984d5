/**
 * A line-based chat server, written once against the loop API (streams).
 * Each line a client sends goes to every other client as `<nick> line`;
 * `/nick name` changes the sender's name; joins and leaves are announced.
 *
 * A slow client never blocks the others: broadcasting only puts the line in
 * each recipient's own bounded outgoing queue, and a per-client sender task
 * writes from it with `drain()`. A client whose queue overflows (it stopped
 * reading) is disconnected instead of growing the server's memory.
 *
 * `npx tsx examples/chat-server.ts [port]` serves on 127.0.0.1 (port 8888 by
 * default) until Ctrl-C; tests import `startChatServer`.
 */
import { pathToFileURL } from 'node:url';
import {
  CancelledError,
  LimitOverrunError,
  createTask,
  Queue,
  QueueFull,
  run,
  sleep,
  startServer,
  type Server,
  type StreamReader,
  type StreamWriter,
} from '../src/index.js';

/** Options of `startChatServer`. */
export interface ChatServerOptions {
  /** Lines a client may have waiting to be sent before it is dropped as too slow (default 1000). */
  maxQueuedLines?: number;
}

/** One connected client: its name, its writer and its outgoing queue. */
interface Client {
  nick: string;
  readonly writer: StreamWriter;
  readonly outgoing: Queue<string>;
}

/** The chat room: who is connected, and how a line reaches them. */
class ChatRoom {
  private readonly clients = new Set<Client>();
  private nextGuest = 1;

  constructor(private readonly maxQueuedLines: number) {}

  /** Serve one connection until it sends EOF or fails. */
  readonly serve = async (reader: StreamReader, writer: StreamWriter): Promise<void> => {
    const client: Client = { nick: `guest${this.nextGuest++}`, writer, outgoing: new Queue<string>(this.maxQueuedLines) };
    const sender = createTask(() => this.send(client));
    this.clients.add(client);
    this.deliver(client, `* welcome, ${client.nick}`);
    this.broadcast(client, `* ${client.nick} joined`);
    try {
      for await (const raw of reader) {
        const line = Buffer.from(raw).toString('utf8').replace(/\r?\n$/, '');
        this.handle(client, line);
      }
    } catch (e) {
      // A line past the reader's limit: tell the client and hang up, rather
      // than reporting a client's misbehaviour as a server error.
      if (!(e instanceof LimitOverrunError)) throw e;
      writer.write('* line too long, goodbye\n');
    } finally {
      this.clients.delete(client);
      this.broadcast(client, `* ${client.nick} left`);
      sender.cancel();
      writer.close();
    }
  };

  private handle(client: Client, line: string): void {
    const nick = /^\/nick\s+(\S+)\s*$/.exec(line);
    if (nick !== null) {
      const old = client.nick;
      client.nick = nick[1]!;
      this.deliver(client, `* you are now ${client.nick}`);
      this.broadcast(client, `* ${old} is now ${client.nick}`);
    } else if (line.length > 0) {
      this.broadcast(client, `<${client.nick}> ${line}`);
    }
  }

  /** Queue `line` for everyone but `from`; never waits. */
  private broadcast(from: Client, line: string): void {
    for (const c of this.clients) if (c !== from) this.deliver(c, line);
  }

  /** Queue `line` for `to`, dropping `to` if it has fallen too far behind. */
  private deliver(to: Client, line: string): void {
    try {
      to.outgoing.putNowait(line + '\n');
    } catch (e) {
      if (!(e instanceof QueueFull)) throw e;
      // It stopped reading: drop it rather than buffer without bound.
      this.clients.delete(to);
      to.writer.transport.abort();
    }
  }

  /** Write `client`'s queued lines, waiting for each write to drain: only this client waits. */
  private async send(client: Client): Promise<void> {
    try {
      for (;;) {
        client.writer.write(await client.outgoing.get());
        await client.writer.drain();
      }
    } catch (e) {
      if (e instanceof CancelledError) throw e;
      // The connection was lost: its reader ends too, and `serve` says goodbye.
    }
  }
}

/**
 * Start the chat server on `host`:`port` (port 0: a free one, see
 * `server.sockets()`) on the running loop; resolves to the serving Server.
 */
export function startChatServer(host = '127.0.0.1', port = 0, opts: ChatServerOptions = {}): Promise<Server> {
  const room = new ChatRoom(opts.maxQueuedLines ?? 1000);
  return startServer(room.serve, host, port);
}

/**
 * Serve on 127.0.0.1:`port` until cancelled (Ctrl-C under `run`): then stop
 * listening, close the open connections and wait until they are gone.
 */
export async function main(port = 8888): Promise<void> {
  const server = await startChatServer('127.0.0.1', port);
  console.log('chat server on', server.sockets()[0]!.getsockname());
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
