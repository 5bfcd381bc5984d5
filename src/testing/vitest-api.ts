/** A test body as simTest registers it. */
export type TestBody = () => Promise<void>;

/** The part of vitest's `test` that simTest uses: `test(name, fn, timeout?)`, and its `only` and `skip`. */
export interface TestRegistrar {
  (name: string, fn: TestBody, timeout?: number): void;
  only: (name: string, fn: TestBody, timeout?: number) => void;
  skip: (name: string, fn: TestBody, timeout?: number) => void;
}

// simTest registers tests synchronously, so vitest must be loaded before this
// module's importers run: a top-level await (ESM builds only; the CJS build
// aliases this module to vitest-api-cjs.ts). A missing vitest is kept as an
// error for simTest to throw, so that the rest of simloop/testing still loads.
let loaded: TestRegistrar | null = null;
let loadError: unknown = null;
try {
  loaded = (await import('vitest')).test as unknown as TestRegistrar;
} catch (e) {
  loadError = e;
}

/** vitest's `test`; throws an Error saying so when vitest could not be loaded. */
export function vitestTest(): TestRegistrar {
  if (loaded !== null) return loaded;
  const why = loadError instanceof Error ? loadError.message : String(loadError);
  throw new Error(`simTest needs vitest, which could not be loaded (${why}): install vitest and run the test file with the vitest command`, { cause: loadError });
}
