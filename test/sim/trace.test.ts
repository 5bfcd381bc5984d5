import { describe, expect, it } from 'vitest';
import { createSimWorld, createTask, Event, gather, Queue, sleep, type SimWorld, type SimWorldOptions, type TraceEvent } from '../../src/index.js';

/** A small program with producers, consumers, timers, callbacks and a cancellation. */
async function program(world: SimWorld): Promise<number> {
  const loop = world.loop;
  const queue = new Queue<number>(2);
  const ready = new Event();
  let total = 0;
  const producers = [1, 2, 3].map((p) =>
    createTask(
      async () => {
        await ready.wait();
        for (let i = 0; i < 4; i++) {
          await sleep(p * 3);
          await queue.put(p * 10 + i);
        }
      },
      { name: `producer-${p}` },
    ),
  );
  const consumer = createTask(
    async () => {
      for (;;) total += await queue.get();
    },
    { name: 'consumer' },
  );
  loop.callSoon(function openGate() {
    ready.set();
  });
  loop.callLater(5, function tick() {});
  await gather(producers);
  while (queue.qsize() > 0) await sleep(1);
  consumer.cancel();
  await gather([consumer], { returnExceptions: true });
  return total;
}

async function traceOf(opts: SimWorldOptions): Promise<TraceEvent[]> {
  const world = createSimWorld(opts);
  await world.run(program);
  await world[Symbol.asyncDispose]();
  return world.trace();
}

describe('trace()', () => {
  it('is identical for equal seeds and programs', async () => {
    for (const strategy of ['fifo', 'random'] as const) {
      const a = await traceOf({ seed: 'same', strategy });
      const b = await traceOf({ seed: 'same', strategy });
      expect(a.length).toBeGreaterThan(50);
      expect(b).toEqual(a);
    }
  });

  it("under 'random', differs for some other seed", async () => {
    const base = JSON.stringify(await traceOf({ seed: 0, strategy: 'random' }));
    let differs = false;
    for (let seed = 1; seed <= 10 && !differs; seed++) differs = JSON.stringify(await traceOf({ seed, strategy: 'random' })) !== base;
    expect(differs).toBe(true);
  });

  it('records callbacks, timers, task steps, wakes, cancellations, task ends and clock jumps', async () => {
    const events = await traceOf({ seed: 1 });
    const kinds = new Set(events.map((e) => e.kind));
    for (const kind of ['callback', 'timer', 'step', 'wake', 'cancel', 'done', 'jump']) expect(kinds).toContain(kind);
    expect(events).toContainEqual(expect.objectContaining({ kind: 'callback', detail: 'openGate', time: 0 }));
    expect(events).toContainEqual(expect.objectContaining({ kind: 'timer', detail: 'tick', time: 5 }));
    expect(events).toContainEqual(expect.objectContaining({ kind: 'cancel', task: 'consumer' }));
    expect(events).toContainEqual(expect.objectContaining({ kind: 'done', task: 'consumer', detail: 'cancelled' }));
    expect(events).toContainEqual(expect.objectContaining({ kind: 'done', task: 'main', detail: 'finished' }));
    expect(events).toContainEqual(expect.objectContaining({ kind: 'wake', task: 'consumer', detail: 'Queue.get()' }));
  });

  it('stamps every event with virtual time, which never goes back', async () => {
    const events = await traceOf({ seed: 2, startTime: 500 });
    expect(events[0]!.time).toBe(500);
    for (let i = 1; i < events.length; i++) expect(events[i]!.time).toBeGreaterThanOrEqual(events[i - 1]!.time);
    const jumps = events.filter((e) => e.kind === 'jump');
    expect(jumps.length).toBeGreaterThan(0);
    for (const j of jumps) expect(j.detail).toMatch(/^\+\d+$/);
  });

  it('returns a copy', async () => {
    const world = createSimWorld();
    await world.run(async () => sleep(1));
    const t = world.trace();
    t.length = 0;
    expect(world.trace().length).toBeGreaterThan(0);
  });
});
