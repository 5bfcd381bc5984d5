import type { Backend } from '../../loop/defaults.js';
import type { OS } from '../../loop/os.js';
import type { Selector } from '../../loop/selector.js';
import { NodeClock } from './node-clock.js';
import { NodeDatagramDriver } from './node-datagram-driver.js';
import { NodePipeDriver } from './node-pipe-driver.js';
import { NodeProcessDriver } from './node-process-driver.js';
import { NodeDnsDriver } from './node-dns-driver.js';
import { NodeFileDriver } from './node-file-driver.js';
import { NodeSelector } from './node-selector.js';
import { NodeStreamDriver } from './node-stream-driver.js';
import { NodeSignalDriver } from './node-signal-driver.js';
import { ThreadPoolExecutor } from './thread-pool-executor.js';

/**
 * The real Node backends: the monotonic clock, the idle wait on real timers
 * with the I/O drivers (net, tls, dgram, pipes), and the OS (dns,
 * child_process, signals, executors). A fresh set per call (one selector per loop).
 */
export function nodeBackend(): Backend {
  const selector: Selector = Object.assign(new NodeSelector(), {
    // I/O drivers, one line each: `stream: new NodeStreamDriver(),`
    stream: new NodeStreamDriver(),
    datagram: new NodeDatagramDriver(),
    pipes: new NodePipeDriver(),
  });
  const os: OS = {
    // OS drivers, one line each: `dns: new NodeDnsDriver(),`
    dns: new NodeDnsDriver(),
    createDefaultExecutor: () => new ThreadPoolExecutor(),
    processes: new NodeProcessDriver(),
    signals: new NodeSignalDriver(),
    files: new NodeFileDriver(),
  };
  return { clock: new NodeClock(), selector, os };
}
