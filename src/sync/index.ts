/** The synchronisation primitives: asyncio's locks and queues, with its semantics. */
export { Lock } from './lock.js';
export { Event } from './event.js';
export { Condition } from './condition.js';
export { Semaphore, BoundedSemaphore } from './semaphore.js';
export { Barrier } from './barrier.js';
export { Queue, PriorityQueue, LifoQueue } from './queue.js';
