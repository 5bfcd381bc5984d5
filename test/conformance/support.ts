import type { Server, Transport } from '../../src/index.js';
import { Accepted, portOf, Recorder, within } from '../io/net/support.js';
import type { Backend, World } from './backends.js';
import type { Conversation, Transcripts } from './conversation.js';

// The io tests' protocol recorders use nothing but the loop: the conformance bodies use them on both backends.
export { Accepted, Echo, portOf, Recorder, within } from '../io/net/support.js';
export { codeOf } from '../sim/network/support.js';
export { rejection } from '../sim/support.js';
export { pattern } from '../sim/process/support.js';

/**
 * A server of Recorders on the world's host and a free port, and `client`
 * (a Recorder by default) connected to it, with the server's end made.
 */
export async function connectedPair<C extends Recorder = Recorder>(
  world: World,
  client?: C,
  setup?: (r: Recorder) => void,
): Promise<{ accepted: Accepted; server: Server; client: C; t: Transport; peer: Recorder; port: number }> {
  const { loop, host } = world;
  const accepted = new Accepted(loop, setup);
  const server = await loop.createServer(accepted.factory, host, 0);
  const port = portOf(server);
  const c = client ?? (new Recorder(loop) as C);
  const [t] = await loop.createConnection(() => c, host, port);
  await accepted.transport(0);
  return { accepted, server, client: c, t, peer: accepted.all[0]!, port };
}

/**
 * On `backend`: serve with `start` (an example's own start function, used
 * unchanged) on the world's host and a free port, run `conversation`
 * against it, close the server, and resolve with what the clients received.
 */
export function serveAndConverse(backend: Backend, start: (host: string, port: number) => Promise<Server>, conversation: Conversation): Promise<Transcripts> {
  return backend.run(async (world) => {
    const server = await start(world.host, 0);
    try {
      return await world.converse(portOf(server), conversation);
    } finally {
      server.close();
      await within(server.waitClosed());
    }
  });
}
