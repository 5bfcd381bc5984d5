import { EventLoop, SubprocessProtocolBase, type Future } from '../../../src/index.js';
import type { SubprocessTransport } from '../../../src/io/transports.js';

/** This Node, to run `node -e` children with. */
export const NODE = process.execPath;

/** A child that copies its stdin to its stdout (cat). */
export const CAT = ['-e', 'process.stdin.pipe(process.stdout)'];

/** Run `main` on a fresh loop on the Node backends, then close the loop and wait until Node released its handles. */
export async function withLoop<T>(main: (loop: EventLoop) => Promise<T>): Promise<T> {
  const loop = new EventLoop();
  try {
    return await loop.runUntilComplete(() => main(loop));
  } finally {
    await loop[Symbol.asyncDispose]();
  }
}

/** A subprocess protocol that records every call, and settles `done` at connectionLost. */
export class Recorder extends SubprocessProtocolBase {
  readonly events: string[] = [];
  readonly data = new Map<number, Buffer[]>();
  transport: SubprocessTransport | null = null;
  readonly done: Future<void>;

  constructor(loop: EventLoop) {
    super();
    this.done = loop.createFuture<void>();
  }

  override connectionMade(transport: SubprocessTransport): void {
    this.transport = transport;
    this.events.push('connectionMade');
  }

  override pipeDataReceived(fd: number, data: Uint8Array): void {
    if (this.events.at(-1) !== `data ${fd}`) this.events.push(`data ${fd}`);
    let list = this.data.get(fd);
    if (list === undefined) this.data.set(fd, (list = []));
    list.push(Buffer.from(data));
  }

  override pipeConnectionLost(fd: number, error: Error | null): void {
    this.events.push(`pipeConnectionLost ${fd} ${error === null ? 'null' : (error as { code?: string }).code}`);
  }

  override processExited(): void {
    this.events.push('processExited');
  }

  override connectionLost(error: Error | null): void {
    this.events.push(`connectionLost ${error}`);
    this.done.setResult();
  }

  /** What the child wrote on `fd`, as text. */
  text(fd: number): string {
    return Buffer.concat(this.data.get(fd) ?? []).toString('utf8');
  }
}

/** Counts of the handle kinds a child process uses (its process and its pipes), for leak checks. */
export function childResources(): { process: number; pipes: number } {
  const info = process.getActiveResourcesInfo();
  return { process: info.filter((r) => r === 'ProcessWrap').length, pipes: info.filter((r) => r === 'PipeWrap').length };
}
