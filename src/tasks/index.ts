import './loop-methods.js';

export { Future, isFuture } from './future.js';
export { Task, currentTask, allTasks, createTask, type TaskOptions } from './task.js';
export { ensureFuture } from './ensure-future.js';
export { sleep } from './sleep.js';
export { gather, GatheringFuture } from './gather.js';
export { shield } from './shield.js';
export { waitFor } from './wait-for.js';
export { wait, FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED, type ReturnWhen, type WaitOptions } from './wait.js';
export { asCompleted, AsCompletedIterator } from './as-completed.js';
export { timeout, timeoutAt, Timeout } from './timeout.js';
export { TaskGroup } from './task-group.js';
export { run, type RunOptions } from './run.js';
