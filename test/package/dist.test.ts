// The built package, as users get it: every subpath in package.json "exports" must load from dist/ in
// both module systems and carry its named exports. `npm test` builds before running this.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);

interface Condition {
  readonly types: string;
  readonly default: string;
}
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, { import: Condition; require: Condition } | string>;
};

/** What each subpath must export at run time (a sample for the core, everything for the adapters). */
const expected: Record<string, readonly string[]> = {
  '.': ['WorkflowBuilder', 'Workflow', 'executor', 'fromFunction', 'WeftError', 'isWeftError', 'MemoryCheckpointStore', 'EventStream'],
  './testing': ['describeCheckpointStore'],
  './sqlite': ['SqliteCheckpointStore', 'openSqlite'],
  './server': ['createApp', 'serve', 'allow'],
  './client': ['createClient', 'WeftHttpError'],
  './otel': ['createTracing', 'withTraceContext', 'traceHeaders'],
  './ai': ['aiAgent', 'fromModel', 'toTool', 'isTextDelta', 'isTextCompleted', 'isRetryableAiError', 'classifyAiError'],
  './postgres': ['PostgresCheckpointStore', 'PostgresRunStore'],
  './bullmq': ['bullmqPlacement', 'createWorker', 'invocationJobId', 'InvocationJobError'],
};

const entries = Object.entries(manifest.exports).flatMap(([subpath, target]) => (typeof target === 'string' ? [] : [{ subpath, ...target }]));
const specifier = (subpath: string): string => `weft${subpath.slice(1)}`;

/** Every bare specifier the file loads, following its relative imports (the shared chunks) too. */
const imports = (file: string, seen = new Set<string>()): string[] => {
  if (seen.has(file)) return [];
  seen.add(file);
  const specifiers = [...readFileSync(file, 'utf8').matchAll(/(?:from |import\(|require\()['"]([^'"]+)['"]/g)].map((match) => match[1] as string);
  return specifiers.flatMap((specifier) => (specifier.startsWith('.') ? imports(resolve(file, '..', specifier), seen) : [specifier]));
};

describe('dist', () => {
  it('has a test expectation for every subpath export', () => {
    expect(entries.map((entry) => entry.subpath).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(entries)('$subpath: every file named in exports exists', (entry) => {
    for (const file of [entry.import.types, entry.import.default, entry.require.types, entry.require.default]) {
      expect(existsSync(resolve(root, file)), `${file} is missing: run \`npm run build\``).toBe(true);
    }
  });

  it.each(entries)('$subpath: the ESM build has its named exports', async (entry) => {
    const module = (await import(pathToFileURL(resolve(root, entry.import.default)).href)) as Record<string, unknown>;
    for (const name of expected[entry.subpath] ?? []) expect(module[name], `${name} from ${entry.import.default}`).toBeTypeOf('function');
  });

  it.each(entries.filter((entry) => entry.subpath !== './testing'))('$subpath: the CJS build has its named exports', (entry) => {
    const module = require(resolve(root, entry.require.default)) as Record<string, unknown>;
    for (const name of expected[entry.subpath] ?? []) expect(module[name], `${name} from ${entry.require.default}`).toBeTypeOf('function');
  });

  it('./client: the build imports neither node:* nor hono, so it runs in browsers too', () => {
    for (const file of ['dist/client.js', 'dist/client.cjs']) {
      const loaded = imports(resolve(root, file));
      expect(loaded.some((specifier) => specifier === 'rxjs' || specifier.startsWith('rxjs/'))).toBe(true); // the scan sees imports at all
      expect(loaded.filter((specifier) => specifier.startsWith('node:') || specifier.includes('hono'))).toEqual([]);
    }
  });

  it('.: the core entry loads neither @opentelemetry/api nor the AI SDK; weft/otel and weft/ai load theirs', () => {
    for (const file of ['dist/index.js', 'dist/index.cjs']) {
      expect(
        imports(resolve(root, file)).filter(
          (specifier) => specifier.startsWith('@opentelemetry/') || specifier === 'ai' || specifier.startsWith('ai/'),
        ),
      ).toEqual([]);
    }
    expect(imports(resolve(root, 'dist/otel.js'))).toContain('@opentelemetry/api');
    expect(imports(resolve(root, 'dist/ai.js'))).toContain('ai');
  });

  it('./testing: the CJS build loads vitest, which refuses require() (test files import it, so they get the ESM build)', () => {
    expect(readFileSync(resolve(root, 'dist/testing.cjs'), 'utf8')).toContain("require('vitest')");
    expect(() => require(resolve(root, 'dist/testing.cjs'))).toThrow(/Vitest cannot be imported in a CommonJS module/);
  });

  it('resolves every subpath by name through package.json "exports" in plain Node, ESM and CJS', () => {
    const names = Object.fromEntries(entries.map((entry) => [specifier(entry.subpath), expected[entry.subpath]]));
    // Package self-reference: code inside the package may import it by name; this script runs from the root.
    const script = `
      import { createRequire } from 'node:module';
      const names = ${JSON.stringify(names)};
      const require = createRequire(process.cwd() + '/');
      const missing = [];
      for (const [specifier, exported] of Object.entries(names)) {
        const esm = await import(specifier);
        const cjs = specifier === 'weft/testing' ? esm : require(specifier);
        for (const name of exported) {
          if (typeof esm[name] !== 'function') missing.push('import ' + specifier + ' ' + name);
          if (typeof cjs[name] !== 'function') missing.push('require ' + specifier + ' ' + name);
        }
      }
      console.log(JSON.stringify(missing));`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  it('shares one copy of the core between subpaths, so instanceof WeftError holds across them', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'weft-dist-'));
    try {
      const loaders = [
        async (file: string) => (await import(pathToFileURL(resolve(root, `dist/${file}.js`)).href)) as Record<string, unknown>,
        async (file: string) => require(resolve(root, `dist/${file}.cjs`)) as Record<string, unknown>,
      ];
      for (const [index, load] of loaders.entries()) {
        const path = join(directory, `weft-${index}.db`);
        const core = (await load('index')) as { WeftError: abstract new (...args: never[]) => Error };
        const sqlite = (await load('sqlite')) as {
          SqliteCheckpointStore: new (options: { path: string }) => { close(): void; database: { exec(sql: string): void } };
        };
        const store = new sqlite.SqliteCheckpointStore({ path });
        store.database.exec("UPDATE weft_meta SET version = 99 WHERE name = 'checkpoints'");
        store.close();
        expect(() => new sqlite.SqliteCheckpointStore({ path })).toThrow(core.WeftError);
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
