import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SimWorldOptions } from '../backends/sim/sim-world.js';
import type { Scenario } from './run-once.js';
import { UsageError } from './usage-error.js';

/**
 * A scenario module could not be used: it is missing, it does not load, or it
 * exports no scenario. A usage error: the CLI says the message in one line
 * (exit code 2).
 */
export class ScenarioModuleError extends UsageError {
  override name = 'ScenarioModuleError';
}

/** What a scenario module provides: its scenario and the world options for every run. */
export interface ScenarioModule {
  /** The module's absolute path. */
  path: string;
  /** Its default export, else its export named `scenario`. */
  scenario: Scenario;
  /** Its export `world` (createSimWorld options), or `{}`. */
  world: SimWorldOptions;
}

/** True for the file names that need a TypeScript loader. */
export function isTypeScriptPath(path: string): boolean {
  return /\.[mc]?ts$/.test(path);
}

let tsxRegistered = false;

/** Teach this thread's module loader TypeScript (tsx), once; the CLI and every explore worker do this for `.ts` modules. */
async function registerTypeScript(shown: string): Promise<void> {
  if (tsxRegistered) return;
  try {
    const api = (await import('tsx/esm/api')) as { register(): unknown };
    api.register();
  } catch {
    throw new ScenarioModuleError(`${shown} is TypeScript: install tsx (npm install -D tsx) so simloop can load it`);
  }
  tsxRegistered = true;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The absolute path of the module file `path` (relative to `cwd`); a `ScenarioModuleError` when there is no such file. */
export function scenarioModulePath(path: string, cwd = process.cwd()): string {
  const abs = resolve(cwd, path);
  if (!existsSync(abs)) throw new ScenarioModuleError(`no such module: ${path}`);
  if (!statSync(abs).isFile()) throw new ScenarioModuleError(`${path} is not a file (give the scenario module's path)`);
  return abs;
}

/**
 * Load a scenario module (`path` relative to `cwd`; `.ts` through tsx) and
 * pick its scenario: the default export when it is a function, else the
 * export named `scenario`. Rejects with a one-line `ScenarioModuleError` when
 * the file is missing, fails to load, exports no scenario, or exports a
 * `world` that is not a plain object.
 */
export async function loadScenarioModule(path: string, cwd = process.cwd()): Promise<ScenarioModule> {
  const abs = scenarioModulePath(path, cwd);
  if (isTypeScriptPath(abs)) await registerTypeScript(path);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(abs).href)) as Record<string, unknown>;
  } catch (e) {
    // A module that throws while loading is the user's code failing, but the CLI can run nothing: one line, the first of the error.
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new ScenarioModuleError(`${path} failed to load: ${what.split('\n')[0]}`);
  }
  const scenario = typeof mod.default === 'function' ? mod.default : mod.scenario;
  if (typeof scenario !== 'function') {
    throw new ScenarioModuleError(`${path} exports no scenario (a default export or an export named "scenario": (world) => Promise<void>)`);
  }
  const world = mod.world ?? {};
  if (!isPlainObject(world)) throw new ScenarioModuleError(`${path}: its export "world" must be an object of createSimWorld options`);
  return { path: abs, scenario: scenario as Scenario, world: world as SimWorldOptions };
}
