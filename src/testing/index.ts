/**
 * `simloop/testing`: what tests of async code need, in one entry: the
 * simulated world (virtual time, seeded scheduling, strict failure reports),
 * schedule exploration, `scheduleArbitrary()` for fast-check properties and
 * the vitest helper `simTest`.
 */
// Wires the defaults (Node backend, task constructors) exactly as the main entry does.
import '../index.js';

export { createSimWorld, simulate, SimWorld, type SimWorldOptions, type TraceEvent, type Strategy } from '../backends/sim/sim-world.js';
export { VirtualClock } from '../backends/sim/virtual-clock.js';
export { explore, replay, type ExploreOptions, type ExploreReport, type Scenario } from '../explore/explore.js';
export { Schedule } from '../schedule/schedule.js';
export { scheduleArbitrary, type ScheduleArbitraryOptions } from './schedule-arbitrary.js';
export { simTest, type SimTest, type SimTestOptions } from './sim-test.js';
