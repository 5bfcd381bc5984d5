import type { DatagramDriver, DatagramOpenOptions, RawDatagramSocket } from '../../../loop/datagram-driver.js';
import { isWildcard, netError, normalizeAddress, socketAddress } from './hosts.js';
import type { NetworkCore } from './network-core.js';
import { UdpSocket } from './udp-socket.js';

/**
 * The simulated network's DatagramDriver (`createDatagramEndpoint` in a
 * simulation): binds in the network's UDP port table (`EADDRINUSE` as a
 * real OS; port 0 picks a free port deterministically; `reusePort` lets
 * sockets that all set it share a port, taking turns), and connects by
 * recording the peer. Binding to an address makes it one of the code's.
 */
export class SimDatagramDriver implements DatagramDriver {
  constructor(private readonly _core: NetworkCore) {}

  async open(options: DatagramOpenOptions): Promise<RawDatagramSocket> {
    const core = this._core;
    const family = options.family;
    const local = options.localAddr;
    const address = local === null ? (family === 'IPv6' ? '::' : '0.0.0.0') : normalizeAddress(local.address);
    let port = local?.port ?? 0;
    if (port === 0) {
      port = core.udp.ephemeral();
      if (port === 0) throw netError('EADDRINUSE', 'bind', socketAddress(address, 0));
    }
    const reusePort = options.reusePort;
    if (core.udp.conflicts({ address, port, family, v6Only: true, reusePort })) throw netError('EADDRINUSE', 'bind', socketAddress(address, port));
    if (!isWildcard(address)) core.topology.addCodeAddress(address);
    const remote = options.remoteAddr;
    const peer = remote === null ? null : { address: normalizeAddress(remote.address), port: remote.port, family: remote.family };
    const socket = new UdpSocket(core, address, port, family, reusePort, peer, options.allowBroadcast);
    core.udp.add(socket);
    return socket;
  }
}
