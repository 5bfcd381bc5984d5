import { CancelledError, IncompleteReadError, InvalidStateError, LimitOverrunError } from '../../errors.js';
import type { EventLoop } from '../../loop/event-loop.js';
import { getEventLoop } from '../../loop/running-loop.js';
import { settleablePromise } from '../../loop/settleable-promise.js';
import { HandleKind } from '../../loop/handle.js';
import { handleArgs } from '../../loop/young.js';
import { awaitingTask, outcomeDetail, resumeTask, suspendTask, type AwaitedFuture, type AwaitingTask, type DescribedWake } from '../../tasks/future.js';
import '../../tasks/loop-methods.js';
import { ByteBuffer } from './byte-buffer.js';
import { emptyBytes, toBytes, type BytesLike } from './bytes.js';

/** asyncio's default reader limit: 64 KiB. */
export const DEFAULT_LIMIT = 64 * 1024;

/** The part of a transport a reader drives for flow control. */
export interface ReaderTransport {
  pauseReading(): void;
  resumeReading(): void;
}

/** Options of `new StreamReader()`. */
export interface StreamReaderOptions {
  /** Buffer limit in bytes (default 64 KiB): separators must be found within it; reading pauses above twice it. */
  limit?: number;
  /** The loop its waits belong to; default: the running loop when it first waits. */
  loop?: EventLoop;
}

const NEWLINE = Buffer.from('\n');
const NEWLINE_ONLY = [NEWLINE];

/** What a read step returns when it needs more data than is buffered. */
const WAIT = Symbol('WAIT');

/** A read's scheduled wakeup delivers data (no error). */
const NO_ERROR = Symbol('NO_ERROR');

/** What a task waiting on a read awaits, in deadlock reports and traces. */
const WAITING_FOR = 'StreamReader data';

/** The kinds of read a PendingRead carries out. */
const enum ReadKind {
  /** `read(n)`, n > 0, that found nothing buffered: after its one wait, up to n of what is buffered then (as asyncio, it waits once at most). */
  Some = 0,
  /** `readexactly(n)`, n > 0. */
  Exact = 1,
  /** `readuntil(separators)`. */
  Until = 2,
  /** `readline()`: readuntil('\n'), with asyncio's handling of EOF and of an overlong line. */
  Line = 3,
}

/** The method names reads report in errors, by kind. */
const READ_NAMES = ['read', 'readexactly', 'readuntil', 'readline'] as const;

/**
 * A read waiting for data: `step()` is one look at the buffer (the read's
 * result, or WAIT for more data). Each wakeup of the reader runs the step
 * again, inside the wakeup callback of the task that reads (where asyncio
 * resumes `_wait_for_data`), and settles the read's promise or waits once
 * more. An object with its state in fields rather than a closure per call (a
 * fresh closure costs V8 a lazy-compile stub on its first call, on every
 * read), and one class for every kind rather than a subclass per kind
 * (constructing a subclass costs V8 a generic builtin call to find and run
 * the base constructor wherever it does not inline the construction).
 *
 * A waiting read is also what its task awaits (asyncio's `await
 * self._waiter`): cancelling the task cancels the read's wait. It stands in
 * for a loop future made per wait, which would cost the future, its done
 * entry and its bookkeeping on every read that waits.
 */
class PendingRead implements AwaitedFuture, DescribedWake {
  _resolve: ((data: Uint8Array) => void) | null = null;
  _reject: ((e: unknown) => void) | null = null;
  /** The task that reads (set when the read first waits). */
  task: AwaitingTask | null = null;
  /** What the scheduled wakeup delivers: NO_ERROR (a look at the buffer), or the error to reject with. */
  _error: unknown = NO_ERROR;

  constructor(
    readonly reader: StreamReader,
    private readonly kind: ReadKind,
    /** The byte count of `Some` and `Exact`. */
    private readonly n: number,
    /** The separators of `Until` and `Line`. */
    private readonly search: SeparatorSearch | null,
  ) {}

  /** The read's method name, for errors. */
  get funcName(): string {
    return READ_NAMES[this.kind];
  }

