/**
 * The running task across native awaits (API.md: "`currentTask()` is right
 * across native `await`s"), on the Node backend: tasks run random mixes of
 * awaits (loop sleeps, promises that Node's immediates settle, settled
 * promises, thenables, `then` callbacks, nested async functions, promises
 * shared between tasks and settled from outside the loop), and after every
 * one of them, and inside every `then` callback, `currentTask()` must be the
 * task whose code it is. The model is that one sentence: the frames follow
 * the code, whoever settles the promise.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTask, currentTask, run, sleep, type Task } from '../src/index.js';
import { params } from './support/params.js';

type Step =
  | { kind: 'sleep0' }
  | { kind: 'immediate' }
  | { kind: 'settled' }
  | { kind: 'thenable' }
  | { kind: 'then' }
  | { kind: 'nested'; inner: number }
  | { kind: 'shared'; index: number };

const SHARED = 3;

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>({ kind: 'sleep0' }),
  fc.constant<Step>({ kind: 'immediate' }),
  fc.constant<Step>({ kind: 'settled' }),
  fc.constant<Step>({ kind: 'thenable' }),
  fc.constant<Step>({ kind: 'then' }),
  fc.integer({ min: 1, max: 3 }).map<Step>((inner) => ({ kind: 'nested', inner })),
  fc.integer({ min: 0, max: SHARED - 1 }).map<Step>((index) => ({ kind: 'shared', index })),
);

const programArb = fc.array(fc.array(stepArb, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 });

const nextImmediate = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Run `steps` as the code of the current task, recording after each await whether it still runs as `me`. */
async function perform(steps: Step[], me: Task<unknown>, shared: Promise<void>[], seen: boolean[]): Promise<void> {
  const check = (): void => {
    seen.push(currentTask() === me);
  };
  for (const step of steps) {
    switch (step.kind) {
      case 'sleep0':
        await sleep(0);
        break;
      case 'immediate':
        await nextImmediate();
        break;
      case 'settled':
        await Promise.resolve();
        break;
      case 'thenable':
        await { then: (resolve: () => void) => setImmediate(resolve) };
        break;
      case 'then':
        await nextImmediate().then(check);
        break;
      case 'nested':
        await (async () => {
          for (let i = 0; i < step.inner; i++) {
            await nextImmediate();
            check();
          }
        })();
        break;
      case 'shared':
        await shared[step.index];
        break;
    }
    check();
  }
}

describe('the running task across native awaits', () => {
  it('after every await, and in every then callback, currentTask() is the task whose code runs', async () => {
    await fc.assert(
      fc.asyncProperty(programArb, fc.array(fc.nat(6), { minLength: SHARED, maxLength: SHARED }), async (program, delays) => {
        // Settled from outside the loop: after some turns of Node's own event loop.
        const shared = delays.map(async (d) => {
          for (let i = 0; i < d; i++) await nextImmediate();
        });
        const seen = await run(async () => {
          const tasks = program.map((steps, i) => {
            const records: boolean[] = [];
            const task: Task<boolean[]> = createTask(
              async () => {
                await perform(steps, task, shared, records);
                return records;
              },
              { name: `t${i}` },
            );
            return task;
          });
          return Promise.all(tasks);
        });
        expect(seen.flat().every(Boolean)).toBe(true);
        expect(seen.map((r) => r.length >= 1)).toEqual(program.map(() => true));
      }),
      params(150),
    );
  });
});
