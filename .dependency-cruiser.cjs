/** Keeps weft's layers pointing one way (see docs/architecture.md). */
const core = '^src/(?!cli/|sqlite/|postgres/|redis/|server/|client/|testing/)';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Cycles hide the layering.', from: {}, to: { circular: true } },
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
      to: { path: '^src/(cli|sqlite|postgres|redis|server|client|testing)/' },
    },
    {
      name: 'adapters-use-public-api',
      severity: 'error',
      comment: 'An adapter (sqlite/, testing/ …) reaches the core only through src/index.ts, as its users do, and never another adapter.',
      from: { path: '^src/(cli|sqlite|postgres|redis|server|client|testing)/' },
      to: { path: '^src/', pathNot: ['^src/index\\.ts$', '^src/$1/'] },
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
