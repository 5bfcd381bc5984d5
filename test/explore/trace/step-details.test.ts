import { describe, expect, it } from 'vitest';
import { createSimWorld, createTask, Event, Future, gather, Queue, sleep, type SimWorld, type SimWorldOptions, type TraceEvent } from '../../../src/index.js';
import { describeTaskStep } from '../../../src/tasks/future.js';
import { linkSteps } from '../../../src/explore/step-links.js';
import { queueTimerAndEcho, traceOf } from './scenarios.js';

/** A consumer that gets from a queue, then waits on an event; then one cancelled while it awaits a get. */
async function queueAndEvent(_world: SimWorld): Promise<void> {
  const queue = new Queue<number>();
  const gate = new Event();
  const consumer = createTask(
    async () => {
      await queue.get();
      await gate.wait();
    },
    { name: 'consumer' },
  );
  await sleep(1);
  queue.putNowait(1);
  await sleep(1);
  gate.set();
  await consumer;
  const stuck = createTask(() => queue.get(), { name: 'stuck' });
  await sleep(1);
  stuck.cancel('shutting down');
  await gather([stuck], { returnExceptions: true });
}

/** Main awaits four tasks that end at the same instant: under 'random' their wakeups of main run in any order. */
async function fourTasksAtOnce(_world: SimWorld): Promise<void> {
  await Promise.all([0, 1, 2, 3].map((i) => createTask(() => sleep(1), { name: `t${i}` })));
}

/** Two tasks that yield with sleep(0) between a read and a write, as a lost update does. */
async function yieldingTasks(_world: SimWorld): Promise<void> {
  let n = 0;
  const bump = async (): Promise<void> => {
    const read = n;
    await sleep(0);
    n = read + 1;
  };
  await Promise.all([createTask(bump, { name: 'a' }), createTask(bump, { name: 'b' })]);
}

/** Run `scenario` with the world's tracer wrapped: what `describeTaskStep` says of every task step, in order. */
async function stepDetailsOf(scenario: (world: SimWorld) => Promise<void>, opts: SimWorldOptions): Promise<{ trace: TraceEvent[]; described: (string | undefined)[] }> {
  const world = createSimWorld({ traceLimit: Infinity, ...opts });
  const described: (string | undefined)[] = [];
  const inner = world.loop._tracer!;
  world.loop._tracer = (kind, task, handle, detail) => {
    // A task resumed inside another callback (sleep(0)) is a step without a handle, named by future.ts itself.
    if (kind === 'step' && task !== null) described.push(handle === null ? detail : describeTaskStep(handle));
    inner(kind, task, handle, detail);
  };
  await world.run(scenario);
  await world[Symbol.asyncDispose]();
  return { trace: world.trace(), described };
}

