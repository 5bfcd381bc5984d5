/**
 * simloop: Python's asyncio event loop for TypeScript on Node, with its
 * clock, selector and OS injected. This entry only re-exports, and wires the
 * defaults: the Node backends for `new EventLoop()`.
 */
import { setDefaultBackendFactory } from './loop/defaults.js';
import { nodeBackend } from './backends/node/node-backend.js';

setDefaultBackendFactory(nodeBackend);

export * from './errors.js';
export { EventLoop, type LoopOptions, type LoopLogger, type ExceptionHandler, type TaskFactory } from './loop/event-loop.js';
export { Handle, TimerHandle } from './loop/handle.js';
export type { Clock } from './loop/clock.js';
export type { Selector } from './loop/selector.js';
export type { OS, Executor } from './loop/os.js';
export type { Scheduler } from './loop/scheduler.js';
export { FifoScheduler } from './loop/scheduler.js';
export type { Awaitable, ExceptionContext } from './loop/loop-hooks.js';
export { getRunningLoop, getEventLoop, setEventLoop, newEventLoop } from './loop/running-loop.js';
export { nodeBackend } from './backends/node/node-backend.js';
export * from './tasks/index.js';
export * from './sync/index.js';
export { createSimWorld, simulate, SimWorld, type SimWorldOptions, type TraceEvent, type Strategy } from './backends/sim/sim-world.js';
export { VirtualClock } from './backends/sim/virtual-clock.js';
