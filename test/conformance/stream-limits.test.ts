import { describe, expect, test } from 'vitest';
import { IncompleteReadError, LimitOverrunError, openConnection, startServer, type StreamReader } from '../../src/index.js';
import type { World } from './backends.js';
import { backends } from './backends.js';
import { portOf, rejection, within } from './support.js';

const LIMIT = 1024;
const text = (b: Uint8Array): string => Buffer.from(b).toString();

/**
 * Serve one connection that writes `data` and closes, connect to it with
 * a reader limited to LIMIT, run `body` on the reader, then close it all.
 */
async function readFrom<T>(world: World, data: string, body: (reader: StreamReader) => Promise<T>): Promise<T> {
  const server = await startServer((_reader, writer) => {
    writer.write(data);
    writer.close();
  }, world.host, 0);
  const [reader, writer] = await openConnection(world.host, portOf(server), { limit: LIMIT });
  try {
    return await body(reader);
  } finally {
    writer.close();
    await within(writer.waitClosed());
    server.close();
    await within(server.waitClosed());
  }
}

describe.each(backends)('stream reader limits on the $name backend', (backend) => {
  test('readline past the limit throws LimitOverrunError, saying how far the overrun goes', async () => {
    const err = await backend.run((world) =>
      readFrom(world, `${'x'.repeat(3 * LIMIT)}\nnext\n`, async (reader) => {
        const err = await rejection(within(reader.readline()));
        await within(reader.read());
        return err;
      }),
    );
    expect(err).toBeInstanceOf(LimitOverrunError);
    expect((err as LimitOverrunError).consumed).toBeGreaterThan(LIMIT);
  });

  test('readuntil past the limit throws LimitOverrunError and keeps the data: it can still be read, and what follows it', async () => {
    const got = await backend.run((world) =>
      readFrom(world, `${'y'.repeat(3 * LIMIT)};after;`, async (reader) => {
        const err = await rejection(within(reader.readuntil(';')));
        const line = await within(reader.readexactly(3 * LIMIT + 1));
        const next = await within(reader.readuntil(';'));
        return { err, line: text(line), next: text(next) };
      }),
    );
    expect(got.err).toBeInstanceOf(LimitOverrunError);
    expect(got.line).toBe(`${'y'.repeat(3 * LIMIT)};`);
    expect(got.next).toBe('after;');
  });

  test('readexactly at EOF throws IncompleteReadError with what it had and what it expected; the reader is then at EOF', async () => {
    const got = await backend.run((world) =>
      readFrom(world, 'only this', async (reader) => {
        const err = (await rejection(within(reader.readexactly(100)))) as IncompleteReadError;
        return { isIncomplete: err instanceof IncompleteReadError, partial: text(err.partial), expected: err.expected, atEof: reader.atEof() };
      }),
    );
    expect(got).toEqual({ isIncomplete: true, partial: 'only this', expected: 100, atEof: true });
  });

  test('readuntil at EOF without the separator throws IncompleteReadError with everything buffered (expected null)', async () => {
    const got = await backend.run((world) =>
      readFrom(world, 'no separator', async (reader) => {
        const err = (await rejection(within(reader.readuntil('\r\n')))) as IncompleteReadError;
        return { isIncomplete: err instanceof IncompleteReadError, partial: text(err.partial), expected: err.expected };
      }),
    );
    expect(got).toEqual({ isIncomplete: true, partial: 'no separator', expected: null });
  });

  test('readline at EOF returns the unterminated rest, then an empty line, never IncompleteReadError', async () => {
    const got = await backend.run((world) =>
      readFrom(world, 'one\ntail', async (reader) => [text(await within(reader.readline())), text(await within(reader.readline())), text(await within(reader.readline()))]),
    );
    expect(got).toEqual(['one\n', 'tail', '']);
  });
});
