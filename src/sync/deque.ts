import type { ItemStore } from './item-store.js';

const MIN_CAPACITY = 8;

/**
 * A FIFO ring buffer: `push` at the back, `take` from the front, both O(1)
 * (`Array.prototype.shift` is O(n) once an array is large).
 */
export class Deque<T> implements ItemStore<T> {
  private _buf: (T | undefined)[] = new Array<T | undefined>(MIN_CAPACITY);
  private _head = 0;
  private _size = 0;

  /** The number of items held. */
  get size(): number {
    return this._size;
  }

  /** Appends `item` at the back. */
  push(item: T): void {
    if (this._size === this._buf.length) this._grow();
    this._buf[(this._head + this._size) & (this._buf.length - 1)] = item;
    this._size += 1;
  }

  /** Removes and returns the front item; only called when `size > 0`. */
  take(): T {
    const item = this._buf[this._head] as T;
    // Drop the reference so a taken item can be collected.
    this._buf[this._head] = undefined;
    this._head = (this._head + 1) & (this._buf.length - 1);
    this._size -= 1;
    return item;
  }

  /** Drops every item and returns to the initial capacity. */
  clear(): void {
    this._buf = new Array<T | undefined>(MIN_CAPACITY);
    this._head = 0;
    this._size = 0;
  }

  /** Doubles the capacity (kept a power of two, so indices wrap with a mask). */
  private _grow(): void {
    const old = this._buf;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this._size; i++) next[i] = old[(this._head + i) & (old.length - 1)];
    this._buf = next;
    this._head = 0;
  }
}
