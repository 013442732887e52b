// The peer benchmark's scenario checks (test/bench): they need the peers of bench/package.json, so they run in
// the bench's own command, `npm run test:bench`, which installs them first.
import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import root from '../vitest.config.js';

export default mergeConfig(
  { resolve: root.resolve },
  defineConfig({
    root: fileURLToPath(new URL('..', import.meta.url)),
    test: { name: 'bench', include: ['test/bench/**/*.test.ts'], testTimeout: 120_000 },
  }),
);
