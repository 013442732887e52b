import { defineConfig } from 'tsup';

export default defineConfig({
  // One entry per subpath export; adapters import the core only through src/index.ts.
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', sqlite: 'src/sqlite/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  treeshake: true,
  // CJS too: the entries share one copy of the core, so `instanceof WeftError` holds across subpaths.
  splitting: true,
  // Optional peers: loaded from the user's node_modules, never bundled.
  external: ['better-sqlite3', 'vitest'],
});
