/** Keeps weft's layers pointing one way (see docs/architecture.md). */
const core = '^src/(?!cli/|sqlite/|postgres/|sql/|bullmq/|redis/|server/|client/|testing/|console/|otel/|ai/)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Cycles hide the layering. One is by design: index.ts re-exports orchestration/, whose only way into the kernel is index.ts (see orchestration-uses-public-api).',
      from: {},
      to: { circular: true, viaSomeNot: '^src/(index\\.ts|orchestration/)' },
    },
    {
      name: 'no-circular-in-orchestration',
      severity: 'error',
      comment: 'The helpers may use each other, but never in a cycle of their own.',
      from: { path: '^src/orchestration/' },
      to: { circular: true, viaNot: '^src/index\\.ts$' },
    },
    {
      name: 'core-has-no-node-builtins',
      severity: 'error',
      comment: 'The core entry runs anywhere: node:* belongs in an adapter folder (sqlite/, server/, cli/ …).',
      from: { path: core },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'core-imports-no-adapter',
      severity: 'error',
      comment: 'The core never imports an adapter folder; adapters import the core.',
      from: { path: core },
      to: { path: '^src/(cli|sqlite|postgres|bullmq|redis|server|client|testing|console|otel|ai)/' },
    },
    {
      name: 'console-is-a-browser-bundle',
      severity: 'error',
      comment:
        'src/console is the web console, bundled for browsers into dist/ui: a client of the HTTP API that imports nothing else of ours and no node:*, ' +
        "but the types of the server's answers (console-types-are-a-leaf).",
      from: { path: '^src/console/' },
      to: { path: '^src/(?!console/)|^node:', pathNot: '^src/server/console-types\\.ts$', dependencyTypesNot: ['npm'] },
    },
    {
      name: 'console-takes-only-types-from-the-server',
      severity: 'error',
      comment: "The console shares the server's answer types with `import type`: erased from its bundle, one definition for both sides.",
      from: { path: '^src/console/' },
      to: { path: '^src/server/console-types\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'console-types-are-a-leaf',
      severity: 'error',
      comment:
        "src/server/console-types.ts is types only, taking two model types (type-only) and nothing else: the console's DOM-only type program " +
        'reads it without the server or the runtime (whose Node timers it could not type).',
      from: { path: '^src/server/console-types\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/model/(describe|types)\\.ts$'] },
    },
    {
      name: 'console-types-import-types-only',
      severity: 'error',
      from: { path: '^src/server/console-types\\.ts$' },
      to: { dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'console-has-no-node-builtins',
      severity: 'error',
      from: { path: '^src/console/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'adapters-use-public-api',
      severity: 'error',
      comment:
        'An adapter (sqlite/, testing/ …) reaches the core only through src/index.ts, as its users do, and never another adapter; ' +
        'the SQL stores (sqlite/, postgres/) also share sql/, the rows of their common tables, and sql/ takes the rules of a ' +
        "listRuns page from the core's internal/run-page.ts (a stateless leaf, not public API) so that every store follows one copy; " +
        "the client takes the shape of an approval answer from internal/approval-answer.ts, another such leaf, as the runtime does.",
      from: { path: '^src/(sqlite|postgres|sql|bullmq|redis|server|client|testing|otel|ai)/', pathNot: '^src/server/console-types\.ts$' },
      to: { path: '^src/', pathNot: ['^src/index\\.ts$', '^src/$1/', '^src/sql/', '^src/internal/run-page\\.ts$', '^src/internal/approval-answer\\.ts$'] },
    },
    {
      name: 'run-page-serves-the-stores',
      severity: 'error',
      comment: 'Of the adapters, only sql/ (the rows the SQL stores share) takes internal/run-page.ts; the stores themselves take it from sql/.',
      from: { path: '^src/(sqlite|postgres|bullmq|redis|server|client|testing|otel|ai|cli)/' },
      to: { path: '^src/internal/run-page\\.ts$' },
    },
    {
      name: 'sql-rows-serve-the-sql-stores',
      severity: 'error',
      comment: 'sql/ maps the rows of the tables weft/sqlite and weft/postgres share; nothing else needs it, and it is no entry of its own.',
      from: { pathNot: '^src/(sqlite|postgres|sql)/' },
      to: { path: '^src/sql/' },
    },
    {
      name: 'cli-uses-public-entries',
      severity: 'error',
      comment:
        'The CLI is the one adapter built on others: `weft run` records runs in weft/sqlite (or weft/postgres, for a postgres:// --db) and `weft serve` serves them with weft/server, `weft worker` runs invocations with weft/bullmq. ' +
        'So it may import those entries (their index.ts, as a user imports the subpath), never their insides, and the core only through src/index.ts. ' +
        'The build turns these imports into the package subpaths (tsup.config.ts), so dist/cli.js shares one copy of the core with the workflows it runs.',
      from: { path: '^src/cli/' },
      to: { path: '^src/', pathNot: ['^src/index\\.ts$', '^src/cli/', '^src/sqlite/index\\.ts$', '^src/server/index\\.ts$', '^src/postgres/index\\.ts$', '^src/bullmq/index\\.ts$'] },
    },
    {
      name: 'client-is-fetch-only',
      severity: 'error',
      comment: 'weft/client runs in browsers too: fetch and the core, no node:* and no server framework.',
      from: { path: '^src/client/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'client-has-no-server-dependency',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: 'node_modules/(hono|@hono/)' },
    },
    {
      name: 'optional-peers-stay-in-their-entry',
      severity: 'error',
      comment: '@opentelemetry/api is loaded by weft/otel only, the AI SDK by weft/ai only: the core entry never needs them.',
      from: { pathNot: '^src/(otel|ai)/' },
      to: { path: 'node_modules/(@opentelemetry/|ai/|@ai-sdk/)' },
    },
    {
      name: 'queue-peers-stay-in-bullmq',
      severity: 'error',
      comment: 'bullmq and ioredis are loaded by weft/bullmq only (and by the CLI\'s `weft worker`, through that entry).',
      from: { pathNot: '^src/bullmq/' },
      to: { path: 'node_modules/(bullmq|ioredis)/' },
    },
    {
      name: 'internal-is-a-leaf',
      severity: 'error',
      from: { path: '^src/internal/' },
      to: { path: '^src/', pathNot: '^src/internal/' },
    },
    {
      name: 'model-imports-only-internal',
      severity: 'error',
      comment: 'model/ is frozen data: it imports nothing of ours but internal/ (and never rxjs).',
      from: { path: '^src/model/' },
      to: { path: '^src/(?!model/|internal/)|rxjs' },
    },
    {
      name: 'errors-import-only-internal',
      severity: 'error',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/', pathNot: '^src/internal/' },
    },
    {
      name: 'routing-is-pure',
      severity: 'error',
      comment: 'routing/ decides where messages go; it knows the model, never the runtime.',
      from: { path: '^src/routing/' },
      to: { path: '^src/(runtime|builder|executors|events|orchestration)/|rxjs' },
    },
    {
      name: 'executors-do-not-run',
      severity: 'error',
      from: { path: '^src/executors/' },
      to: { path: '^src/(runtime|builder|orchestration)/' },
    },
    {
      name: 'composition-is-data',
      severity: 'error',
      comment: 'composition/ rewrites graphs as data (prefixes, fragments, connections); it never runs or builds.',
      from: { path: '^src/composition/' },
      to: { path: '^src/(runtime|builder|prebuilt|orchestration)/' },
    },
    {
      name: 'only-prebuilt-extends-builders',
      severity: 'error',
      comment: 'prebuilt/ (Sequential, Concurrent) sits on top of the builder; nothing below imports it.',
      from: { path: '^src/(?!prebuilt/|index\\.ts)' },
      to: { path: '^src/prebuilt/' },
    },
    {
      name: 'runtime-does-not-build',
      severity: 'error',
      comment: 'runtime depends on model, never on the builder or the helpers built on top.',
      from: { path: '^src/runtime/' },
      to: { path: '^src/(builder|prebuilt|orchestration)/' },
    },
    {
      name: 'orchestration-uses-public-api',
      severity: 'error',
      comment: 'Helpers use only what index.ts exports: that proves the kernel composes.',
      from: { path: '^src/orchestration/' },
      to: { path: '^src/', pathNot: '^src/(index\\.ts|orchestration/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.test(-d)?\\.ts$' },
  },
};
