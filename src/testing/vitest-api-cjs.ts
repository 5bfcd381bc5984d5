import type { TestRegistrar } from './vitest-api.js';

/**
 * The CJS build's stand-in for vitest-api.ts (tsup.config.ts swaps it in):
 * vitest's entry refuses `require()`, so under `require` simTest can only
 * explain how to load it.
 */
export function vitestTest(): TestRegistrar {
  throw new Error(
    "simTest needs vitest, and vitest cannot be loaded with require(): load simloop/testing with import (an ES module test file, `import { simTest } from 'simloop/testing'`) instead of require",
  );
}
