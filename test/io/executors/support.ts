import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessPoolExecutor, ThreadPoolExecutor } from '../../../src/index.js';

/** The fixture module whose exports the module-job tests run. */
export const JOB_MODULE = new URL('./fixtures/job.mjs', import.meta.url);

/** The same module as a path relative to process.cwd() (how a user might write it by hand). */
export const JOB_MODULE_RELATIVE = './' + relative(process.cwd(), fileURLToPath(JOB_MODULE)).split('\\').join('/');

/** Both pools, for the tests of the contract they share. */
export const POOLS = [
  { name: 'ThreadPoolExecutor', Pool: ThreadPoolExecutor },
  { name: 'ProcessPoolExecutor', Pool: ProcessPoolExecutor },
] as const;

/** Kinds of active resource that executor workers hold (threads: MessagePort; processes: ProcessWrap, PipeWrap). */
const WORKER_RESOURCES = new Set(['MessagePort', 'Worker', 'ProcessWrap', 'PipeWrap']);

/** How many resources of the kinds workers hold are keeping the process alive now, by kind. */
export function workerResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (WORKER_RESOURCES.has(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/** The error `aw` rejects with; fails the test if it resolves instead. */
export async function rejection(aw: PromiseLike<unknown>): Promise<any> {
  try {
    await aw;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, but it resolved');
}
