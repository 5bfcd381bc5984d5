import type { Backend } from '../../loop/defaults.js';
import { NodeClock } from './node-clock.js';
import { NodeSelector } from './node-selector.js';

/**
 * The real Node backends: the monotonic clock, the idle wait on real timers,
 * and the OS. A fresh set per call (one selector per loop).
 */
export function nodeBackend(): Backend {
  return { clock: new NodeClock(), selector: new NodeSelector(), os: {} };
}
