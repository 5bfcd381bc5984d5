import type { SimWorldOptions } from '../../src/backends/sim/sim-world.js';
import { diffGroups, diffTraces } from './compare.js';
import { runProgram, runProgramWithStops, type RunOutcome } from './interpreter.js';
import { Model, type Group } from './model.js';
import type { Program } from './program.js';

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Throws unless the program, run with the FIFO scheduler, does exactly what the reference model predicts. */
export async function expectFifoMatchesModel(program: Program): Promise<RunOutcome> {
  const run = await runProgram(program, { strategy: 'fifo' });
  const model = new Model(program);
  const expected = model.runFifo();
  const diff = diffGroups(expected, run.groups);
  if (run.error !== undefined) {
    throw new Error(`the simulation failed: ${errorText(run.error)}\n${diff ?? 'what ran before matches the model'}`);
  }
  if (diff !== null) throw new Error(diff);
  if (run.endTime !== model.time) throw new Error(`the run ended at ${run.endTime} ms, the model at ${model.time} ms`);
  return run;
}

/**
 * Throws unless a run under `'random'` with `seed` made only choices the
 * strategy may make (model.ts, `runReplay`) and ran each callback at the
 * model's virtual time with the model's microtasks inside it.
 */
export async function expectRandomKeepsPromises(program: Program, seed: number | string, strategy: SimWorldOptions['strategy'] = 'random'): Promise<RunOutcome> {
  const run = await runProgram(program, { strategy, seed });
  if (run.error !== undefined) throw new Error(`the simulation failed: ${errorText(run.error)}`);
  const model = new Model(program);
  const illegal = model.runReplay(run.groups);
  if (illegal !== null) throw new Error(illegal);
  const diff = diffGroups(model.groups, run.groups);
  if (diff !== null) throw new Error(diff);
  return run;
}

/** What the interpreter flagged while it ran (a timer early, microtasks left over, a bad exception context...). */
function violations(groups: readonly Group[]): string[] {
  const out: string[] = [];
  for (const g of groups) {
    if (g.label.includes('VIOLATION') || g.label.endsWith(': ran')) out.push(g.label);
    for (const i of g.ins) if (i.includes('VIOLATION') || i.endsWith(': no error')) out.push(`${g.label}: ${i}`);
  }
  return out;
}

/**
 * Throws unless two runs of the program with the same options give identical
 * traces and logs, and the first broke none of the guarantees the interpreter
 * watches while it runs (these hold under every strategy).
 */
export async function expectSameRunTwice(program: Program, opts: { strategy: SimWorldOptions['strategy']; seed?: number | string }, between?: Program): Promise<void> {
  const a = await runProgram(program, opts);
  // Something else runs in between, so state left behind in the process would show.
  if (between !== undefined) await runProgram(between, opts);
  const b = await runProgram(program, opts);
  if ((a.error === undefined) !== (b.error === undefined)) throw new Error(`one run failed and the other did not: ${errorText(a.error ?? b.error)}`);
  if (a.trace.length === 0) throw new Error('the trace is empty');
  const t = diffTraces(a.trace, b.trace);
  if (t !== null) throw new Error(`world.trace() differs between two runs with seed ${JSON.stringify(opts.seed)}: ${t}`);
  const bad = violations(a.groups);
  if (bad.length > 0) throw new Error(`the run broke a guarantee:\n  ${bad.slice(0, 5).join('\n  ')}`);
  const g = diffGroups(a.groups, b.groups);
  if (g !== null) throw new Error(`what ran differs between two runs with seed ${JSON.stringify(opts.seed)}:\n${g}`);
}

/** `expectFifoMatchesModel` as a fast-check predicate (resolves to nothing). */
export async function fifoMatchesModel(program: Program): Promise<void> {
  await expectFifoMatchesModel(program);
}

/** `expectRandomKeepsPromises` as a fast-check predicate (resolves to nothing). */
export async function randomKeepsPromises(program: Program, seed: number | string): Promise<void> {
  await expectRandomKeepsPromises(program, seed);
}

/** As `randomKeepsPromises`, under PCT. */
export async function pctKeepsPromises(program: Program, seed: number | string): Promise<void> {
  await expectRandomKeepsPromises(program, seed, 'pct');
}

function dedupe(xs: readonly number[]): number[] {
  return xs.filter((x, i) => i === 0 || x !== xs[i - 1]);
}

/**
 * Throws unless the program, run by calling `runForever()` again after each
 * `stop()`, runs what the model runs and returns exactly at the end of each
 * iteration in which `stop()` was called (asyncio: stop ends the loop after
 * step (3) of the current iteration; a new run goes on from there; a stop()
 * before a run lets it run one iteration, without waiting).
 */
export async function stopsMatchModel(program: Program, preStops: readonly boolean[] = []): Promise<void> {
  const run = await runProgramWithStops(program, preStops);
  const model = new Model(program);
  const expected = model.runFifo(preStops);
  const diff = diffGroups(expected, run.groups);
  if (run.error !== undefined) throw new Error(`the run failed: ${errorText(run.error)}\n${diff ?? 'what ran before matches the model'}`);
  if (diff !== null) throw new Error(diff);
  const want = dedupe([...model.stops, expected.length]);
  const got = dedupe(run.stops);
  if (want.join() !== got.join()) {
    throw new Error(`runForever() returned after ${got.join(', ')} labelled callbacks; the model stops after ${want.join(', ')}\n(callbacks: ${expected.map((g, i) => `#${i} ${g.label}`).join(', ')})`);
  }
}
