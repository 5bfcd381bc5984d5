import type { EventLoop } from '../../loop/event-loop.js';
import { getEventLoop } from '../../loop/running-loop.js';
import type { Future } from '../../tasks/future.js';
import '../../tasks/loop-methods.js';
import { Protocol } from '../protocols.js';
import { connectionLostError } from './connection-lost-error.js';

/**
 * asyncio's FlowControlMixin: a protocol that records the transport's
 * `pauseWriting`/`resumeWriting` and lets writers wait for the pause to end
 * (`StreamWriter.drain()`). Subclasses that override `connectionLost`,
 * `pauseWriting` or `resumeWriting` must call these.
 */
export class FlowControlProtocol extends Protocol {
  /** @internal */ readonly _loop: EventLoop;
  /** @internal true between pauseWriting and resumeWriting */
  _paused = false;
  /** @internal */ _connectionLost = false;
  private readonly _drainWaiters = new Set<Future<void>>();

  constructor(opts: { loop?: EventLoop } = {}) {
    super();
    this._loop = opts.loop ?? getEventLoop();
  }

  /** The transport's buffer went above its high-water mark: `drain()` waits from now on. */
  override pauseWriting(): void {
    this._paused = true;
  }

  /** The transport's buffer drained: every waiting `drain()` returns. */
  override resumeWriting(): void {
    this._paused = false;
    for (const waiter of this._drainWaiters) {
      if (!waiter.done()) waiter.setResult();
    }
  }

  /** The connection is gone: waiting `drain()`s end, with `error` when there is one. */
  override connectionLost(error: Error | null): void {
    this._connectionLost = true;
    if (!this._paused) return;
    for (const waiter of this._drainWaiters) {
      if (waiter.done()) continue;
      if (error === null) waiter.setResult();
      else waiter.setException(error);
    }
  }

  /** @internal what drain() awaits: nothing unless writing is paused; `ECONNRESET` once the connection is lost. */
  _drainHelper(): Promise<void> {
    if (this._connectionLost) return Promise.reject(connectionLostError());
    // Not paused (the usual case): a settled promise, without the frame and
    // promises of an async function.
    if (!this._paused) return DRAINED;
    return this._waitDrained();
  }

  private async _waitDrained(): Promise<void> {
    const waiter = this._loop.createFuture<void>();
    waiter._label = 'drain()';
    this._drainWaiters.add(waiter);
    try {
      await waiter;
    } finally {
      this._drainWaiters.delete(waiter);
    }
  }
}

/** What `_drainHelper` returns when there is nothing to wait for (settled promises are immutable, so one serves all). */
const DRAINED: Promise<void> = Promise.resolve();
