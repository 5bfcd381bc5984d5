import { QueueEmpty, QueueFull, QueueShutDown } from '../errors.js';
import type { Future } from '../tasks/future.js';
import { Deque } from './deque.js';
import { describeValue } from './describe-value.js';
import { Event } from './event.js';
import { ItemHeap } from './item-heap.js';
import type { ItemStore } from './item-store.js';
import { LoopBound } from './loop-bound.js';
import { Stack } from './stack.js';
import { removeWaiter } from './waiter-list.js';

/**
 * A FIFO queue for producer and consumer tasks (asyncio.Queue, 3.13
 * semantics). Blocked getters and putters are served in FIFO order, and
 * one that is cancelled after being woken passes its turn to the next, so
 * no item or free slot is stranded. `shutdown()` makes further puts throw
 * `QueueShutDown`, and gets too once the queue is empty.
 */
export class Queue<T = unknown> extends LoopBound {
  private readonly _maxsize: number;
  private readonly _getters: Future<null>[] = [];
  private readonly _putters: Future<null>[] = [];
  private _unfinishedTasks = 0;
  private readonly _finished = new Event();
  private _isShutdown = false;
  /** The items, in the order this kind of queue hands them out. */
  protected readonly _items: ItemStore<T>;

  /** @internal */
  protected get _kind(): string {
    return 'Queue';
  }

  /**
   * A queue holding at most `maxsize` items; `maxsize <= 0` (the default)
   * means unbounded. `TypeError` if `maxsize` is not a number or is NaN.
   */
  constructor(maxsize = 0) {
    super();
    if (typeof maxsize !== 'number' || Number.isNaN(maxsize)) {
      throw new TypeError(`${this._kind}: maxsize must be a number, got ${describeValue(maxsize)}`);
    }
    this._maxsize = maxsize;
    this._finished._waiterLabel = `${this._kind}.join()`;
    this._finished.set();
    this._items = this._createStore();
  }

  /** The store that fixes the order of `get()`: FIFO here; subclasses override it. */
  protected _createStore(): ItemStore<T> {
    return new Deque<T>();
  }

  /** The number of items in the queue. */
  qsize(): number {
    return this._items.size;
  }

  /** The most items the queue holds (`<= 0`: unbounded). */
  get maxsize(): number {
    return this._maxsize;
  }

  /** True when the queue holds no item. */
  empty(): boolean {
    return this._items.size === 0;
  }

  /** True when the queue holds `maxsize` items; never for an unbounded queue. */
  full(): boolean {
    return this._maxsize > 0 && this._items.size >= this._maxsize;
  }

  /**
   * Puts `item`, first waiting (FIFO among putters) while the queue is full.
   * Throws `QueueShutDown` if the queue is shut down, also while waiting.
   */
  async put(item: T): Promise<void> {
    while (this.full()) {
      if (this._isShutdown) throw this._shutDownError('put');
      const putter = this._getLoop().createFuture<null>();
      putter._label = `${this._kind}.put()`;
      this._putters.push(putter);
      try {
        await putter;
      } catch (err) {
        putter.cancel();
        // get() or shutdown() may already have taken it off the list.
        removeWaiter(this._putters, putter);
        // Woken for a free slot that we will not use: pass it on.
        if (!this.full() && !putter.cancelled()) this._wakeupNext(this._putters);
        throw err;
      }
    }
    this.putNowait(item);
  }

  /**
   * Puts `item` without waiting: `QueueFull` if the queue is full,
   * `QueueShutDown` if it is shut down.
   */
  putNowait(item: T): void {
    if (this._isShutdown) throw this._shutDownError('putNowait');
    if (this.full()) {
      throw new QueueFull(`${this._kind}.putNowait(): the queue is full (maxsize ${this._maxsize})`);
    }
    this._items.push(item);
    this._unfinishedTasks += 1;
    this._finished.clear();
    this._wakeupNext(this._getters);
  }