  /** One look at the buffer: the read's result, or WAIT for more data; throws the read's error. */
  step(): Uint8Array | typeof WAIT {
    const reader = this.reader;
    switch (this.kind) {
      case ReadKind.Some:
        return reader._take(this.n);
      case ReadKind.Exact: {
        const buffer = reader._buffer;
        if (buffer.length < this.n) {
          if (reader._eof) throw new IncompleteReadError(buffer.take(buffer.length), this.n);
          return WAIT;
        }
        return reader._take(this.n);
      }
      case ReadKind.Until:
        return reader._readuntilStep(this.search!);
      case ReadKind.Line:
        try {
          return reader._readuntilStep(this.search!);
        } catch (e) {
          if (e instanceof IncompleteReadError) return e.partial;
          if (e instanceof LimitOverrunError) reader._dropOverlongLine(e.consumed);
          throw e;
        }
    }
  }

  /** The wakeup: one more look at the buffer, then settle the read's promise or wait again. */
  _wakeResult(): void {
    let r: Uint8Array | typeof WAIT;
    try {
      r = this.step();
      if (r === WAIT) {
        this.reader._beginWait(this);
        return;
      }
    } catch (e) {
      this._reject!(e);
      return;
    }
    this._resolve!(r);
  }

  /** Cancel the wait (the task was cancelled): the read rejects with `CancelledError`; false once woken. */
  cancel(msg?: string): boolean {
    return this.reader._cancelRead(this, msg);
  }

  _describe(): string {
    return WAITING_FOR;
  }

  _wakeDetail(): string {
    const error = this._error;
    return outcomeDetail(WAITING_FOR, error instanceof CancelledError, error !== NO_ERROR);
  }
}

/**
 * A waiting read's wakeup (a loop callback in the reading task's name):
 * the task's pending cancellation first, as a future's wakeup delivers it;
 * then the error it was woken with, or one more look at the buffer.
 */
function deliverRead(read: PendingRead): void {
  const error = read._error;
  read._error = NO_ERROR;
  const cancellation = read.task === null ? null : resumeTask(read.task, read);
  if (cancellation !== null) read._reject!(cancellation);
  else if (error === NO_ERROR) read._wakeResult();
  else read._reject!(error);
}

/** The state of one `readuntil` across waits: the separators and how far the buffer is known to hold none. */
class SeparatorSearch {
  readonly minSeplen: number;
  readonly maxSeplen: number;
  /** Bytes before this index are known to hold no complete separator. */
  offset = 0;
  /** `seps` sorted by length, as `checkSeparators` returns them. */
  constructor(readonly seps: Uint8Array[]) {
    this.minSeplen = seps[0]!.length;
    this.maxSeplen = seps[seps.length - 1]!.length;
  }
}

function lineResult(line: Uint8Array): IteratorResult<Uint8Array> {
  return line.length === 0 ? { done: true, value: undefined } : { done: false, value: line };
}

/** Check a limit: a positive integer (asyncio: "Limit cannot be <= 0"). */
export function checkLimit(limit: unknown, where: string): number {
  if (typeof limit !== 'number' || Number.isNaN(limit)) {
    throw new TypeError(`${where}: limit must be a number of bytes, got ${typeof limit === 'number' ? 'NaN' : typeof limit}`);
  }
  if (limit <= 0 || !Number.isInteger(limit)) {
    throw new RangeError(`${where}: limit must be a positive integer, got ${limit}`);
  }
  return limit;
}

function checkSeparators(separator: unknown): Uint8Array[] {
  const list = Array.isArray(separator) ? separator : [separator];
  if (list.length === 0) throw new RangeError('readuntil: separator must contain at least one element');
  const seps = list.map((s) => toBytes(s, 'readuntil: separator'));
  // asyncio sorts by length: the shortest decides when a search is worth
  // doing, the longest how far back the next search must start.
  seps.sort((a, b) => a.length - b.length);
  if (seps[0]!.length === 0) throw new RangeError('readuntil: separator must be at least one byte');
  return seps;
}

/**
 * asyncio.StreamReader: a buffer that a protocol feeds (`feedData`,
 * `feedEof`, `setException`) and that tasks read from. One task may wait for
 * data at a time. Reading enforces the limit: `readuntil()` and `readline()`
 * throw `LimitOverrunError` when no separator is found within it; and the
 * transport is paused while more than twice the limit is buffered, resumed
 * once reading brings it down to the limit. Results are Uint8Arrays (Node
 * Buffers) that the caller owns: copies of what `feedData` got, or views of
 * the chunks a transport handed over (no one else writes to those).
 */
