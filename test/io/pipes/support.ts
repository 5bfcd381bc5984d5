import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { EventLoop, type Future } from '../../../src/index.js';
import type { StreamProtocol } from '../../../src/io/protocols.js';
import type { Transport } from '../../../src/io/transports.js';

/** Run `main` as a task of a fresh Node-backed loop, then dispose of the loop. */
export async function withLoop<T>(main: (loop: EventLoop) => Promise<T>): Promise<T> {
  const loop = new EventLoop();
  try {
    return await loop.runUntilComplete(() => main(loop));
  } finally {
    await loop[Symbol.asyncDispose]();
  }
}

/** A child `node -e code` with piped stdio; `exited` resolves with its exit code. */
export function node(code: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit').then(([c]) => c as number | null);
  return { child, exited };
}

/** A stream protocol that records the calls it gets and the bytes it reads. */
export class PipeRecorder implements StreamProtocol {
  readonly calls: string[] = [];
  readonly chunks: Buffer[] = [];
  transport: Transport | null = null;
  readonly lost: Future<Error | null>;
  onData: ((chunk: Uint8Array) => void) | null = null;

  constructor(loop: EventLoop) {
    this.lost = loop.createFuture<Error | null>();
  }

  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  get bytes(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }

  connectionMade(transport: Transport): void {
    this.calls.push('connectionMade');
    this.transport = transport;
  }

  dataReceived(data: Uint8Array): void {
    if (this.calls.at(-1) !== 'dataReceived') this.calls.push('dataReceived');
    this.chunks.push(Buffer.from(data));
    this.onData?.(data);
  }

  eofReceived(): void {
    this.calls.push('eofReceived');
  }

  pauseWriting(): void {
    this.calls.push('pauseWriting');
  }

  resumeWriting(): void {
    this.calls.push('resumeWriting');
  }

  connectionLost(error: Error | null): void {
    this.calls.push('connectionLost');
    this.lost.setResult(error);
  }
}
