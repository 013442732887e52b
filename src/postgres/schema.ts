import type pg from 'pg';
import { CheckpointError } from '../index.js';
import { withTransaction, type Connection } from './connection.js';

/**
 * One part of weft's schema (`checkpoints`, `runs`): its migrations in order, each the DDL that takes the tables from
 * version i to i + 1. `{schema}` in the DDL stands for the quoted schema name. Append a migration to change a table;
 * never edit a released one.
 */
export interface SchemaPart {
  readonly name: string;
  readonly migrations: readonly string[];
}

/** Every weft process takes this one advisory lock to migrate, so migrations run one at a time across all nodes. */
const MIGRATION_LOCK = 'weft.migrate';

/**
 * Brings one part of the schema to the version this copy of weft knows, in one transaction under an advisory lock, so
 * that many nodes may start at once; refuses a schema a newer weft wrote.
 */
export async function migrate(connection: Connection, part: SchemaPart): Promise<void> {
  const { schema } = connection;
  const version = part.migrations.length;
  await withTransaction(connection.pool, async (client: pg.PoolClient) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.weft_meta (name TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${schema}.weft_meta WHERE name = $1`, [part.name]);
    const current = rows[0]?.version ?? 0;
    if (current > version) {
      throw new CheckpointError(
        'future_version',
        `The "${part.name}" tables in schema ${schema} have schema version ${current}, but this copy of weft knows only up to ${version}. Upgrade weft to read them.`,
      );
    }
    for (const ddl of part.migrations.slice(current)) await client.query(ddl.replaceAll('{schema}', schema));
    if (current < version) {
      await client.query(
        `INSERT INTO ${schema}.weft_meta (name, version) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET version = excluded.version`,
        [part.name, version],
      );
    }
  });
}

/**
 * Runs `migrate` once, on first use: the stores' constructors cannot wait, so each method awaits this. A failure is
 * kept and rethrown by every later call (a database that is down at first use is retried on the next).
 */
export function lazily(run: () => Promise<void>): () => Promise<void> {
  let ready: Promise<void> | undefined;
  return () => {
    ready ??= run().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
}