export class StreamReader implements AsyncIterable<Uint8Array> {
  /** @internal */ readonly _limit: number;
  /** @internal */ _loop: EventLoop | null;
  /** @internal */ _transport: ReaderTransport | null = null;
  /** @internal */ readonly _buffer = new ByteBuffer();
  /** @internal */ _eof = false;
  /** The read waiting for data, until its wakeup is scheduled. */
  private _pending: PendingRead | null = null;
  private _exception: unknown = null;
  private _paused = false;

  /** `new StreamReader(limit?)` as asyncio, or `new StreamReader({ limit, loop })`. */
  constructor(opts: number | StreamReaderOptions = {}) {
    if (typeof opts === 'number') opts = { limit: opts };
    if (opts === null || typeof opts !== 'object') throw new TypeError('StreamReader: opts must be a limit or an options object');
    this._limit = opts.limit === undefined ? DEFAULT_LIMIT : checkLimit(opts.limit, 'StreamReader');
    this._loop = opts.loop ?? null;
  }

  /** The buffer limit in bytes. */
  get limit(): number {
    return this._limit;
  }

  /** The exception set by `setException`, or null. */
  exception(): unknown {
    return this._exception;
  }

  /** Make every later read throw `exc` (a lost connection), waking a waiting reader with it. */
  setException(exc: unknown): void {
    this._exception = exc;
    const read = this._pending;
    if (read !== null) {
      this._pending = null;
      this._scheduleWake(read, exc);
    }
  }

  /** @internal the transport to pause and resume (set once, by the protocol). */
  _setTransport(transport: ReaderTransport): void {
    if (this._transport !== null) throw new InvalidStateError('StreamReader: the transport is already set');
    this._transport = transport;
  }

  /** @internal after startTls: flow control goes to the new transport. */
  _replaceTransport(transport: ReaderTransport): void {
    this._transport = transport;
    if (this._paused) transport.pauseReading();
  }

  /** The peer sent EOF: reads return what is buffered, then empty. */
  feedEof(): void {
    this._eof = true;
    this._wakeupWaiter();
  }

  /** True once EOF was fed and the buffer is empty. */
  atEof(): boolean {
    return this._eof && this._buffer.length === 0;
  }

  /** Add bytes (a string as UTF-8) to the buffer; `InvalidStateError` after `feedEof`. */
  feedData(data: BytesLike): void {
    if (this._eof) throw new InvalidStateError('feedData after feedEof');
    const bytes = toBytes(data, 'feedData: data');
    if (bytes.length === 0) return;
    this._buffer.append(bytes);
    this._fed();
  }

  /**
   * @internal feedData for a chunk that the caller gives up (a transport's
   * received bytes, which nobody writes to): kept without a copy when
   * nothing else is buffered.
   */
  _feedOwned(chunk: Uint8Array): void {
    if (this._eof) throw new InvalidStateError('feedData after feedEof');
    if (chunk.length === 0) return;
    this._buffer.adopt(chunk);
    this._fed();
  }

  /** Bytes were added: wake the reader, and pause the transport above twice the limit. */
  private _fed(): void {
    this._wakeupWaiter();
    const transport = this._transport;
    if (transport !== null && !this._paused && this._buffer.length > 2 * this._limit) {
      if (typeof transport.pauseReading !== 'function') {
        // asyncio: a transport that cannot pause is dropped from flow control.
        this._transport = null;
      } else {
        transport.pauseReading();
        this._paused = true;
      }
    }
  }

  /**
   * Read a line ending in `\n` and return it with the newline. At EOF the
   * unterminated rest is returned (empty when nothing is left): this never
   * throws IncompleteReadError. `LimitOverrunError` when no newline is found
   * within the limit (asyncio raises ValueError): the line is dropped from
   * the buffer (up to and including its newline if it is there, else all of
   * it), so the next read starts after it.
   */
  readline(): Promise<Uint8Array> {
    if (this._exception !== null) return Promise.reject(this._exception);
    return this._attempt(new PendingRead(this, ReadKind.Line, 0, new SeparatorSearch(NEWLINE_ONLY)));
  }

