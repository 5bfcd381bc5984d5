import type { Backend } from '../../loop/defaults.js';
import type { OS } from '../../loop/os.js';
import type { Selector } from '../../loop/selector.js';
import { NodeClock } from './node-clock.js';
import { NodeSelector } from './node-selector.js';

/**
 * The real Node backends: the monotonic clock, the idle wait on real timers
 * with the I/O drivers (net, tls, dgram, pipes), and the OS (dns,
 * child_process, signals, executors). A fresh set per call (one selector per loop).
 */
export function nodeBackend(): Backend {
  const selector: Selector = Object.assign(new NodeSelector(), {
    // I/O drivers, one line each: `stream: new NodeStreamDriver(),`
  });
  const os: OS = {
    // OS drivers, one line each: `dns: new NodeDnsDriver(),`
  };
  return { clock: new NodeClock(), selector, os };
}
