import { EventLoop, simulate, type ExceptionContext, type ProcessHandler, type SimWorld } from '../../src/index.js';
import { converseReal, converseScripted, type Conversation, type Transcripts } from './conversation.js';

/**
 * What a conformance body gets: a loop on one backend, and the few things
 * that have to differ between backends. Everything else the body does
 * through the loop's own API, so the same code runs on both.
 */
export interface World {
  /** Which backend runs the body ('node' or 'sim'), for messages only: a body must not branch on it. */
  readonly backend: BackendName;
  /** The running loop (the body also runs as its main task, so the free functions use it). */
  readonly loop: EventLoop;
  /** The host the code under test listens on and connects to. */
  readonly host: string;
  /**
   * A program that copies its stdin to its stdout in upper case, chunk by
   * chunk as it arrives; at EOF of stdin it writes `done\n` to stderr and
   * exits with status 3.
   */
  readonly upper: { readonly program: string; readonly args: readonly string[] };
  /**
   * Run `conversation` against the server on `host`:`port` with clients
   * outside the code under test (real sockets on Node, scripted peers in a
   * simulation) and resolve with what each client received.
   */
  converse(port: number, conversation: Conversation): Promise<Transcripts>;
}

export type BackendName = 'node' | 'sim';

/** A backend that runs a body: a fresh loop per run, everything it opened checked closed at the end. */
export interface Backend {
  readonly name: BackendName;
  run<T>(body: (world: World) => Promise<T>): Promise<T>;
}

/** What `upper` exits with, on both backends. */
export const UPPER_STATUS = 3;

/** The `upper` program as a real Node child (`node -e`). */
const UPPER_SOURCE = `
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => process.stdout.write(d.toUpperCase()));
process.stdin.on('end', () => { process.stderr.write('done\\n'); process.exitCode = ${UPPER_STATUS}; });
`;

/** The `upper` program as a simulated one: the same behaviour, chunk by chunk, with backpressure. */
const upperHandler: ProcessHandler = async ({ stdin, stdout, stderr }) => {
  const decoder = new TextDecoder();
  for (;;) {
    const chunk = await stdin.read(64 * 1024);
    if (chunk.length === 0) break;
    stdout.write(decoder.decode(chunk, { stream: true }).toUpperCase());
    await stdout.drain();
  }
  stderr.write('done\n');
  return UPPER_STATUS;
};

/** Node handles simloop may hold; after a run each must be back to its count before the run. */
const HANDLES = /^(TCPWrap|TCPServerWrap|TCPConnectWrap|UDPWrap|PipeWrap|PipeServerWrap|ProcessWrap|ShutdownWrap|WriteWrap|GetAddrInfoReqWrap)$/;

function handleCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) if (HANDLES.test(r)) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

function leakedHandles(before: Map<string, number>): string[] {
  const leaked: string[] = [];
  for (const [kind, n] of handleCounts()) {
    const was = before.get(kind) ?? 0;
    if (n > was) leaked.push(`${n - was} ${kind}`);
  }
  return leaked;
}

/**
 * The Node backend: a fresh `EventLoop` on real sockets and processes,
 * 127.0.0.1 only. Like a strict simulation, a run fails if anything reached
 * the loop's exception handler; and it fails if, after the loop was
 * disposed of, Node holds more sockets, pipes or processes than before.
 */
export const nodeBackend: Backend = {
  name: 'node',
  async run<T>(body: (world: World) => Promise<T>): Promise<T> {
    const before = handleCounts();
    const loop = new EventLoop();
    const reports: ExceptionContext[] = [];
    loop.setExceptionHandler((_loop, ctx) => {
      reports.push(ctx);
    });
    const world: World = {
      backend: 'node',
      loop,
      host: '127.0.0.1',
      upper: { program: process.execPath, args: ['-e', UPPER_SOURCE] },
      converse: (port, conversation) => converseReal('127.0.0.1', port, conversation),
    };
    let result: T;
    try {
      result = await loop.runUntilComplete(() => body(world));
    } finally {
      await loop[Symbol.asyncDispose]();
    }
    if (reports.length > 0) {
      const what = reports.map((r) => `${r.message}${r.exception === undefined ? '' : `: ${String(r.exception)}`}`);
      throw new Error(`node backend: the loop reported ${reports.length} error(s):\n${what.join('\n')}`);
    }
    const leaked = leakedHandles(before);
    if (leaked.length > 0) throw new Error(`node backend: handles left open after the run: ${leaked.join(', ')}`);
    return result;
  },
};

/** The seed of every simulated conformance run: any fixed seed gives one reproducible run. */
export const SIM_SEED = 'conformance';

/**
 * The simulated backend: `simulate()` (strict: unhandled errors, leaked
 * tasks and unmet scripts fail the run), the code under test on
 * 127.0.0.1 of the simulated network, `upper` defined with
 * `world.processes.define`, clients as scripted peers.
 */
export const simBackend: Backend = {
  name: 'sim',
  run<T>(body: (world: World) => Promise<T>): Promise<T> {
    return simulate(async (sim: SimWorld) => {
      sim.processes.define('upper', upperHandler);
      const world: World = {
        backend: 'sim',
        loop: sim.loop,
        host: '127.0.0.1',
        upper: { program: 'upper', args: [] },
        converse: (port, conversation) => converseScripted(sim, '127.0.0.1', port, conversation),
      };
      return body(world);
    }, { seed: SIM_SEED });
  },
};

/** Both backends, for `describe.each(backends)('$name', ...)`. */
export const backends: readonly Backend[] = [nodeBackend, simBackend];