  /** @internal after an overlong line: drop it (up to and including its newline if buffered, else all). */
  _dropOverlongLine(consumed: number): void {
    if (this._buffer.startsWithAt(NEWLINE, consumed)) this._buffer.skip(consumed + NEWLINE.length);
    else this._buffer.clear();
    this._maybeResumeTransport();
  }

  /**
   * Read up to and including the first separator (`\n` by default; a string,
   * a Uint8Array, or an array of them: whichever match ends first wins).
   * At EOF without a separator: `IncompleteReadError` whose `partial` is
   * everything that was buffered (now consumed). No separator within the
   * limit: `LimitOverrunError` (its `consumed` says how far to skip), and the
   * data stays buffered.
   */
  readuntil(separator: BytesLike | BytesLike[] = NEWLINE): Promise<Uint8Array> {
    const search = new SeparatorSearch(checkSeparators(separator));
    if (this._exception !== null) return Promise.reject(this._exception);
    return this._attempt(new PendingRead(this, ReadKind.Until, 0, search));
  }

  /** @internal one look for a separator in what is buffered: the chunk up to it, or WAIT for more data. */
  _readuntilStep(search: SeparatorSearch): Uint8Array | typeof WAIT {
    const { seps, minSeplen, maxSeplen } = search;
    const buffer = this._buffer;
    const buflen = buffer.length;
    let matchStart = -1;
    let matchEnd = -1;
    if (buflen - search.offset >= minSeplen) {
      for (const sep of seps) {
        const i = buffer.indexOf(sep, search.offset);
        if (i !== -1) {
          const end = i + sep.length;
          if (matchEnd === -1 || end < matchEnd) {
            matchEnd = end;
            matchStart = i;
          }
        }
      }
      if (matchEnd === -1) {
        search.offset = Math.max(0, buflen + 1 - maxSeplen);
        if (search.offset > this._limit) {
          throw new LimitOverrunError('Separator is not found, and chunk exceed the limit', search.offset);
        }
      }
    }
    if (matchEnd === -1) {
      if (this._eof) throw new IncompleteReadError(buffer.take(buffer.length), null);
      return WAIT;
    }
    if (matchStart > this._limit) {
      throw new LimitOverrunError('Separator is found, but chunk is longer than limit', matchStart);
    }
    const chunk = buffer.take(matchEnd);
    this._maybeResumeTransport();
    return chunk;
  }

  /**
   * Read at most `n` bytes (`n < 0`: everything until EOF), waiting only when
   * nothing is buffered. Empty once at EOF.
   */
  read(n = -1): Promise<Uint8Array> {
    checkCount(n, 'read', true);
    return n >= 0 ? this._readSome(n) : this._readAll();
  }

