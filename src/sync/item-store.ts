/**
 * Where a queue keeps its items; the order of `take()` is the queue's
 * discipline (FIFO, LIFO, priority). This is asyncio's `_init/_put/_get`
 * hook trio, as one object. `push` and `take` either succeed or leave the
 * store unchanged.
 */
export interface ItemStore<T> {
  /** The number of items held. */
  readonly size: number;
  /** Adds an item. */
  push(item: T): void;
  /** Removes and returns the next item; only called when `size > 0`. */
  take(): T;
  /** Drops every item. */
  clear(): void;
}
