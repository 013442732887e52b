// vitest globalSetup of the `postgres` project: one throwaway Postgres for the whole run, given to the tests as
// inject('postgres'), stopped at the end. Started only when the run includes a test file that uses it (one importing
// test/support/postgres…), so other runs pay nothing. Without the binaries: CI fails; elsewhere those suites are skipped with one line saying how to install.
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { TestProject } from 'vitest/node';
import { postgresMissing, startPostgres, type PostgresAvailability } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresAvailability;
  }
}

/** Test files that use Postgres, relative to the project root. */
function postgresTestFiles(root: string): string[] {
  const files = readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.test.ts'));
  return files
    .map((file) => join(root, 'test', file))
    .filter((file) => /support\/postgres/.test(readFileSync(file, 'utf8')))
    .map((file) => relative(root, file));
}

/** The file filters given on the command line (vitest matches them as substrings of the file paths). */
function fileFilters(): string[] {
  const args = process.argv.slice(2);
  const at = args.findIndex((arg) => arg === 'run' || arg === 'watch' || arg === 'dev');
  const rest = at >= 0 ? args.slice(at + 1) : args;
  // Options that take the next argument as their value: that value is no filter.
  const valued = new Set([
    '--project',
    '--reporter',
    '--config',
    '-c',
    '--testNamePattern',
    '-t',
    '--shard',
    '--maxWorkers',
    '--root',
    '-r',
    '--dir',
    '--exclude',
    '--outputFile',
  ]);
  return rest
    .filter((arg, index) => !arg.startsWith('-') && !/vitest/.test(arg) && !(index > 0 && valued.has(rest[index - 1] as string)))
    .map((arg) => (isAbsolute(arg) ? relative(process.cwd(), arg) : arg).replace(/^\.\//, '').replace(/:\d+$/, ''));
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const root = project.config.root;
  const filters = fileFilters();
  const needed = postgresTestFiles(root).some((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)));
  if (!needed) {
    project.provide('postgres', { skip: 'no test of this run uses Postgres' });
    return undefined;
  }
  const missing = postgresMissing();
  if (missing !== undefined) {
    if (process.env['CI'] !== undefined) throw new Error(`The Postgres suites must run on CI, but ${missing}.`);
    console.warn(`weft: skipping the Postgres suites: ${missing}.`);
    project.provide('postgres', { skip: missing });
    return undefined;
  }
  const cluster = await startPostgres({ durable: false });
  project.provide('postgres', { url: cluster.url });
  return () => cluster.stop();
}