  private async _readAll(): Promise<Uint8Array> {
    // asyncio reads limit-sized blocks so that flow control keeps working
    // while the whole stream is collected.
    const blocks: Uint8Array[] = [];
    for (;;) {
      const block = await this._readSome(this._limit);
      if (block.length === 0) break;
      blocks.push(block);
    }
    return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks);
  }

  /** read(n) for n >= 0: waits once at most, and only when nothing is buffered. */
  private _readSome(n: number): Promise<Uint8Array> {
    if (this._exception !== null) return Promise.reject(this._exception);
    if (n === 0) return Promise.resolve(emptyBytes());
    // Buffered (or at EOF): no wait, and no read object.
    if (this._buffer.length > 0 || this._eof) return Promise.resolve(this._take(n));
    return this._wait(new PendingRead(this, ReadKind.Some, n, null));
  }

  /** Read exactly `n` bytes; at EOF first, `IncompleteReadError` with what was buffered (now consumed). */
  readexactly(n: number): Promise<Uint8Array> {
    checkCount(n, 'readexactly');
    if (n < 0) throw new RangeError(`readexactly: n must not be negative, got ${n}`);
    if (this._exception !== null) return Promise.reject(this._exception);
    if (n === 0) return Promise.resolve(emptyBytes());
    if (this._buffer.length >= n) return Promise.resolve(this._take(n));
    return this._attempt(new PendingRead(this, ReadKind.Exact, n, null));
  }

  /** Iterate over lines (`readline()`) until one comes back empty (EOF). */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: (): Promise<IteratorResult<Uint8Array>> => this.readline().then(lineResult),
    };
  }

  toString(): string {
    const info = [`${this._buffer.length} bytes`];
    if (this._eof) info.push('eof');
    if (this._limit !== DEFAULT_LIMIT) info.push(`limit=${this._limit}`);
    if (this._pending !== null) info.push('waiting');
    if (this._exception !== null) info.push(`exception=${String(this._exception)}`);
    if (this._paused) info.push('paused');
    return `<StreamReader ${info.join(' ')}>`;
  }

  private _wakeupWaiter(): void {
    const read = this._pending;
    if (read !== null) {
      this._pending = null;
      this._scheduleWake(read, NO_ERROR);
    }
  }

  /** Schedule `read`'s wakeup in its task's name, delivering `error` (or NO_ERROR: a look at the buffer). */
  private _scheduleWake(read: PendingRead, error: unknown): void {
    read._error = error;
    const loop = this._loop!;
    loop._scheduleInternal(deliverRead, handleArgs(read), read.task, HandleKind.Wake);
    if (read.task !== null && loop._tracer !== null) loop._traceEvent('wake', read.task, read._wakeDetail());
  }

  /** @internal cancel `read`'s wait if it still waits (its task was cancelled) */
  _cancelRead(read: PendingRead, msg: string | undefined): boolean {
    if (this._pending !== read) return false;
    this._pending = null;
    this._scheduleWake(read, new CancelledError(msg));
    return true;
  }

  /** @internal take up to `n` buffered bytes, resuming the transport once the buffer is down to the limit */
  _take(n: number): Uint8Array {
    const data = this._buffer.take(n);
    this._maybeResumeTransport();
    return data;
  }

  private _maybeResumeTransport(): void {
    if (this._paused && this._buffer.length <= this._limit) {
      this._paused = false;
      this._transport!.resumeReading();
    }
  }

  /**
   * Run a read's step now and, each time it asks to WAIT, again when the
   * next `feedData`, `feedEof` or `setException` wakes the reader. The
   * returned promise settles with the step's result or error. A read that
   * finds its data buffered settles at once.
   */
  private _attempt(read: PendingRead): Promise<Uint8Array> {
    let r: Uint8Array | typeof WAIT;
    try {
      r = read.step();
      if (r === WAIT) return this._wait(read);
    } catch (e) {
      return Promise.reject(e);
    }
    return Promise.resolve(r);
  }

  /**
   * Wait for data on `read`'s behalf. The task calling the read counts as
   * awaiting the read itself (cancellation reaches it, as in asyncio's
   * `await self._waiter`); the read's step runs again in that task's wakeup
   * callback, and the read's promise is the only one made: one promise
   * reaction from the wakeup to the reader's code.
   */
  private _wait(read: PendingRead): Promise<Uint8Array> {
    try {
      read.task = awaitingTask((this._loop ??= getEventLoop()));
      this._beginWait(read);
    } catch (e) {
      return Promise.reject(e);
    }
    return settleablePromise(read);
  }

  /**
   * @internal `read` waits for the next `feedData`, `feedEof` or
   * `setException`; one read at a time (a read cancelled with its task no
   * longer counts as waiting)
   */
  _beginWait(read: PendingRead): void {
    if (this._pending !== null) {
      throw new InvalidStateError(`${read.funcName}() called while another task is already waiting for incoming data`);
    }
    if (this._paused) {
      // A read that needs more than is buffered (readexactly(n) with n above
      // twice the limit) would wait forever on a paused transport.
      this._paused = false;
      this._transport!.resumeReading();
    }
    this._pending = read;
    if (read.task !== null) suspendTask(read.task, read);
  }
}

function checkCount(n: unknown, where: string, allowInfinity = false): asserts n is number {
  if (typeof n !== 'number' || Number.isNaN(n)) {
    throw new TypeError(`${where}: n must be a number of bytes, got ${typeof n === 'number' ? 'NaN' : typeof n}`);
  }
  if (!Number.isInteger(n) && !(allowInfinity && n === Infinity)) throw new RangeError(`${where}: n must be an integer, got ${n}`);
}
