import net from 'node:net';
import { createTask, gather, script, sleep, type Script, type SimWorld } from '../../src/index.js';

/**
 * One step of a conversation between clients and a server, by client name:
 * connect, send bytes, expect the next bytes the server sends, half-close
 * (`writeEof`), expect the server to end the stream (`expectEof`).
 */
export type Step =
  | readonly [client: string, action: 'connect']
  | readonly [client: string, action: 'send', data: string]
  | readonly [client: string, action: 'expect', data: string]
  | readonly [client: string, action: 'writeEof']
  | readonly [client: string, action: 'expectEof'];

/**
 * Steps in the order they happen. The order across clients matters (the
 * server's answers depend on it): on Node one driver runs the steps one by
 * one; in a simulation each step gets its own slot of virtual time.
 */
export type Conversation = readonly Step[];

/** How a transcript shows that the stream ended cleanly. */
const EOF = '<EOF>';

/** What each client received, by name: its bytes as UTF-8, `<EOF>` where the stream ended. */
export type Transcripts = Record<string, string>;

/** What the clients of `conversation` receive if the server answers as the conversation expects. */
export function expectedTranscripts(conversation: Conversation): Transcripts {
  const out: Transcripts = {};
  for (const step of conversation) {
    const [client, action] = step;
    out[client] ??= '';
    if (action === 'expect') out[client] += step[2];
    else if (action === 'expectEof') out[client] += EOF;
  }
  return out;
}

/** A bound on each wait of a real client, so that a broken server fails the test instead of hanging it. */
const REAL_WAIT_MS = 5000;

/** A real client socket (node:net, outside the loop), with what it received and not yet taken. */
class RealClient {
  private _buffer = Buffer.alloc(0);
  private _ended: string | null = null;
  private _wake: (() => void) | null = null;

  private constructor(private readonly _socket: net.Socket) {
    _socket.on('data', (d: Buffer) => {
      this._buffer = Buffer.concat([this._buffer, d]);
      this._poke();
    });
    _socket.on('end', () => this._end(EOF));
    _socket.on('error', (e: NodeJS.ErrnoException) => this._end(`<error: ${e.code ?? e.message}>`));
    _socket.on('close', () => this._end(EOF));
  }

  static connect(host: string, port: number): Promise<RealClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RealClient(socket));
      });
    });
  }

  write(data: string): Promise<void> {
    return new Promise((resolve, reject) => this._socket.write(data, (e) => (e ? reject(e) : resolve())));
  }

  writeEof(): void {
    this._socket.end();
  }

  /** The next `n` bytes; or fewer, followed by how the stream ended (`<EOF>`, `<error: CODE>`, `<timeout>`), and false. */
  async take(n: number): Promise<[Buffer, boolean]> {
    await this._until(() => this._buffer.length >= n);
    const got = this._buffer.subarray(0, n);
    this._buffer = this._buffer.subarray(got.length);
    return got.length === n ? [got, true] : [Buffer.concat([got, Buffer.from(this._ended ?? '<timeout>')]), false];
  }

  /** Whatever arrives until the stream ends, then how it ended (`<EOF>`: nothing more). */
  async rest(): Promise<Buffer> {
    await this._until(() => false);
    const got = Buffer.concat([this._buffer, Buffer.from(this._ended ?? '<timeout>')]);
    this._buffer = Buffer.alloc(0);
    return got;
  }

  /** Destroy the socket; resolves once Node has closed it. */
  destroy(): Promise<void> {
    const socket = this._socket;
    if (socket.closed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }

  private _end(how: string): void {
    this._ended ??= how;
    this._poke();
  }

  private _poke(): void {
    const wake = this._wake;
    this._wake = null;
    wake?.();
  }

  /** Wait until `done()` or the stream ended, at most REAL_WAIT_MS. */
  private async _until(done: () => boolean): Promise<void> {
    const deadline = Date.now() + REAL_WAIT_MS;
    while (!done() && this._ended === null && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this._wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

/**
 * Run `conversation` with real node:net clients, one step after another,
 * and resolve with the bytes each received (in `expect` steps, exactly as
 * many as expected; in `expectEof` steps, everything until the end). The
 * clients are destroyed (and closed) at the end, whatever happened.
 */
export async function converseReal(host: string, port: number, conversation: Conversation): Promise<Transcripts> {
  const clients = new Map<string, RealClient>();
  const received = new Map<string, Buffer[]>();
  const client = (name: string): RealClient => {
    const c = clients.get(name);
    if (c === undefined) throw new RangeError(`conversation: client ${name} acts before it connected`);
    return c;
  };
  try {
    steps: for (const step of conversation) {
      const [name, action] = step;
      if (!received.has(name)) received.set(name, []);
      switch (action) {
        case 'connect':
          clients.set(name, await RealClient.connect(host, port));
          break;
        case 'send':
          await client(name).write(step[2]);
          break;
        case 'expect': {
          const [bytes, complete] = await client(name).take(Buffer.byteLength(step[2]));
          received.get(name)!.push(bytes);
          // The server went astray: the transcript shows where; later steps would only wait in vain.
          if (!complete) break steps;
          break;
        }
        case 'writeEof':
          client(name).writeEof();
          break;
        case 'expectEof':
          received.get(name)!.push(await client(name).rest());
          break;
      }
    }
  } finally {
    await Promise.all([...clients.values()].map((c) => c.destroy()));
  }
  const out: Transcripts = {};
  for (const [name, chunks] of received) out[name] = Buffer.concat(chunks).toString('utf8');
  return out;
}

/** Virtual ms between two steps of a simulated conversation: each step has happened well before the next one's slot. */
const SLOT_MS = 10;

/**
 * Run `conversation` with scripted clients (`world.network.connect`): each
 * client's steps become its script, each step waiting for its own slot of
 * virtual time so that steps across clients keep their order. The scripts
 * check every byte (an `expect` is a literal, `expectEof` fails on any byte
 * more), and a mismatch fails the run; so once every script has finished,
 * what each client received is exactly what its expectations say, and that
 * is the transcript.
 */
export async function converseScripted(world: SimWorld, host: string, port: number, conversation: Conversation): Promise<Transcripts> {
  const scripts = new Map<string, { start: number; last: number; script: Script }>();
  conversation.forEach((step, slot) => {
    const [name, action] = step;
    if (action === 'connect') {
      if (scripts.has(name)) throw new RangeError(`conversation: client ${name} connects twice`);
      scripts.set(name, { start: slot, last: slot, script: script() });
      return;
    }
    const entry = scripts.get(name);
    if (entry === undefined) throw new RangeError(`conversation: client ${name} acts before it connected`);
    let s = entry.script.wait((slot - entry.last) * SLOT_MS);
    entry.last = slot;
    if (action === 'send') s = s.send(step[2]);
    else if (action === 'expect') s = s.expect(step[2]);
    else if (action === 'writeEof') s = s.writeEof();
    else s = s.expectEof();
    entry.script = s;
  });
  await gather(
    [...scripts.values()].map(({ start, script: s }) =>
      createTask(async () => {
        await sleep(start * SLOT_MS);
        await world.network.connect(host, port, s);
      }),
    ),
  );
  return expectedTranscripts(conversation);
}
