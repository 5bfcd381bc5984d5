/**
 * The README's code blocks, as the readme-*.test.ts files run them: a block
 * whose first line is a `// path` comment is written to that path in a
 * scratch directory (its `'simloop'` imports pointing at the sources), so
 * the blocks import each other as the README shows; a vitest block then
 * registers its tests in the importing test file, and a script block runs
 * when imported, with what it prints compared to the comments beside its
 * `console.log` lines.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { expect, vi } from 'vitest';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** One fenced block of the README. */
export interface Block {
  /** The fence's language (`ts`, `sh`, `text`). */
  lang: string;
  /** The block's text, without the fences. */
  code: string;
  /** The path its first-line comment names (`// test/quote.test.ts: ...` gives `test/quote.test.ts`), if any. */
  file?: string;
}

/** The README's text from the heading line `heading` (`## X` or `### X`) up to the next heading of the same or a higher level. */
export function readmeSection(heading: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no heading ${JSON.stringify(heading)}`);
  const level = heading.split(' ')[0]!;
  const next = new RegExp(`\\n#{1,${level.length}} `, 'g');
  next.lastIndex = start + heading.length + 1;
  const end = next.exec(readme)?.index ?? readme.length;
  return readme.slice(start + 1, end);
}

/** The fenced blocks of `text`, in order. */
export function blocksOf(text: string): Block[] {
  return [...text.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => {
    const code = m[2]!;
    const file = /^\/\/ ([\w./-]+\.ts)\b/.exec(code)?.[1];
    return file === undefined ? { lang: m[1]!, code } : { lang: m[1]!, code, file };
  });
}

/** The block of `blocks` that names `file`. */
export function blockNamed(blocks: readonly Block[], file: string): Block {
  const b = blocks.find((x) => x.file === file);
  if (b === undefined) throw new Error(`no README block names ${file} (found: ${blocks.map((x) => x.file ?? x.lang).join(', ')})`);
  return b;
}

/**
 * A scratch directory inside the repository (so the test runner transforms
 * what is written there; a dot directory, so no test glob or tsc include
 * picks it up) where README blocks become modules.
 */
export class BlockFiles {
  readonly dir: string;
  /** The module that stands for `'simloop/testing'` in blocks written from now on (default: the sources' entry). */
  testing = join(ROOT, 'src/testing/index.ts');
  private readonly rewrites: [string, string][] = [];

  constructor(prefix: string) {
    this.dir = mkdtempSync(join(ROOT, `test/.${prefix}-`));
  }

  /** Replace `from` with `to` in every block written from now on (a port, a directory). */
  rewrite(from: string, to: string): void {
    this.rewrites.push([from, to]);
  }

  /**
   * Write `code` as `path` (relative to the scratch directory; a `.test.ts`
   * name becomes `.readme-test.ts`, out of the test globs), with the
   * rewrites applied and `'simloop'`, `'simloop/testing'` and the
   * repository's `examples/` imported from the repository. `exports` are
   * appended as `export { ... }`, for a test that needs a block's own
   * functions. Returns the file's absolute path.
   */
  write(path: string, code: string, exports: readonly string[] = []): string {
    const file = join(this.dir, path.replace(/\.test\.ts$/, '.readme-test.ts'));
    mkdirSync(dirname(file), { recursive: true });
    const from = (target: string): string => {
      const rel = relative(dirname(file), target).split('\\').join('/');
      return rel.startsWith('.') ? rel : `./${rel}`;
    };
    let text = code
      .replaceAll("from 'simloop/testing'", `from '${from(this.testing)}'`)
      .replaceAll("from 'simloop'", `from '${from(join(ROOT, 'src/index.ts'))}'`)
      .replace(/from '(?:\.\.?\/)+examples\//g, `from '${from(join(ROOT, 'examples'))}/`);
    for (const [a, b] of this.rewrites) text = text.replaceAll(a, b);
    if (exports.length > 0) text += `\nexport { ${exports.join(', ')} };\n`;
    writeFileSync(file, text);
    return file;
  }

  /** Write a block under the path its first line names. */
  writeBlock(block: Block, exports: readonly string[] = []): string {
    if (block.file === undefined) throw new Error(`this README block names no file:\n${block.code}`);
    return this.write(block.file, block.code, exports);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Import a written block (a vitest block registers its tests in the caller's file). */
export function importBlock<T = Record<string, unknown>>(file: string): Promise<T> {
  return import(pathToFileURL(file).href) as Promise<T>;
}

/** The comments beside a block's `console.log(...)` lines, in order: what each prints. */
export function loggedComments(code: string): string[] {
  return code
    .split('\n')
    .filter((l) => /\bconsole\.log\(/.test(l))
    .map((l) => {
      const m = /\);\s*\/\/ (.*)$/.exec(l);
      if (m === null) throw new Error(`a console.log line without a "// what it prints" comment: ${l.trim()}`);
      return m[1]!;
    });
}

/**
 * Whether printed text fits a comment: blanks collapse, and `...` in the
 * comment stands for any text (so `DeadlockError: ... main awaits` fits a
 * long message).
 */
export function fitsComment(printed: string, comment: string): boolean {
  const squash = (s: string): string => s.replace(/\s+/g, ' ').trim();
  const parts = squash(comment).split('...').map((p) => p.trim());
  const text = squash(printed);
  if (parts.length === 1) return text === parts[0];
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!text.startsWith(first) || !text.endsWith(last)) return false;
  let at = first.length;
  for (const part of parts.slice(1, -1)) {
    const found = text.indexOf(part, at);
    if (found < 0) return false;
    at = found + part.length;
  }
  return at <= text.length - last.length;
}

/** Import a script block, and return what its `console.log` calls printed (each call formatted as Node prints it). */
export async function runScript(file: string): Promise<string[]> {
  const printed: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(format(...args)));
  try {
    await importBlock(file);
  } finally {
    spy.mockRestore();
  }
  return printed;
}

/** Expect `printed` (from `runScript`) to be what the comments beside `code`'s `console.log` lines say, one by one. */
export function expectPrintedAsCommented(printed: readonly string[], code: string): void {
  const comments = loggedComments(code);
  expect(printed).toHaveLength(comments.length);
  comments.forEach((c, i) => expect(fitsComment(printed[i]!, c), `printed ${JSON.stringify(printed[i])}, the README says ${c}`).toBe(true));
}
