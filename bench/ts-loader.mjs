/**
 * The benchmarks' TypeScript loader (`node --import ./bench/ts-loader.mjs`):
 * they measure the code as it ships.
 *
 * Why not tsx, which runs the tests, the examples and `npm start`: tsx
 * compiles with esbuild's `keepNames`, which wraps every function and class
 * made at run time whose name the language infers (a class field's arrow
 * function, a `const f = () => ...`) in a `__name(fn, "name")` call, an
 * `Object.defineProperty` each time. Code that makes closures per task or
 * per run pays that on every one; the published package (tsup, esbuild
 * without keepNames) does not. An explored run of the benchmarks' race took
 * ~22 us under tsx and ~16 us from the build (wall clock, a forced GC
 * before each 500-run trial).
 *
 * Each `.ts` file is compiled on its own by esbuild's `transform`, with the
 * build's target and without keepNames; an import written `./x.js` resolves
 * to `./x.ts` when only that exists, as TypeScript's do. Both peers' code
 * in bench/ (the races they share) is compiled the same way.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { transform } from 'esbuild';

// Registered once, from the main thread: worker threads inherit the hooks.
if (isMainThread) register(import.meta.url);

/** `./x.js` that does not exist next to an existing `./x.ts` resolves to the `.ts` file. */
export async function resolve(specifier, context, next) {
  if (context.parentURL?.startsWith('file:') && /^\.{1,2}\//.test(specifier) && specifier.endsWith('.js')) {
    const js = new URL(specifier, context.parentURL);
    const ts = new URL(specifier.slice(0, -3) + '.ts', context.parentURL);
    if (!existsSync(js) && existsSync(ts)) return { url: ts.href, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}

/** A `.ts` file becomes ESM JavaScript, with an inline source map so that stack traces name its lines. */
export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const path = fileURLToPath(url);
  const out = await transform(await readFile(path, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: path,
    sourcemap: 'inline',
    // What tsconfig.json sets that changes the emitted code (tsup's build reads it too).
    tsconfigRaw: { compilerOptions: { target: 'ES2022', verbatimModuleSyntax: true } },
  });
  return { format: 'module', source: out.code, shortCircuit: true };
}
