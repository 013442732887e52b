// A test's child process, compiled once: esbuild bundles the entry with weft's subpaths taken from src/, so every
// child starts as plain `node <file>.mjs` instead of paying tsx's loader and transform again in each process.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
  'weft/otel': 'src/otel/index.ts',
  'weft/ai': 'src/ai/index.ts',
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
const cache = join(root, 'node_modules/.cache/weft-tests');
let pruned = false;

/**
 * Removes the builds of earlier runs, once per test process: those older than an hour (no test file runs that long),
 * except the package build of src/ as it is now, which the runs share however old it is.
 */
function prune(): void {
  if (pruned) return;
  pruned = true;
  mkdirSync(cache, { recursive: true });
  const before = Date.now() - 3_600_000;
  const current = `package-${packageKey()}`;
  for (const name of readdirSync(cache)) {
    if (name === current) continue;
    const path = join(cache, name);
    try {
      if (statSync(path).mtimeMs < before) rmSync(path, { recursive: true, force: true });
    } catch {
      // Removed by another test process meanwhile.
    }
  }
}

/** The path of `entry` (a .ts file) bundled as one ES module inside the repository, so its packages resolve. */
export function compiled(entry: string): Promise<string> {
  const path = entry.startsWith('file:') ? fileURLToPath(entry) : entry;
  let output = builds.get(path);
  if (output === undefined) {
    const name = relative(root, path)
      .replace(/[^\w.-]+/g, '_')
      .replace(/\.ts$/, '');
    prune();
    // One file per test process: parallel test files never write the same bundle.
    const outfile = join(cache, `${name}-${process.pid}-${createHash('sha1').update(path).digest('hex').slice(0, 8)}.mjs`);
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

/** weft built for the tests that spawn it: the CLI and every entry, sharing one copy of the core. */
export interface CompiledPackage {
  /** The folder of the build. */
  readonly directory: string;
  /** The `weft` bin (src/cli/main.ts), run as `node <cli> …`. */
  readonly cli: string;
  /**
   * A tsconfig that extends the repository's and points `weft` and its subpaths at this build: give it to a child as
   * TSX_TSCONFIG_PATH, and the .ts modules tsx loads there (a workflow module, an example) import the same copy of
   * weft as the CLI, already compiled, instead of tsx transforming src/ again in every process.
   */
  readonly tsconfig: string;
  /** The environment for such a child: TSX_TSCONFIG_PATH set. */
  readonly env: Readonly<Record<string, string>>;
}

/** The entry points of the package build: each weft subpath by its name in dist/, and the CLI. */
const packageEntries: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(entries).map(([name, entry]) => [name === 'weft' ? 'index' : name.slice('weft/'.length), entry])),
  cli: 'src/cli/main.ts',
};

/** Every file under `directory`, sorted, with its content hashed in: the build's key changes with any change to src/. */
function hashTree(directory: string, hash = createHash('sha1')): ReturnType<typeof createHash> {
  for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) hashTree(path, hash);
    else hash.update(relative(root, path)).update('\0').update(readFileSync(path)).update('\0');
  }
  return hash;
}

let key: string | undefined;
/** The package build's key: the content of src/ and of the tsconfig it is compiled with. */
const packageKey = (): string =>
  (key ??= hashTree(join(root, 'src'))
    .update(readFileSync(join(root, 'tsconfig.json')))
    .digest('hex')
    .slice(0, 12));

let packageBuild: Promise<CompiledPackage> | undefined;

/**
 * weft (src/) built once per content of src/ into node_modules/.cache/weft-tests/package-<hash>: the CLI and every
 * subpath as ES modules with shared chunks (as dist/ has them), packages left to node_modules. Test processes that
 * start together share one build: each writes its own folder and renames it into place; the first rename wins.
 */
export function compiledPackage(): Promise<CompiledPackage> {
  packageBuild ??= buildPackage();
  return packageBuild;
}

async function buildPackage(): Promise<CompiledPackage> {
  const directory = join(cache, `package-${packageKey()}`);
  const tsconfig = join(directory, 'tsconfig.json');
  const built: CompiledPackage = { directory, cli: join(directory, 'cli.js'), tsconfig, env: { TSX_TSCONFIG_PATH: tsconfig } };
  if (existsSync(tsconfig)) return built;
  prune();
  const staging = `${directory}-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  await build({
    entryPoints: Object.fromEntries(Object.entries(packageEntries).map(([name, entry]) => [name, join(root, entry)])),
    outdir: staging,
    bundle: true,
    splitting: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'error',
  });
  const paths = Object.fromEntries(Object.keys(entries).map((name) => [name, [`./${name === 'weft' ? 'index' : name.slice('weft/'.length)}.js`]]));
  // Written last: its presence says the folder is complete.
  writeFileSync(join(staging, 'tsconfig.json'), `${JSON.stringify({ extends: join(root, 'tsconfig.json'), compilerOptions: { paths } }, null, 2)}\n`);
  try {
    renameSync(staging, directory);
  } catch (error) {
    // Another test process renamed its build into place first: the same sources, so the same build.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(tsconfig)) throw error;
  }
  return built;
}
