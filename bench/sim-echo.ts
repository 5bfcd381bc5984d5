/**
 * The simulated network's speed: 64-byte echo round trips per wall-clock
 * second inside one `simulate()` (client and echo server in the same world,
 * Protocol API then Streams API) against the very same client and server
 * code on simloop's own loop with the Node backend on real loopback, in the
 * same process run. Goal: >= 3x the Node backend.
 *
 * Then the 1,000-connection scenario: 1,000 clients each doing a few round
 * trips to one server over links of 5 s one-way latency (10 s of virtual
 * time per round trip); its time on the bench clock, world creation
 * included (goal: well under a second, graded at < 0.5 s), and the virtual
 * time it covered.
 */
import { openConnection, simulate, startServer, type EventLoop, type Server, type SocketAddress } from '../src/index.js';
import { clockKind, compare, fmt, now, printRow, type Benchmark, type Row } from './harness.js';
import { ECHO_SIZE, EchoProtocol, PingProtocol, message, onLoop, rateRow, streamsEchoServer } from './net-support.js';

const NAME = 'sim-echo';
const SIZE = ECHO_SIZE;
/**
 * Sequential round trips per trial: enough for a steady rate on each side
 * (a trial on the simulated network is far shorter, so it does more: a few
 * milliseconds of it would mostly time the JIT), few enough that Node's
 * side stays near a second.
 */
const N_NODE = 1e4;
const N_SIM = 1e5;
const MSG = message(SIZE);
const CONNS = 1000;
const TRIPS = 3;
/** One-way latency of the scenario's links: a round trip takes 10 s of virtual time. */
const ONE_WAY_MS = 5000;
/** "Well under a second", graded. */
const SCENARIO_GOAL_MS = 500;

const portOf = (server: Server): number => (server.sockets()[0]!.getsockname() as SocketAddress).port;

/** A body run on either backend: its setup, then the timed section it returns. */
type Body = (loop: EventLoop) => Promise<() => Promise<void>>;

/**
 * The objects of the trial before (its world or loop, server, connections),
 * kept until the next trial has set up. The harness forces a full GC before
 * every trial: once no instance of a class is alive, that GC drops its
 * hidden classes and V8 throws away every function optimized for them, so
 * each trial would measure a cold JIT. A long-lived program always has
 * live instances of these classes, so both backends keep their last
 * trial's objects (measured: without this, a trial of the simulation ran
 * 3 to 5 times slower, timing mostly the JIT re-optimizing).
 */
let kept: unknown[] = [];
function keep(loop: EventLoop, ...xs: unknown[]): void {
  // Handles of both kinds too (cancelled, so they hold nothing up): a finished world keeps none.
  const noop = (): void => {};
  const later = loop.callLater(1, noop);
  const soon = loop.callSoon(noop);
  later.cancel();
  soon.cancel();
  kept.push(loop, later, soon, ...xs);
}

/** Protocol API on both ends: one connection, `trips` sequential round trips. */
export function protocolBody(trips: number): Body {
  return async (loop) => {
    const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 0);
    const done = loop.createFuture<void>();
    const ping = new PingProtocol(trips, () => done.setResult(undefined));
    const [transport] = await loop.createConnection(() => ping, '127.0.0.1', portOf(server));
    keep(loop, server, ping, transport);
    return async () => {
      ping.start();
      await done;
      transport.close();
      server.close();
      await server.waitClosed();
    };
  };
}

/** Streams API on both ends: the server echoes each `read()`, the client writes then `readexactly(64)`. */
export function streamsBody(trips: number): Body {
  return async (loop) => {
    const server = await startServer(streamsEchoServer, '127.0.0.1', 0);
    const [reader, writer] = await openConnection('127.0.0.1', portOf(server));
    keep(loop, server, reader, writer);
    return async () => {
      for (let i = 0; i < trips; i++) {
        writer.write(MSG);
        await reader.readexactly(SIZE);
      }
      writer.close();
      server.close();
      await server.waitClosed();
    };
  };
}

