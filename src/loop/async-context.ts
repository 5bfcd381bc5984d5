import { AsyncLocalStorage, AsyncResource, executionAsyncResource } from 'node:async_hooks';
import { currentFrame, enterFrame, restoreFrame, type Frame } from './context.js';

/**
 * An async context captured when a callback was scheduled, to run it in
 * later; `null` when the scheduling code had no AsyncLocalStorage store set,
 * so that nothing needs restoring beyond the frame the loop sets anyway
 * (simloop's frames are not AsyncLocalStorage stores: see context.ts).
 */
export type CapturedContext = AsyncResource | null;

/** The description Node gives the per-instance key of an AsyncLocalStorage's store. */
const STORE_KEY_DESCRIPTION = 'kResourceStore';

/**
 * Whether this Node keeps AsyncLocalStorage stores as symbol-keyed properties
 * of the current async resource (Node 20 and 22 by default). Only then can
 * the loop see, cheaply, that no user store is set and skip the capture; on a
 * Node whose stores live elsewhere (AsyncContextFrame), it always captures.
 */
const storesOnResources: boolean = (() => {
  const probe = new AsyncLocalStorage<string>();
  if (typeof (probe as unknown as { kResourceStore?: unknown }).kResourceStore !== 'symbol') return false;
  let seen = false;
  probe.run('simloop-probe', () => {
    const r = executionAsyncResource() as Record<symbol, unknown>;
    seen = Object.getOwnPropertySymbols(r).some((s) => r[s] === 'simloop-probe' && s.description === STORE_KEY_DESCRIPTION);
  });
  probe.disable();
  return seen;
})();

/** The store keys of the AsyncLocalStorages that are enabled. */
let userKeys: symbol[] = [];
/** Bumped whenever an AsyncLocalStorage is enabled (the wrap below); userKeys is refreshed when it moved. */
let enableCount = 0;
let keysAt = -1;

/**
 * Node propagates every enabled AsyncLocalStorage's key onto every new async
 * resource, so a fresh resource shows the keys of all of them. Reading those
 * few keys on the current resource is the whole check; listing a resource's
 * symbols on each check instead cost about a microsecond (Node's resources
 * are dictionary-mode objects), a third of a simulated timer's cost.
 */
function refreshUserKeys(): void {
  keysAt = enableCount;
  const probe = new AsyncResource('simloop.Probe', { requireManualDestroy: true }) as unknown as Record<symbol, unknown>;
  userKeys = Object.getOwnPropertySymbols(probe).filter((k) => k.description === STORE_KEY_DESCRIPTION);
}

/**
 * Whether the loop learns of AsyncLocalStorages enabled after it was loaded:
 * it wraps `AsyncLocalStorage.prototype._enable` (Node 20 and 22) to count
 * enables, so that a storage first used later is seen at once. Where that
 * method is missing, each check lists the resource's symbols instead.
 */
const tracksEnables: boolean = (() => {
  if (!storesOnResources) return false;
  const proto = AsyncLocalStorage.prototype as unknown as { _enable?: (this: { enabled?: boolean }) => void };
  const original = proto._enable;
  if (typeof original !== 'function') return false;
  proto._enable = function enable(this: { enabled?: boolean }): void {
    if (this.enabled !== true) enableCount++;
    original.call(this);
  };
  return true;
})();

/** The store keys of the enabled AsyncLocalStorages, refreshed if one was enabled since (only where `tracksEnables`). */
function enabledStoreKeys(): symbol[] {
  if (keysAt !== enableCount) refreshUserKeys();
  return userKeys;
}

/**
 * Whether any AsyncLocalStorage is enabled (simloop's own sim helpers
 * count), so that code may carry a store; true where that cannot be told.
 */
export function userStoresEnabled(): boolean {
  return !tracksEnables || enabledStoreKeys().length > 0;
}

/** True when the code running now has an AsyncLocalStorage store set. */
function hasUserStore(): boolean {
  if (tracksEnables) {
    const keys = enabledStoreKeys();
    // No user storage enabled (the common case): no store to look for, and
    // no executionAsyncResource(), whose keyed lookup on whatever resource
    // is current (Immediates, promises, sockets) is megamorphic.
    if (keys.length === 0) return false;
    const r = executionAsyncResource() as Record<symbol, unknown>;
    for (let i = 0; i < keys.length; i++) if (r[keys[i]!] !== undefined) return true;
    return false;
  }
  const r = executionAsyncResource() as Record<symbol, unknown>;
  const keys = Object.getOwnPropertySymbols(r);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (r[k] !== undefined && k.description === STORE_KEY_DESCRIPTION) return true;
  }
  return false;
}

/**
 * Whether a loop driver can drop the user stores of the code that woke it
 * itself (`resetEnteredStores` on entry): where stores live on async
 * resources. Elsewhere it must be queued from a clean context.
 */
export const driversEnterOwnContext: boolean = storesOnResources;

/**
 * Undo any `AsyncLocalStorage.enterWith` made on the current async resource
 * since it was created in `clean`'s context: user stores go back to
 * `clean`'s. A loop driver runs many callbacks in one immediate, and a store
 * one of them entered must end with it, as it would in an immediate of its
 * own. Free while no user AsyncLocalStorage is enabled.
 */
export function resetEnteredStores(clean: AsyncResource): void {
  if (!storesOnResources) return;
  const c = clean as unknown as Record<symbol, unknown>;
  if (tracksEnables) {
    const keys = enabledStoreKeys();
    if (keys.length === 0) return;
    const r = executionAsyncResource() as Record<symbol, unknown>;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (r[k] !== c[k]) r[k] = c[k];
    }
    return;
  }
  const r = executionAsyncResource() as Record<symbol, unknown>;
  const keys = Object.getOwnPropertySymbols(r);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (k.description === STORE_KEY_DESCRIPTION && r[k] !== c[k]) r[k] = c[k];
  }
}

/**
 * Capture the caller's async context for a callback to run in later. A
 * fresh AsyncResource costs an allocation and a store copy per callback, so
 * it is made only when there is a user store to carry; otherwise the
 * callback runs in a context without user stores, which is what it would
 * have seen (async_hooks trigger ids aside).
 */
export function captureContext(): CapturedContext {
  if (storesOnResources && !hasUserStore()) return null;
  return new AsyncResource('simloop.Handle', { requireManualDestroy: true });
}

/**
 * Run `fn(...args)` in `ctx` (null: the current context) with simloop's `frame` current.
 */
export function runInContext<A extends unknown[], R>(ctx: CapturedContext, frame: Frame, fn: (...args: A) => R, ...args: A): R {
  if (ctx !== null) return ctx.runInAsyncScope(runFrame, null, frame, fn, args) as R;
  return runFrame(frame, fn, args);
}

function runFrame<A extends unknown[], R>(frame: Frame, fn: (...args: A) => R, args: A): R {
  if (currentFrame() === frame) return fn.apply(null, args);
  const old = enterFrame(frame);
  try {
    return fn.apply(null, args);
  } finally {
    restoreFrame(old);
  }
}
