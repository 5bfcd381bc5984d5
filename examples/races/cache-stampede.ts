/**
 * Check-then-act on a cache: a stampede.
 *
 * `ProfileCache.get` checks the cache, and on a miss fetches from the origin
 * and stores the answer. Between the check and the store there is an await
 * (the fetch), so a second request for the same key that checks during it
 * misses too and fetches again. With a thousand requests at once, the origin
 * gets a thousand identical fetches: the thundering herd the cache was there
 * to prevent.
 *
 * Under asyncio's own order (`'fifo'`) the run passes every time: the second
 * page view lands the very millisecond the first fetch returns, and ties run
 * in the order they were scheduled, the fetch's answer first, so the second
 * view hits. In the other order it misses and fetches again; `explore`
 * finds it.
 *
 * The fix (`SingleFlightCache`): store the in-flight fetch itself (a task)
 * before awaiting it, so every request for the key awaits the one fetch.
 */
import { createTask, gather, sleep, type SimWorld, type Task } from '../../src/index.js';

/** The origin's response time, in ms. */
export const FETCH_MS = 50;

/** The slow service behind the cache; counts the fetches it serves. */
export class ProfileOrigin {
  fetches = 0;

  /** `user`'s profile, after FETCH_MS. */
  async fetch(user: string): Promise<string> {
    this.fetches++;
    await sleep(FETCH_MS);
    return `profile of ${user}`;
  }
}

/** A read-through cache. */
export interface Cache {
  get(user: string): Promise<string>;
}

/** Buggy: checks, awaits the fetch, then stores; concurrent misses each fetch. */
export class ProfileCache implements Cache {
  private readonly entries = new Map<string, string>();

  constructor(private readonly origin: ProfileOrigin) {}

  /** The cached profile, or the origin's (stored for next time). */
  async get(user: string): Promise<string> {
    const hit = this.entries.get(user);
    if (hit !== undefined) return hit;
    const profile = await this.origin.fetch(user);
    this.entries.set(user, profile);
    return profile;
  }
}

/** Fixed: the first miss stores its fetch task at once; later requests await that task. A failed fetch is forgotten, so the next request retries. */
export class SingleFlightCache implements Cache {
  private readonly entries = new Map<string, Task<string>>();

  constructor(private readonly origin: ProfileOrigin) {}

  /** The cached profile, or the one fetch of it in flight. */
  async get(user: string): Promise<string> {
    let entry = this.entries.get(user);
    if (entry === undefined) {
      const fetching = createTask(() => this.origin.fetch(user), { name: `fetch-${user}` });
      fetching.addDoneCallback((t) => {
        if (t.cancelled() || t.exception() !== null) this.entries.delete(user);
      });
      this.entries.set(user, (entry = fetching));
    }
    return await entry;
  }
}

/** Two page views of Ada's profile, the second one fetch-time after the first: the origin must be asked once. */
export async function twoPageViews(makeCache: (origin: ProfileOrigin) => Cache): Promise<void> {
  const origin = new ProfileOrigin();
  const cache = makeCache(origin);
  const pages = await gather([
    createTask(() => cache.get('ada'), { name: 'view-1' }),
    createTask(
      async () => {
        await sleep(FETCH_MS);
        return cache.get('ada');
      },
      { name: 'view-2' },
    ),
  ]);
  if (pages[0] !== pages[1]) throw new Error(`the two views disagree: ${JSON.stringify(pages)}`);
  if (origin.fetches !== 1) throw new Error(`cache stampede: the origin was asked ${origin.fetches} times for one profile, expected 1`);
}

/** The buggy scenario (the default export, for `explore` and the CLI). */
export async function buggy(_world: SimWorld): Promise<void> {
  await twoPageViews((origin) => new ProfileCache(origin));
}

/** The fixed scenario: passes under every schedule. */
export async function fixed(_world: SimWorld): Promise<void> {
  await twoPageViews((origin) => new SingleFlightCache(origin));
}

export default buggy;
