import type { PeerAddress } from '../../../loop/raw-stream.js';
import { describeEnd } from './hosts.js';
import type { NetworkCore } from './network-core.js';
import { TcpDirection } from './tcp-direction.js';
import { TcpEnd } from './tcp-end.js';
import { route } from './topology.js';

/** Where one side of a connection is: its address and its host (null for a unix socket). */
export interface EndPoint {
  readonly address: PeerAddress;
  readonly host: string | null;
}

/**
 * A simulated TCP or unix connection: two ends and the two directions
 * between them. `tls` is set once either end starts TLS: from then on the
 * ends trace no ciphertext (the TLS layer traces plaintext counts).
 */
export class TcpConnection {
  readonly client: TcpEnd;
  readonly server: TcpEnd;
  tls = false;

  constructor(
    core: NetworkCore,
    readonly id: number,
    client: EndPoint,
    server: EndPoint,
  ) {
    const cName = describeEnd(client.address);
    const sName = describeEnd(server.address);
    this.client = new TcpEnd(core, this, client.address, server.address, client.host, cName, sName);
    this.server = new TcpEnd(core, this, server.address, client.address, server.host, sName, cName);
    const unix = client.host === null || server.host === null;
    const c2s = new TcpDirection(core, this.client, this.server, unix ? null : route(client.host!, server.host!));
    const s2c = new TcpDirection(core, this.server, this.client, unix ? null : route(server.host!, client.host!));
    this.client.out = c2s;
    this.client.in = s2c;
    this.server.out = s2c;
    this.server.in = c2s;
    core.ends.add(this.client);
    core.ends.add(this.server);
  }

  /** A fault resets the connection: nothing more crosses, and both ends get the reset now. */
  resetByFault(): void {
    const clientWriting = this.client.out.userBytes > 0;
    const serverWriting = this.server.out.userBytes > 0;
    this.client.out.kill();
    this.server.out.kill();
    this.client.receiveReset(clientWriting);
    this.server.receiveReset(serverWriting);
  }

}
