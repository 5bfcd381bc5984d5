/**
 * `simloop/testing`: what tests of async code need, in one entry: the
 * simulated world (virtual time, seeded scheduling, strict failure reports).
 */
// Wires the defaults (Node backend, task constructors) exactly as the main entry does.
import '../index.js';

export { createSimWorld, simulate, SimWorld, type SimWorldOptions, type TraceEvent, type Strategy } from '../backends/sim/sim-world.js';
export { VirtualClock } from '../backends/sim/virtual-clock.js';
