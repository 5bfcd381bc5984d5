import { simulate, type SimWorld, type SimWorldOptions } from '../backends/sim/sim-world.js';
import { formatTimeline } from '../explore/timeline.js';
import type { RunCommand } from './args.js';
import type { CommandIo } from './explore-command.js';
import { loadScenarioModule } from '../explore/scenario-module.js';

/**
 * `simloop run <module>`: run the scenario once in a simulated world (world
 * options from the module's export `world`, strategy and seed from the
 * command, the seed else from `world`, else 0) and print its timeline; 0 when it passed, 1 when it failed.
 */
export async function runCommand(cmd: RunCommand, io: CommandIo): Promise<number> {
  const { scenario, world } = await loadScenarioModule(cmd.module);
  let ranWorld: SimWorld | null = null;
  const seed = String(cmd.seed ?? world.seed ?? 0);
  const opts: SimWorldOptions = { ...world, strategy: cmd.strategy, seed };
  const limit = cmd.timeline ? Infinity : 40;
  try {
    await simulate(async (w) => {
      ranWorld = w;
      await scenario(w);
    }, opts);
  } catch (e) {
    if (ranWorld !== null) io.out(formatTimeline((ranWorld as SimWorld).trace(), { limit }));
    io.err(`\nFAILED (seed ${seed}, strategy ${cmd.strategy}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
  const trace = (ranWorld as SimWorld | null)?.trace() ?? [];
  io.out(formatTimeline(trace, { limit }));
  io.out(`\npassed (seed ${seed}, strategy ${cmd.strategy}): ${trace.length} events, ended at ${trace.length > 0 ? trace[trace.length - 1]!.time : 0} ms of virtual time`);
  return 0;
}
