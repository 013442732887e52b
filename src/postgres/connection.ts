import pg from 'pg';

/** How a Postgres store reaches its database: a connection string (the store opens and closes its pool) or a pool you own. */
export type PostgresConnectionOptions = (
  | {
      /** A `postgres://` URL; the store opens a pool on it and closes the pool on `close()`. */
      readonly connectionString: string;
      readonly pool?: undefined;
    }
  | {
      /**
       * A pool you opened and keep owning: the store never ends it. A run store renews its leases on it too, so give it
       * enough connections that a renewal never waits long behind other queries (with a connection string, renewals
       * get a pool of their own).
       */
      readonly pool: pg.Pool;
      readonly connectionString?: undefined;
    }
) & {
  /** The schema that holds weft's tables, created if missing (default `public`); give each deployment its own to keep them apart. */
  readonly schema?: string;
};

/** Something that runs a query: the pool, or the client of a transaction. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

/** A store's connection: the pool, whether the store owns it, and the quoted schema to qualify table names with. */
export interface Connection {
  readonly pool: pg.Pool;
  readonly ownsPool: boolean;
  /** The URL the store opened its pool on; undefined for a pool it was given. */
  readonly connectionString?: string;
  /** The schema's name, quoted as an SQL identifier. */
  readonly schema: string;
  readonly schemaName: string;
}

/** Quotes an SQL identifier (`"my schema"`), doubling any quote inside. */
export const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Checks the options and opens the pool when given a connection string. */
export function connect(options: PostgresConnectionOptions, store: string): Connection {
  const given = options as { readonly connectionString?: unknown; readonly pool?: unknown; readonly schema?: unknown } | undefined;
  if (given === undefined || given === null || typeof given !== 'object') {
    throw new TypeError(`${store}: pass { connectionString: 'postgres://…' } or { pool } (a pg.Pool).`);
  }
  const schemaName = given.schema ?? 'public';
  if (typeof schemaName !== 'string' || schemaName.length === 0 || schemaName.length > 63) {
    throw new TypeError(`${store}: schema must be a non-empty string of at most 63 characters, got ${JSON.stringify(given.schema)}.`);
  }
  if (given.pool !== undefined && given.connectionString !== undefined) {
    throw new TypeError(`${store}: pass either connectionString or pool, not both.`);
  }
  if (given.pool !== undefined) {
    if (typeof (given.pool as { query?: unknown }).query !== 'function' || typeof (given.pool as { connect?: unknown }).connect !== 'function') {
      throw new TypeError(`${store}: pool must be a pg.Pool (new Pool({ connectionString }) from the pg package).`);
    }
    return { pool: given.pool as pg.Pool, ownsPool: false, schema: quoteIdentifier(schemaName), schemaName };
  }
  if (typeof given.connectionString !== 'string' || given.connectionString.length === 0) {
    throw new TypeError(`${store}: pass { connectionString: 'postgres://user@host:5432/database' } or { pool } (a pg.Pool).`);
  }
  const pool = new pg.Pool({ connectionString: given.connectionString });
  // An idle connection that breaks (a server restart) is dropped by the pool; unheard, the 'error' would end the process.
  pool.on('error', () => undefined);
  return { pool, ownsPool: true, connectionString: given.connectionString, schema: quoteIdentifier(schemaName), schemaName };
}

/**
 * The pool lease renewals go through: with a connection string, a small pool of their own, so that a renewal never
 * waits for a connection behind the reads and commits of a busy node (its lease could expire meanwhile); with a pool
 * you gave, that pool.
 */
export function leasePool(connection: Connection): pg.Pool {
  if (connection.connectionString === undefined) return connection.pool;
  const pool = new pg.Pool({ connectionString: connection.connectionString, max: 2 });
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Runs `work` in one transaction on one client of the pool: committed when it resolves, rolled back when it throws.
 * Every multi-statement write of the stores goes through here.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: unknown;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError; // the connection is unusable: let the pool discard it
    }
    throw error;
  } finally {
    client.release(broken instanceof Error ? broken : undefined);
  }
}