describe('what task steps and wakes say in a trace', () => {
  it('a wake names the Queue.get() and the Event.wait() the task awaited', async () => {
    const trace = await traceOf(queueAndEvent);
    const wakes = trace.filter((e) => e.kind === 'wake' && e.task === 'consumer').map((e) => e.detail);
    expect(wakes).toEqual(['Queue.get()', 'Event.wait()']);
  });

  it('a step is linked to the wake it resumes from, and says so', async () => {
    const trace = await traceOf(queueAndEvent);
    const { cause } = linkSteps(trace);
    const steps = trace.flatMap((e, i) => (e.kind === 'step' && e.task === 'consumer' ? [cause[i]] : []));
    expect(steps).toEqual(['start', 'Queue.get()', 'Event.wait()']);
  });

  it('links a step without a detail only when certain, and then to what it really resumed from', async () => {
    for (const strategy of ['fifo', 'random', 'pct'] as const) {
      for (const seed of [1, 2, 3]) {
        for (const scenario of [queueAndEvent, queueTimerAndEcho, fourTasksAtOnce, yieldingTasks]) {
          const { trace, described } = await stepDetailsOf(scenario, { seed, strategy });
          const { cause } = linkSteps(trace);
          const linked = trace.flatMap((e, i) => (e.kind === 'step' && e.task !== undefined ? [cause[i]] : []));
          expect(linked).toHaveLength(described.length);
          linked.forEach((c, k) => {
            if (c !== undefined) expect(c).toBe(described[k]);
          });
          expect(linked.filter((c) => c !== undefined).length).toBeGreaterThan(linked.length / 2);
        }
      }
    }
  });

  it('links every step exactly once the world names each step (describeTaskStep), even wakes run out of order', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { trace, described } = await stepDetailsOf(fourTasksAtOnce, { seed, strategy: 'random' });
      let k = 0;
      const named = trace.map((e) => (e.kind === 'step' && e.task !== undefined ? { ...e, detail: described[k++] } : e));
      const { source, cause } = linkSteps(named);
      named.forEach((e, i) => {
        if (e.kind !== 'step' || e.task === undefined) return;
        expect(cause[i]).toBe(e.detail);
        const from = named[source[i]!]!;
        expect(from.task).toBe(e.task);
        expect(from.kind === 'create' ? 'start' : from.detail).toBe(e.detail);
      });
      expect(described).toContain("task 't3'");
    }
  });

  it('a task resumed by sleep(0) inside the loop callback shows as a step of its own, saying so', async () => {
    const trace = await traceOf(async () => {
      await createTask(() => sleep(0).then(() => sleep(0)), { name: 'yielder' });
    });
    const steps = trace.filter((e) => e.kind === 'step' && e.task === 'yielder');
    expect(steps.slice(1).map((e) => e.detail)).toEqual(['sleep(0)', 'sleep(0)']);
    expect(steps[1]!.handle).toBeUndefined();
    const at = trace.indexOf(steps[1]!);
    expect(trace[at - 1]).toMatchObject({ kind: 'callback', detail: 'resume' });
  });

  it('a wake by a cancelled future says so, and the cancel says what the task awaited', async () => {
    const trace = await traceOf(queueAndEvent);
    expect(trace).toContainEqual(expect.objectContaining({ kind: 'cancel', task: 'stuck', detail: '"shutting down" while awaiting Queue.get()' }));
    expect(trace).toContainEqual(expect.objectContaining({ kind: 'wake', task: 'stuck', detail: 'Queue.get() (cancelled)' }));
    expect(trace).toContainEqual(expect.objectContaining({ kind: 'done', task: 'stuck', detail: 'cancelled' }));
  });

  it("a failed task's done event names its error's first line", async () => {
    const trace = await traceOf(async () => {
      const t = createTask(
        async () => {
          await sleep(1);
          throw new TypeError('bad input\nsecond line');
        },
        { name: 'worker' },
      );
      await t.then(undefined, () => undefined);
    });
    expect(trace).toContainEqual(expect.objectContaining({ kind: 'done', task: 'worker', detail: 'failed: TypeError: bad input' }));
    expect(trace).toContainEqual(expect.objectContaining({ kind: 'wake', task: 'main', detail: "task 'worker' (failed)" }));
  });

  it('builds no description of what a task awaited when no tracer is set', async () => {
    let described = 0;
    class Counted<T> extends Future<T> {
      override _describe(): string {
        described++;
        return super._describe();
      }
    }
    const world = createSimWorld();
    world.loop._tracer = null;
    await world.run(async () => {
      const fut = new Counted<number>();
      world.loop.callLater(1, () => fut.setResult(1));
      const waiter = createTask(async () => fut, { name: 'waiter' });
      await waiter;
      waiter.cancel();
    });
    expect(described).toBe(0);
  });
});

describe('linkSteps', () => {
  it('pairs a step that names its cause with the pending wake of that cause, whatever their order', () => {
    const events: TraceEvent[] = [
      { time: 0, kind: 'create', task: 't' },
      { time: 0, kind: 'step', task: 't', detail: 'start' },
      { time: 1, kind: 'wake', task: 't', detail: 'a' },
      { time: 1, kind: 'wake', task: 't', detail: 'b' },
      { time: 1, kind: 'step', task: 't', detail: 'b' },
      { time: 1, kind: 'step', task: 't', detail: 'a' },
    ];
    const { source, cause } = linkSteps(events);
    expect([...source]).toEqual([-1, 0, -1, -1, 3, 2]);
    expect(cause).toEqual([undefined, 'start', undefined, undefined, 'b', 'a']);
  });

  it('links a step without a detail to the one pending wake of its task, and not a step whose wake the trace lost', () => {
    const events: TraceEvent[] = [
      { time: 0, kind: 'step', task: 'lost' },
      { time: 0, kind: 'wake', task: 'u', detail: 'x' },
      { time: 0, kind: 'wake', task: 'v', detail: 'y' },
      { time: 0, kind: 'step', task: 'v' },
      { time: 0, kind: 'step', task: 'u' },
    ];
    const { source, cause } = linkSteps(events);
    expect([...source]).toEqual([-1, -1, -1, 2, 1]);
    expect(cause).toEqual([undefined, undefined, undefined, 'y', 'x']);
  });

  it('leaves the steps of a task with several pending wakes unlinked until it has taken them all', () => {
    const events: TraceEvent[] = [
      { time: 0, kind: 'wake', task: 'm', detail: "task 'a'" },
      { time: 0, kind: 'wake', task: 'm', detail: "task 'b'" },
      { time: 0, kind: 'step', task: 'm' },
      { time: 0, kind: 'step', task: 'm' },
      { time: 1, kind: 'wake', task: 'm', detail: 'sleep(1)' },
      { time: 1, kind: 'step', task: 'm' },
    ];
    const { source, cause } = linkSteps(events);
    expect([...source]).toEqual([-1, -1, -1, -1, -1, 4]);
    expect(cause).toEqual([undefined, undefined, undefined, undefined, undefined, 'sleep(1)']);
  });
});
