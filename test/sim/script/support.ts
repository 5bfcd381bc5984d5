import { ScriptMismatchError, simulate, StreamReader, StreamReaderProtocol, StreamWriter, type EventLoop, type SimWorld } from '../../../src/index.js';
import { runScript, type Script } from '../../../src/backends/sim/scripted-peer.js';
import { FakeTransport } from '../../io/streams/fake-transport.js';

/** A FakeTransport that tells an abort (a reset) from a close. */
class PeerTransport extends FakeTransport {
  aborted = false;
  override abort(): void {
    this.aborted = true;
    super.abort();
  }
}

/**
 * The code under test's side of an in-memory connection to a scripted peer:
 * what it sends reaches the peer's reader; what the peer writes is kept.
 */
export class CodeSide {
  constructor(private readonly transport: PeerTransport) {}

  /** Send bytes to the peer. */
  send(data: string | Uint8Array): void {
    this.transport.receive(typeof data === 'string' ? Buffer.from(data) : data);
  }

  /** Half-close towards the peer. */
  eof(): void {
    this.transport.receiveEof();
  }

  /** Reset the connection: the peer's reads fail with ECONNRESET. */
  reset(): void {
    this.transport.lose(Object.assign(new Error('Connection reset by peer'), { code: 'ECONNRESET' }));
  }

  /** Everything the peer wrote, as text. */
  received(): string {
    return this.transport.text();
  }

  /** The peer half-closed. */
  get peerEof(): boolean {
    return this.transport.eofWritten;
  }

  /** The peer reset the connection. */
  get peerReset(): boolean {
    return this.transport.aborted;
  }

  /** The peer closed or reset the connection. */
  get peerClosed(): boolean {
    return this.transport.isClosing();
  }
}

/**
 * Start `s` as a scripted peer of the world on an in-memory connection and
 * return the code's side of it. The peer runs as a world task, as
 * SimNetwork runs it.
 */
export function startPeer(world: SimWorld, s: Script, where = 'test:1'): CodeSide {
  const loop: EventLoop = world.loop;
  const reader = new StreamReader({ loop });
  const protocol = new StreamReaderProtocol(reader, null, { loop });
  const transport = new PeerTransport(loop);
  transport.connect(protocol);
  const writer = new StreamWriter(transport, protocol, reader, loop);
  world._ctx.spawn('peer', () => runScript(world._ctx, s, reader, writer, where));
  return new CodeSide(transport);
}

/** Run `main` in a world and return the ScriptMismatchError the run fails with (fails the test otherwise). */
export async function mismatchOf(main: (world: SimWorld) => Promise<void>): Promise<ScriptMismatchError> {
  try {
    await simulate(main);
  } catch (e) {
    if (e instanceof ScriptMismatchError) return e;
    throw e;
  }
  throw new Error('expected the run to fail with a ScriptMismatchError, but it passed');
}
