import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * The CJS build gets src/testing/vitest-api-cjs.ts in place of vitest-api.ts:
 * the latter loads vitest with a top-level await, which CJS cannot have, and
 * vitest refuses require() anyway. tsup builds CJS with splitting as ESM and
 * converts it afterwards, so the format is read from tsup's TSUP_FORMAT define.
 */
const cjsVitestStandIn: EsbuildPlugin = {
  name: 'simloop-cjs-vitest-stand-in',
  setup(build) {
    const format = build.initialOptions.define?.['TSUP_FORMAT'];
    if (format !== JSON.stringify('cjs')) return;
    const testingDir = fileURLToPath(new URL('./src/testing', import.meta.url));
    const standIn = resolve(testingDir, 'vitest-api-cjs.ts');
    build.onResolve({ filter: /^\.\/vitest-api\.js$/ }, (args) => (args.resolveDir === testingDir ? { path: standIn } : undefined));
  },
};

export default defineConfig([
  {
    entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    // index and testing share one copy of the library per format
    splitting: true,
    external: ['vitest', 'fast-check', 'tsx'],
    esbuildPlugins: [cjsVitestStandIn],
  },
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    splitting: false,
    external: ['tsx', 'tsx/esm/api'],
  },
]);
