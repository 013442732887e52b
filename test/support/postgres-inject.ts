// What a test file needs to use the run's Postgres (started by postgres-setup.ts): the server's URL, or a skip.
import { describe, inject } from 'vitest';
import { freshSchema } from './postgres.js';

export { freshDatabase, freshSchema } from './postgres.js';

/** The run's Postgres URL, or undefined when this run has none (the reason was printed once by the global setup). */
export function postgresUrl(): string | undefined {
  const postgres = inject('postgres') as ReturnType<typeof inject<'postgres'>> | undefined; // undefined outside the `postgres` project
  return postgres !== undefined && 'url' in postgres ? postgres.url : undefined;
}

/** `describe`, or `describe.skip` when this run has no Postgres. */
export const describePostgres = (postgresUrl() === undefined ? describe.skip : describe) as typeof describe;

/** Connection options for a store in a schema of its own. */
export function freshOptions(): { readonly connectionString: string; readonly schema: string } {
  const url = postgresUrl();
  if (url === undefined) throw new Error('No Postgres in this run: wrap the suite in describePostgres.');
  return { connectionString: url, schema: freshSchema() };
}
