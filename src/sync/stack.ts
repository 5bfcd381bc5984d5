import type { ItemStore } from './item-store.js';

/** LIFO storage: a plain array used from its end. */
export class Stack<T> implements ItemStore<T> {
  private readonly _items: T[] = [];

  /** The number of items held. */
  get size(): number {
    return this._items.length;
  }

  /** Pushes `item` on top. */
  push(item: T): void {
    this._items.push(item);
  }

  /** Removes and returns the top item; only called when `size > 0`. */
  take(): T {
    return this._items.pop() as T;
  }

  /** Drops every item. */
  clear(): void {
    this._items.length = 0;
  }
}
