const INITIAL_CAPACITY = 4;
/** What an empty ring starts with: its first push allocates (many queues of a connection never hold anything). */
const NONE: never[] = [];

/**
 * A FIFO in a circular array that doubles when full: pushing and shifting
 * allocate nothing once it has grown to its working size. The network's
 * queues empty after nearly every chunk, and a fresh array each time they do
 * was most of its garbage.
 */
export class Ring<T> {
  private _items: (T | undefined)[] = NONE;
  private _head = 0;
  private _size = 0;

  /** Items queued. */
  get size(): number {
    return this._size;
  }

  push(item: T): void {
    if (this._size === this._items.length) this._grow();
    this._items[(this._head + this._size) & (this._items.length - 1)] = item;
    this._size++;
  }

  /** The item `i` places from the front (0: the front), undefined past the end. */
  at(i: number): T | undefined {
    return i < this._size ? this._items[(this._head + i) & (this._items.length - 1)] : undefined;
  }

  /** Replace the item `i` (< size) places from the front. */
  setAt(i: number, item: T): void {
    this._items[(this._head + i) & (this._items.length - 1)] = item;
  }

  /** Remove and return the front item, or undefined. */
  shift(): T | undefined {
    if (this._size === 0) return undefined;
    const items = this._items;
    const item = items[this._head];
    items[this._head] = undefined;
    this._head = (this._head + 1) & (items.length - 1);
    this._size--;
    return item;
  }

  /** Drop everything (what the ring held is let go). */
  clear(): void {
    if (this._size === 0) return;
    this._items = NONE;
    this._head = 0;
    this._size = 0;
  }

  /** Double the capacity (always a power of two), keeping the order. */
  private _grow(): void {
    const old = this._items;
    const items: (T | undefined)[] = new Array(old.length === 0 ? INITIAL_CAPACITY : old.length * 2);
    for (let i = 0; i < this._size; i++) items[i] = old[(this._head + i) & (old.length - 1)];
    this._items = items;
    this._head = 0;
  }
}
