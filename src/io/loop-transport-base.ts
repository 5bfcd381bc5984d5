import type { CapturedContext } from '../loop/async-context.js';
import type { EventLoop } from '../loop/event-loop.js';
import { Future } from '../tasks/future.js';
import type { BaseProtocol } from './protocols.js';

/** What a transport's backend endpoint must answer: extra info by name (undefined when it has none). */
export interface ExtraInfoSource {
  getExtraInfo(name: string): unknown;
}

/**
 * What the datagram and pipe transports share: protocol calls run as loop
 * callbacks in the creator's async context, in the order they were
 * scheduled, `connectionMade` first and `connectionLost` exactly once;
 * `isClosing`, a replaceable protocol, extra info from the backend's
 * endpoint, and `await using` (close, then wait until `connectionLost` ran).
 */
export abstract class LoopTransportBase<P extends BaseProtocol, R extends ExtraInfoSource> implements AsyncDisposable {
  protected protocol: P;
  protected closing = false;
  protected lost = false;
  private readonly lostFuture: Future<void>;

  constructor(
    protected readonly loop: EventLoop,
    protected readonly raw: R,
    protocol: P,
    private readonly ctx: CapturedContext,
  ) {
    this.protocol = protocol;
    this.lostFuture = new Future<void>({ loop });
    this.schedule(() => this.protocol.connectionMade?.(this));
  }

  /** Run `fn` as a loop callback in the creator's context (nothing once the loop is closed). */
  protected schedule(fn: () => void): void {
    if (this.loop.isClosed()) return;
    this.loop._scheduleInContext(fn, [], this.ctx);
  }

  /** Tell the protocol, once; the transport counts as closing from then on. */
  protected connectionLost(error: Error | null): void {
    if (this.lost) return;
    this.lost = true;
    this.closing = true;
    try {
      this.protocol.connectionLost?.(error);
    } finally {
      if (!this.lostFuture.done()) this.lostFuture.setResult(undefined);
    }
  }

  /** Close; `connectionLost` follows. Idempotent. */
  abstract close(): void;

  isClosing(): boolean {
    return this.closing;
  }

  /** The backend endpoint's extra info `name`, else `defaultValue`. */
  getExtraInfo<T = unknown>(name: string, defaultValue?: T): T | undefined {
    const v = this.raw.getExtraInfo(name);
    return v === undefined ? defaultValue : (v as T);
  }

  getProtocol(): P {
    return this.protocol;
  }

  setProtocol(protocol: unknown): void {
    this.protocol = protocol as P;
  }

  /** `close()`, then wait until `connectionLost` has run. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    if (!this.lostFuture.done() && !this.loop.isClosed()) await this.lostFuture;
  }
}