/** Run `body` in a fresh simulated world; returns the ms of its timed section. */
export async function inSim(body: Body, seed = 1): Promise<number> {
  kept = [];
  return simulate(async (world) => {
    keep(world.loop, world);
    const timed = await body(world.loop);
    const t0 = now();
    await timed();
    return now() - t0;
  }, { seed });
}

function onNode(body: Body): Promise<number> {
  kept = [];
  return onLoop(body, now);
}

/** What the 1,000-connection scenario measured: ms of the whole run on the bench clock (wall, or CPU with BENCH_CLOCK=cpu), virtual ms it covered. */
export interface ScenarioResult {
  elapsedMs: number;
  virtualMs: number;
}

/**
 * 1,000 clients connect to one echo server over 5 s one-way links and each
 * does `TRIPS` round trips (Streams API on the client, Protocol API on the
 * server); everything, world creation included, is timed.
 */
export async function thousandConnections(seed = 1): Promise<ScenarioResult> {
  kept = [];
  const t0 = now();
  const virtualMs = await simulate(async (world) => {
    world.network.setDefaults({ latency: ONE_WAY_MS });
    const loop = world.loop;
    const server = await loop.createServer(() => new EchoProtocol(), '127.0.0.1', 8000);
    keep(loop, world, server);
    const start = loop.time();
    await Promise.all(
      Array.from({ length: CONNS }, async (_, i) => {
        const [reader, writer] = await openConnection('127.0.0.1', 8000);
        if (i === 0) keep(loop, reader, writer);
        for (let i = 0; i < TRIPS; i++) {
          writer.write(MSG);
          await reader.readexactly(SIZE);
        }
        writer.close();
        await writer.waitClosed();
      }),
    );
    const elapsed = loop.time() - start;
    server.close();
    await server.waitClosed();
    return elapsed;
  }, { seed });
  return { elapsedMs: now() - t0, virtualMs };
}

const rtps = (ms: number, trips: number): number => trips / (ms / 1000);

export const simEcho: Benchmark = {
  name: NAME,
  title: `simulated echo (${SIZE}-byte round trips in one simulate()) vs the Node backend on loopback, same code (round trips/s)`,
  async run(): Promise<Row[]> {
    const rows: Row[] = [];
    const [nodeP, simP, nodeS, simS] = await compare(
      [() => onNode(protocolBody(N_NODE)), () => inSim(protocolBody(N_SIM)), () => onNode(streamsBody(N_NODE)), () => inSim(streamsBody(N_SIM))],
      { warmup: 3, repeats: 5 },
    );
    rows.push(rateRow(NAME, '1 conn, sequential, Protocol', 'rt/s', 'node backend', rtps(nodeP!, N_NODE), rtps(simP!, N_SIM), 3));
    printRow(rows.at(-1)!);
    rows.push(rateRow(NAME, '1 conn, sequential, Streams', 'rt/s', 'node backend', rtps(nodeS!, N_NODE), rtps(simS!, N_SIM), 3));
    printRow(rows.at(-1)!);

    const { virtualMs } = await thousandConnections();
    const [wall] = await compare([async () => (await thousandConnections()).elapsedMs], { warmup: 2, repeats: 5 });
    const kase = `${CONNS} conns x ${TRIPS} round trips, 10 s virtual per trip (virtual ${fmt(virtualMs / 1000)} s)`;
    rows.push({
      bench: NAME,
      case: kase,
      unit: clockKind === 'cpu' ? 'ms CPU' : 'ms wall',
      peerName: '',
      peer: null,
      ours: wall!,
      ratio: null,
      ratioLabel: '',
      goal: `< ${SCENARIO_GOAL_MS} ms`,
      pass: wall! < SCENARIO_GOAL_MS,
    });
    printRow(rows.at(-1)!);
    return rows;
  },
};
