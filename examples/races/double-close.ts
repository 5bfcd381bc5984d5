/**
 * A double close: two paths close one session, each after an await.
 *
 * A session holds a pooled database connection, and closing it returns the
 * connection to the pool. The client closes its session when it is done; a
 * reaper sweeps every 50 ms and closes sessions idle for 60 ms. The reaper
 * checks that the session is open, then awaits the audit log, then closes it:
 * if the client closes it during that await, the reaper closes it a second
 * time and the pool gets the same connection back twice (a double free: two
 * later requests would share one connection). The pool refuses, with an
 * `InvalidStateError`.
 *
 * Under asyncio's own order (`'fifo'`) the run passes every time: the client
 * logs out at the very millisecond of the sweep that finds its session idle,
 * and ties run in the order they were scheduled, the logout first, so the
 * reaper finds the session closed. In the other order the reaper's check is
 * stale by the time it acts; `explore` finds it.
 *
 * The fix (`reapThenAudit`): act on the check before awaiting anything
 * (close, then write the audit line), so no other task can slip in between.
 */
import { CancelledError, createTask, getRunningLoop, InvalidStateError, Queue, sleep, type SimWorld } from '../../src/index.js';

/** How often the reaper sweeps, and how long a session may sit idle, in ms. */
export const SWEEP_MS = 50;
export const IDLE_LIMIT_MS = 60;
/** A query's round trip and an audit-log write, in ms. */
export const QUERY_MS = 40;
export const AUDIT_MS = 1;

/** A pooled connection. */
export interface Connection {
  readonly id: number;
}

/** A fixed set of connections; `release` of one that is already idle throws (a double free). */
export class ConnectionPool {
  private readonly idle = new Queue<Connection>();
  private readonly idleIds = new Set<number>();

  constructor(size: number) {
    for (let id = 1; id <= size; id++) this.release({ id });
  }

  /** Waits for an idle connection and takes it. */
  async acquire(): Promise<Connection> {
    const conn = await this.idle.get();
    this.idleIds.delete(conn.id);
    return conn;
  }

  /** Gives `conn` back; `InvalidStateError` if it is already back (it would be handed out twice). */
  release(conn: Connection): void {
    if (this.idleIds.has(conn.id)) throw new InvalidStateError(`ConnectionPool.release: connection #${conn.id} is already idle (released twice: a double free)`);
    this.idleIds.add(conn.id);
    this.idle.putNowait(conn);
  }

  /** How many connections are idle now. */
  idleCount(): number {
    return this.idle.qsize();
  }
}

/** A client's session: a connection and when it was last used. `close` frees the connection, once. */
export class Session {
  open = true;
  lastUsed: number;

  constructor(readonly user: string, private readonly pool: ConnectionPool, private readonly conn: Connection, private readonly now: () => number) {
    this.lastUsed = now();
  }

  /** A session for `user` on a connection from `pool` (waits for one when all are taken). */
  static async open(user: string, pool: ConnectionPool, now: () => number): Promise<Session> {
    return new Session(user, pool, await pool.acquire(), now);
  }

  /** Runs `sql` (one round trip); the session counts as used when the answer arrives. */
  async query(sql: string): Promise<string> {
    await sleep(QUERY_MS);
    this.lastUsed = this.now();
    return `rows for ${sql}`;
  }

  /** Ends the session and gives its connection back: a second close frees it twice, and the pool throws. */
  close(): void {
    this.open = false;
    this.pool.release(this.conn);
  }
}

/** How a reaper closes a session its sweep found idle (the sweep checked `isIdle` just before). */
export type Reap = (session: Session, audit: string[]) => Promise<void>;

async function writeAudit(audit: string[], line: string): Promise<void> {
  await sleep(AUDIT_MS);
  audit.push(line);
}

function isIdle(s: Session, now: () => number): boolean {
  return s.open && now() - s.lastUsed >= IDLE_LIMIT_MS;
}

/** The reaper: every SWEEP_MS, reaps each session idle for IDLE_LIMIT_MS, until cancelled. */
export async function runReaper(reap: Reap, sessions: readonly Session[], now: () => number, audit: string[]): Promise<never> {
  for (;;) {
    await sleep(SWEEP_MS);
    for (const s of sessions) if (isIdle(s, now)) await reap(s, audit);
  }
}

/** Buggy: awaits the audit write, then closes on the strength of the sweep's old check. */
export const reapAfterAudit: Reap = async (s, audit) => {
  await writeAudit(audit, `reaping ${s.user}'s idle session`);
  s.close(); // the client may have closed it during the await: a second close
};

/** Fixed: closes in the same step as the check, then writes the audit line. */
export const reapThenAudit: Reap = async (s, audit) => {
  s.close();
  await writeAudit(audit, `reaped ${s.user}'s idle session`);
};

/** A client queries, reads the results for IDLE_LIMIT_MS, and logs out while the reaper sweeps: each connection must end up back in the pool once. */
export async function logoutDuringSweep(reap: Reap): Promise<void> {
  const loop = getRunningLoop();
  const now = (): number => loop.time();
  const pool = new ConnectionPool(2);
  const sessions: Session[] = [];
  const audit: string[] = [];
  const client = createTask(
    async () => {
      const s = await Session.open('ada', pool, now);
      sessions.push(s);
      await s.query('SELECT * FROM orders');
      await sleep(IDLE_LIMIT_MS); // reading the results
      if (s.open) s.close();
    },
    { name: 'client' },
  );
  const sweeper = createTask(() => runReaper(reap, sessions, now, audit), { name: 'reaper' });
  try {
    await client;
    await sleep(SWEEP_MS); // one more sweep after the logout
  } finally {
    sweeper.cancel();
  }
  try {
    await sweeper;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
  }
  if (pool.idleCount() !== 2) throw new Error(`the pool holds ${pool.idleCount()} idle connections, expected 2`);
}

/** The buggy scenario (the default export, for `explore` and the CLI). */
export async function buggy(_world: SimWorld): Promise<void> {
  await logoutDuringSweep(reapAfterAudit);
}

/** The fixed scenario: passes under every schedule. */
export async function fixed(_world: SimWorld): Promise<void> {
  await logoutDuringSweep(reapThenAudit);
}

export default buggy;
