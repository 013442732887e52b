import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests import weft as users do; each subpath maps to its source entry.
    alias: [
      { find: /^weft$/, replacement: source('./src/index.ts') },
      { find: /^weft\/testing$/, replacement: source('./src/testing/index.ts') },
      { find: /^weft\/sqlite$/, replacement: source('./src/sqlite/index.ts') },
      { find: /^weft\/server$/, replacement: source('./src/server/index.ts') },
      { find: /^weft\/client$/, replacement: source('./src/client/index.ts') },
      { find: /^weft\/postgres$/, replacement: source('./src/postgres/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    typecheck: {
      include: ['test/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
    testTimeout: 20_000,
    // A throwaway Postgres for the suites that use it (test/support/postgres-setup.ts).
    globalSetup: ['./test/support/postgres-setup.ts'],
  },
});