  /**
   * Removes and returns the next item, waiting (FIFO among getters) while
   * the queue is empty. Throws `QueueShutDown` once the queue is shut down
   * and empty.
   */
  async get(): Promise<T> {
    while (this.empty()) {
      if (this._isShutdown) throw this._shutDownError('get');
      const getter = this._getLoop().createFuture<null>();
      getter._label = `${this._kind}.get()`;
      this._getters.push(getter);
      try {
        await getter;
      } catch (err) {
        getter.cancel();
        // put() or shutdown() may already have taken it off the list.
        removeWaiter(this._getters, getter);
        // Woken for an item that we will not take: pass it on.
        if (!this.empty() && !getter.cancelled()) this._wakeupNext(this._getters);
        throw err;
      }
    }
    return this.getNowait();
  }

  /**
   * Removes and returns the next item without waiting: `QueueEmpty` if
   * there is none, `QueueShutDown` if the queue is also shut down.
   */
  getNowait(): T {
    if (this.empty()) {
      if (this._isShutdown) throw this._shutDownError('getNowait');
      throw new QueueEmpty(`${this._kind}.getNowait(): the queue is empty`);
    }
    const item = this._items.take();
    this._wakeupNext(this._putters);
    return item;
  }

  /**
   * Marks one item taken from the queue as processed; `join()` resolves
   * when every item put has been marked. `RangeError` if called more times
   * than items were put.
   */
  taskDone(): void {
    if (this._unfinishedTasks <= 0) {
      throw new RangeError(`${this._kind}.taskDone(): called more times than items were put`);
    }
    this._unfinishedTasks -= 1;
    if (this._unfinishedTasks === 0) this._finished.set();
  }

  /** Waits until every item put has been marked with `taskDone()`. */
  async join(): Promise<void> {
    if (this._unfinishedTasks > 0) await this._finished.wait();
  }

  /**
   * Shuts the queue down: puts throw `QueueShutDown` from now on, and gets
   * once the queue is empty; blocked putters and getters wake to find out.
   * With `immediate`, the queue is also emptied at once, each dropped item
   * counting as done for `join()`.
   */
  shutdown(immediate = false): void {
    if (typeof immediate !== 'boolean') {
      throw new TypeError(`${this._kind}.shutdown: immediate must be a boolean, got ${describeValue(immediate)}`);
    }
    this._isShutdown = true;
    if (immediate) {
      const dropped = this._items.size;
      this._items.clear();
      this._unfinishedTasks = Math.max(0, this._unfinishedTasks - dropped);
      if (this._unfinishedTasks === 0) this._finished.set();
    }
    // Each blocked caller re-checks the state and throws QueueShutDown
    // where it must (a getter still finds the remaining items).
    for (const waiters of [this._getters, this._putters]) {
      while (waiters.length > 0) {
        const fut = waiters.shift() as Future<null>;
        if (!fut.done()) fut.setResult(null);
      }
    }
  }

  /** Wakes the first waiter not yet woken, dropping the ones already done. */
  private _wakeupNext(waiters: Future<null>[]): void {
    while (waiters.length > 0) {
      const fut = waiters.shift() as Future<null>;
      if (!fut.done()) {
        fut.setResult(null);
        break;
      }
    }
  }

  private _shutDownError(op: string): QueueShutDown {
    return new QueueShutDown(`${this._kind}.${op}(): the queue is shut down`);
  }
}

/**
 * A queue that hands out its smallest item first (asyncio.PriorityQueue).
 * Items compare as numbers, strings, or arrays of them element by element,
 * like Python tuples (`[priority, seq, payload]`); putting an item that
 * cannot be compared with those present throws `TypeError`.
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  /** @internal */
  protected override get _kind(): string {
    return 'PriorityQueue';
  }

  protected override _createStore(): ItemStore<T> {
    return new ItemHeap<T>();
  }
}

/** A queue that hands out the most recently put item first (asyncio.LifoQueue). */
export class LifoQueue<T = unknown> extends Queue<T> {
  /** @internal */
  protected override get _kind(): string {
    return 'LifoQueue';
  }

  protected override _createStore(): ItemStore<T> {
    return new Stack<T>();
  }
}
