import { defineConfig, type Options } from 'tsup';
// @ts-expect-error a plain ESM script without types, shared with the console tests
import { buildConsole } from './scripts/build-console.mjs';

type Plugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * The CLI imports the core as '../index.js' and the adapters as '../sqlite/index.js', '../server/index.js' (the lint
 * rule cli-uses-public-entries); in dist/cli.js these become the package's own subpaths, 'weft', 'weft/sqlite',
 * 'weft/server', 'weft/postgres', which Node resolves to the built entries beside it: one copy of the core, shared with the workflows
 * the CLI loads, and the adapters' peers (better-sqlite3, hono, pg) loaded only by the commands that need them.
 */
const publicEntries: Plugin = {
  name: 'weft-cli-public-entries',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/(index|sqlite\/index|server\/index|postgres\/index|bullmq\/index)\.js$/ }, (args) => {
      if (!/[\\/]src[\\/]cli[\\/]/.test(args.importer)) return undefined;
      return { path: args.path === '../index.js' ? 'weft' : `weft/${args.path.split('/')[1]}`, external: true };
    });
  },
};

export default defineConfig([
  {
    // One entry per subpath export; adapters import the core only through src/index.ts.
    entry: {
      index: 'src/index.ts',
      testing: 'src/testing/index.ts',
      sqlite: 'src/sqlite/index.ts',
      server: 'src/server/index.ts',
      client: 'src/client/index.ts',
      otel: 'src/otel/index.ts',
      ai: 'src/ai/index.ts',
      postgres: 'src/postgres/index.ts',
      bullmq: 'src/bullmq/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    // The CLI build below writes dist/cli.js at the same time: keep it.
    clean: ['!cli.js', '!cli.js.map'],
    target: 'node20',
    treeshake: true,
    // CJS too: the entries share one copy of the core, so `instanceof WeftError` holds across subpaths.
    splitting: true,
    // Optional peers: loaded from the user's node_modules, never bundled.
    external: ['better-sqlite3', 'vitest', 'hono', '@hono/node-server', '@opentelemetry/api', 'ai', 'pg', 'bullmq', 'ioredis'],
    // The web console (src/console) as static files in dist/ui, served by weft/server with createApp({ ui }); after
    // this build's clean, so that nothing removes them.
    onSuccess: async () => {
      await buildConsole('dist/ui');
    },
  },
  {
    // The `weft` bin: one ESM file; the shebang comes from src/cli/main.ts. tsx (an optional peer) loads .ts modules.
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: true,
    clean: false,
    target: 'node20',
    splitting: false,
    external: ['weft', 'tsx'],
    esbuildPlugins: [publicEntries],
  },
]);
