import type { ProcessHandler } from '../../../src/backends/sim/sim-processes.js';

/** Bytes as UTF-8 text (null stays null). */
export const text = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('utf8'));

/** `cat`: copies stdin to stdout, with backpressure, until EOF. */
export const cat: ProcessHandler = async ({ stdin, stdout }) => {
  for (;;) {
    const chunk = await stdin.read(64 * 1024);
    if (chunk.length === 0) return 0;
    stdout.write(chunk);
    await stdout.drain();
  }
};

/** `upper`: copies stdin to stdout in upper case, line by line. */
export const upper: ProcessHandler = async ({ stdin, stdout }) => {
  for await (const line of stdin) stdout.write(Buffer.from(line).toString('utf8').toUpperCase());
};

/** `echo`: its arguments, joined by spaces, and a newline. */
export const echo: ProcessHandler = ({ args, stdout }) => {
  stdout.write(`${args.join(' ')}\n`);
};

/** `n` bytes of a repeating pattern, to check that large transfers arrive intact. */
export function pattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 8)) & 0xff;
  return b;
}
