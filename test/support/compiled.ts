// A test's child process, compiled once: esbuild bundles the entry with weft's subpaths taken from src/, so every
// child starts as plain `node <file>.mjs` instead of paying tsx's loader and transform again in each process.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));
const entries: Readonly<Record<string, string>> = {
  weft: 'src/index.ts',
  'weft/testing': 'src/testing/index.ts',
  'weft/sqlite': 'src/sqlite/index.ts',
  'weft/server': 'src/server/index.ts',
  'weft/client': 'src/client/index.ts',
  'weft/postgres': 'src/postgres/index.ts',
  'weft/bullmq': 'src/bullmq/index.ts',
};

/** weft's subpaths come from src/ (as in vitest.config.ts); every other package stays an import of node_modules. */
const resolveImports: Plugin = {
  name: 'weft-test-imports',
  setup(context) {
    context.onResolve({ filter: /^[^./]/ }, (args) => {
      const entry = entries[args.path];
      return entry === undefined ? { path: args.path, external: true } : { path: join(root, entry) };
    });
  },
};

const builds = new Map<string, Promise<string>>();

/** The path of `entry` (a .ts file) bundled as one ES module inside the repository, so its packages resolve. */
export function compiled(entry: string): Promise<string> {
  const path = entry.startsWith('file:') ? fileURLToPath(entry) : entry;
  let output = builds.get(path);
  if (output === undefined) {
    const name = relative(root, path)
      .replace(/[^\w.-]+/g, '_')
      .replace(/\.ts$/, '');
    const directory = join(root, 'node_modules/.cache/weft-tests');
    mkdirSync(directory, { recursive: true });
    // One file per test process: parallel test files never write the same bundle.
    const outfile = join(directory, `${name}-${process.pid}-${createHash('sha1').update(path).digest('hex').slice(0, 8)}.mjs`);
    output = build({
      entryPoints: [path],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'inline',
      logLevel: 'error',
      plugins: [resolveImports],
    }).then(() => outfile);
    builds.set(path, output);
  }
  return output;
}
