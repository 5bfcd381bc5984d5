import { Socket, type EventLoop, type Server, type SocketAddress, type Transport } from '../../../src/index.js';
import { Accepted, Recorder } from '../../io/net/support.js';

// The io tests' protocol recorders work on any loop: the simulated network is tested with the same ones.
export { Accepted, Echo, portOf, Recorder } from '../../io/net/support.js';

/** The code of an error (`'ECONNRESET'`, ...), or its message. */
export function codeOf(e: unknown): string {
  if (e === null) return 'null';
  return (e as { code?: string }).code ?? String((e as Error).message ?? e);
}

/**
 * A connected pair of simloop Sockets made with the sock* methods: a
 * listener on 127.0.0.1, a client that sockConnect-ed to it, the server's
 * end from sockAccept and the address sockAccept reported. `close()` closes all three.
 */
export async function sockPair(loop: EventLoop): Promise<{ client: Socket; server: Socket; peer: SocketAddress; close(): void }> {
  const listener = new Socket();
  await listener.bind(['127.0.0.1', 0]);
  await listener.listen();
  const port = (listener.getsockname() as SocketAddress).port;
  const client = new Socket();
  const [[server, peer]] = await Promise.all([loop.sockAccept(listener), loop.sockConnect(client, ['127.0.0.1', port])]);
  return {
    client,
    server,
    peer: peer as SocketAddress,
    close: () => {
      client.close();
      server.close();
      listener.close();
    },
  };
}

/**
 * A server of Recorders on 127.0.0.1:`port` and `client` (a Recorder by
 * default) connected to it: what most connection tests start from.
 */
export async function connectedPair<C extends Recorder = Recorder>(
  loop: EventLoop,
  port: number,
  client?: C,
): Promise<{ accepted: Accepted; server: Server; client: C; t: Transport }> {
  const accepted = new Accepted(loop);
  const server = await loop.createServer(accepted.factory, '127.0.0.1', port);
  const c = client ?? (new Recorder(loop) as C);
  const [t] = await loop.createConnection(() => c, '127.0.0.1', port);
  return { accepted, server, client: c, t };
}
