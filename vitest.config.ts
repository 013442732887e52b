import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** Test files that start other Node processes (crash workers, servers, processes sharing a store, Chromium). */
const processes = [
  'test/crash/**/*.test.ts',
  'test/server/crash.test.ts',
  'test/multiprocess/**/*.test.ts',
  'test/console/*.e2e.test.ts',
  'test/hostile/http.test.ts',
  'test/hostile/crash-loop.test.ts',
];
/** Test files that start the `weft` CLI or run the examples, one process after another, none on a lease or a timer. */
const cli = ['test/cli/**/*.test.ts', 'test/examples/**/*.test.ts', 'test/console/dev-command.test.ts'];
/** Test files that use the run's throwaway Postgres (test/support/postgres-setup.ts), and the runtime suite that also runs on it. */
const postgres = ['test/postgres/**/*.test.ts', 'test/service/runtime.test.ts'];
/** Test files that start their own Redis (test/support/redis.ts) and worker processes. */
const redis = ['test/bullmq/**/*.test.ts'];
/** Test files that load the built package from dist/ (built first if it is missing or older than src/). */
const dist = ['test/package/**/*.test.ts', 'test/cli/dist.test.ts'];

export default defineConfig({
  resolve: {
    // Tests import weft as users do; each subpath maps to its source entry.
    alias: [
      { find: /^weft$/, replacement: source('./src/index.ts') },
      { find: /^weft\/testing$/, replacement: source('./src/testing/index.ts') },
      { find: /^weft\/sqlite$/, replacement: source('./src/sqlite/index.ts') },
      { find: /^weft\/server$/, replacement: source('./src/server/index.ts') },
      { find: /^weft\/client$/, replacement: source('./src/client/index.ts') },
      { find: /^weft\/otel$/, replacement: source('./src/otel/index.ts') },
      { find: /^weft\/ai$/, replacement: source('./src/ai/index.ts') },
      { find: /^weft\/postgres$/, replacement: source('./src/postgres/index.ts') },
      { find: /^weft\/bullmq$/, replacement: source('./src/bullmq/index.ts') },
    ],
  },
  test: {
    // Vitest's default is one worker fewer than the cores: one on a 2-core machine, and every file then waits for the
    // one before it. Most of the slow files wait on child processes rather than compute, so two go at once.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...processes, ...cli, ...dist, ...postgres, ...redis, 'test/bench/**'],
          testTimeout: 20_000,
        },
      },
      {
        // One Postgres for the whole run, started only when one of these files runs; a skip without the binaries (not on CI).
        extends: true,
        test: { name: 'postgres', include: postgres, globalSetup: ['test/support/postgres-setup.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
      },
      {
        // A Redis per file and worker processes: one file at a time, and timeouts only a hang reaches.
        extends: true,
        test: { name: 'redis', include: redis, maxWorkers: 1, testTimeout: 300_000, hookTimeout: 300_000 },
      },
      {
        // A child process pays Node's start-up and module loading, many times slower on a loaded 2-core machine:
        // these files get one worker between them and a timeout that only a hang reaches. Those that also run on
        // Postgres (test/multiprocess) get a throwaway one, as in the `postgres` project.
        extends: true,
        test: {
          name: 'processes',
          include: processes,
          exclude: dist,
          globalSetup: ['test/support/postgres-setup.ts'],
          maxWorkers: 1,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        // The CLI and the examples start processes too, but none shares a lease or a port with another: two files at a
        // time, beside the unit files. (Vitest runs the files of every one-worker project one after another, after
        // all the rest; with these among them that tail was most of the run.)
        extends: true,
        test: { name: 'cli', include: cli, exclude: dist, testTimeout: 300_000, hookTimeout: 300_000 },
      },
      {
        extends: true,
        test: { name: 'dist', include: dist, globalSetup: ['test/support/build-dist.ts'], maxWorkers: 1, testTimeout: 300_000, hookTimeout: 300_000 },
      },
      {
        extends: true,
        test: { name: 'types', include: [], typecheck: { enabled: true, only: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' } },
      },
    ],
  },
});
