import type pg from 'pg';
import { type CheckpointStore, type StoredCheckpoint, type StoredInvocation } from '../index.js';
import { CHECKPOINT_COLUMNS, checkpointColumns, REPLACE_CHECKPOINT, toCheckpoint, type CheckpointRow } from '../sql/run-rows.js';
import { connect, withTransaction, type Connection, type PostgresConnectionOptions, type Queryable } from './connection.js';
import { lazily, migrate, type SchemaPart } from './schema.js';

/** Options of {@link PostgresCheckpointStore}. */
export type PostgresCheckpointStoreOptions = PostgresConnectionOptions;

/** The `checkpoints` table, version by version. */
export const checkpointsSchema: SchemaPart = {
  name: 'checkpoints',
  migrations: [
    `CREATE TABLE IF NOT EXISTS {schema}.checkpoints (
      id TEXT PRIMARY KEY NOT NULL,
      run_id TEXT NOT NULL,
      parent_id TEXT,
      workflow TEXT NOT NULL,
      superstep INTEGER NOT NULL,
      created_at BIGINT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('full', 'delta')),
      data TEXT NOT NULL,
      -- insertion order, kept when a checkpoint is saved again: the last tie-breaker of list and latest
      position BIGSERIAL NOT NULL
    );
    CREATE INDEX IF NOT EXISTS checkpoints_by_run ON {schema}.checkpoints (run_id, superstep, created_at, position);`,
    // 2: the records of invocations that finished in a superstep not yet checkpointed (DESIGN.md §7.3).
    `CREATE TABLE IF NOT EXISTS {schema}.invocations (
      run_id TEXT NOT NULL,
      invocation_id TEXT NOT NULL,
      superstep INTEGER NOT NULL,
      data TEXT NOT NULL,
      PRIMARY KEY (run_id, invocation_id)
    );
    CREATE INDEX IF NOT EXISTS invocations_by_superstep ON {schema}.invocations (run_id, superstep);`,
  ],
};

/** Saves a checkpoint with `query` (the pool, or a transaction's client), replacing one saved under the same id. */
export async function saveCheckpoint(query: Queryable, schema: string, checkpoint: StoredCheckpoint): Promise<void> {
  await query.query(
    `INSERT INTO ${schema}.checkpoints (${CHECKPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ${REPLACE_CHECKPOINT}`,
    Object.values(checkpointColumns(checkpoint)),
  );
}

/**
 * Keeps checkpoints in Postgres (on `pg`), so runs survive restarts and any node can resume them. Creates its table on
 * first use.
 *
 * @example
 * ```ts
 * const checkpoints = new PostgresCheckpointStore({ connectionString: process.env.DATABASE_URL });
 * await workflow.run(input, { checkpoints });
 * await checkpoints.close();
 * ```
 */
export class PostgresCheckpointStore implements CheckpointStore {
  /** The pool it queries, for inspection or for sharing with other stores. */
  readonly pool: pg.Pool;
  /** The schema that holds its tables. */
  readonly schema: string;
  readonly #connection: Connection;
  readonly #ready: () => Promise<void>;
  #closed = false;

  constructor(options: PostgresCheckpointStoreOptions) {
    this.#connection = connect(options, 'PostgresCheckpointStore');
    this.pool = this.#connection.pool;
    this.schema = this.#connection.schemaName;
    this.#ready = lazily(() => migrate(this.#connection, checkpointsSchema));
  }

  /** Creates the table if missing (every method does it on first use); rejects for a schema a newer weft wrote. */
  async migrate(): Promise<void> {
    await this.#ready();
  }

  /** Saves a checkpoint, replacing any saved under the same id. */
  async save(checkpoint: StoredCheckpoint): Promise<void> {
    await this.#ready();
    await saveCheckpoint(this.#connection.pool, this.#connection.schema, checkpoint);
  }

  /** The checkpoint with this id, or undefined. */
  async get(id: string): Promise<StoredCheckpoint | undefined> {
    const rows = await this.#select('WHERE id = $1', [id]);
    return rows[0];
  }

  /** A run's checkpoints, oldest first (by superstep, then by creation). */
  async list(runId: string): Promise<readonly StoredCheckpoint[]> {
    return this.#select('WHERE run_id = $1 ORDER BY superstep, created_at, position', [runId]);
  }

  /** A run's newest checkpoint (highest superstep, then latest created), or undefined. */
  async latest(runId: string): Promise<StoredCheckpoint | undefined> {
    const rows = await this.#select('WHERE run_id = $1 ORDER BY superstep DESC, created_at DESC, position DESC LIMIT 1', [runId]);
    return rows[0];
  }

  /** Removes every checkpoint of a run, and its invocation records. */
  async deleteRun(runId: string): Promise<void> {
    await this.#ready();
    const { schema } = this.#connection;
    await withTransaction(this.#connection.pool, async (client) => {
      await client.query(`DELETE FROM ${schema}.checkpoints WHERE run_id = $1`, [runId]);
      await client.query(`DELETE FROM ${schema}.invocations WHERE run_id = $1`, [runId]);
    });
  }

  /** Saves the record of a finished invocation, replacing one of the same run and invocation id. */
  async saveInvocation(record: StoredInvocation): Promise<void> {
    await this.#ready();
    await this.#connection.pool.query(
      `INSERT INTO ${this.#connection.schema}.invocations (run_id, invocation_id, superstep, data) VALUES ($1, $2, $3, $4)
       ON CONFLICT (run_id, invocation_id) DO UPDATE SET superstep = excluded.superstep, data = excluded.data`,
      [record.runId, record.invocationId, record.superstep, record.data],
    );
  }

  /** Every invocation record of the run at exactly this superstep. */
  async listInvocations(runId: string, superstep: number): Promise<readonly StoredInvocation[]> {
    await this.#ready();
    const { rows } = await this.#connection.pool.query<{ invocation_id: string; data: string }>(
      `SELECT invocation_id, data FROM ${this.#connection.schema}.invocations WHERE run_id = $1 AND superstep = $2 ORDER BY invocation_id`,
      [runId, superstep],
    );
    return rows.map((row) => ({ runId, superstep, invocationId: row.invocation_id, data: row.data }));
  }

  /** Removes the run's invocation records up to and including this superstep. */
  async deleteInvocations(runId: string, throughSuperstep: number): Promise<void> {
    await this.#ready();
    await this.#connection.pool.query(`DELETE FROM ${this.#connection.schema}.invocations WHERE run_id = $1 AND superstep <= $2`, [
      runId,
      throughSuperstep,
    ]);
  }

  /** Ends the pool if this store opened it; a pool passed in as `pool` stays open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#connection.ownsPool) await this.#connection.pool.end();
  }

  async #select(where: string, values: readonly unknown[]): Promise<StoredCheckpoint[]> {
    await this.#ready();
    const { rows } = await this.#connection.pool.query<CheckpointRow>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM ${this.#connection.schema}.checkpoints ${where}`,
      [...values],
    );
    return rows.map(toCheckpoint);
  }
}
