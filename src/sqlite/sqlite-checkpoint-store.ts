import Database from 'better-sqlite3';
import { migrate } from './schema.js';
import { type CheckpointStore, type StoredCheckpoint, type StoredInvocation } from '../index.js';
import { CHECKPOINT_COLUMNS, checkpointColumns, REPLACE_CHECKPOINT, toCheckpoint, type CheckpointRow } from '../sql/run-rows.js';

/** Saves a checkpoint (its columns by name, from `checkpointColumns`), replacing one saved under the same id. */
export const SAVE_CHECKPOINT = `INSERT INTO checkpoints (${CHECKPOINT_COLUMNS})
  VALUES (@id, @run_id, @parent_id, @workflow, @superstep, @created_at, @kind, @data) ${REPLACE_CHECKPOINT}`;

/** The version of the `checkpoints` table this copy of weft writes, recorded in `weft_meta`. */
const SCHEMA_VERSION = 1;
const TABLE = 'checkpoints';
/** The version of the `invocations` table (records of invocations in supersteps not yet checkpointed). */
const INVOCATIONS_VERSION = 1;

/** Options of {@link SqliteCheckpointStore}: a file to open, or a database you opened and keep owning. */
export interface SqliteCheckpointStoreOptions {
  /** The database file, created if missing (default `'weft.db'`); `':memory:'` keeps it in memory. Ignored when `database` is given. */
  readonly path?: string;
  /** An open better-sqlite3 database to use; the store never closes it. {@link openSqlite} opens one with weft's settings. */
  readonly database?: Database.Database;
}

interface InvocationRow {
  readonly run_id: string;
  readonly invocation_id: string;
  readonly superstep: number;
  readonly data: string;
}

const toInvocation = (row: InvocationRow): StoredInvocation => ({
  runId: row.run_id,
  superstep: row.superstep,
  invocationId: row.invocation_id,
  data: row.data,
});

/**
 * Opens (or creates) a SQLite file with the settings weft's stores expect: WAL journal, `synchronous = NORMAL`.
 * Open one and pass it as `database` to share a file between stores.
 *
 * @example
 * ```ts
 * const database = openSqlite('weft.db');
 * const checkpoints = new SqliteCheckpointStore({ database });
 * ```
 */
export function openSqlite(path = 'weft.db'): Database.Database {
  const database = new Database(path);
  try {
    database.pragma('journal_mode = WAL');
    // With WAL, NORMAL loses at most the last transactions on power loss, never consistency.
    database.pragma('synchronous = NORMAL');
  } catch (error) {
    database.close();
    throw error;
  }
  return database;
}

/** Creates the tables if missing and refuses a file written by a newer weft. */
function migrateTables(database: Database.Database): void {
  migrate(
    database,
    TABLE,
    SCHEMA_VERSION,
    `
      CREATE TABLE IF NOT EXISTS checkpoints (
        id TEXT PRIMARY KEY NOT NULL,
        run_id TEXT NOT NULL,
        parent_id TEXT,
        workflow TEXT NOT NULL,
        superstep INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('full', 'delta')),
        data TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS checkpoints_by_run ON checkpoints (run_id, superstep, created_at);
    `,
  );
  migrate(
    database,
    'invocations',
    INVOCATIONS_VERSION,
    `
      CREATE TABLE IF NOT EXISTS invocations (
        run_id TEXT NOT NULL,
        invocation_id TEXT NOT NULL,
        superstep INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (run_id, invocation_id)
      );
      CREATE INDEX IF NOT EXISTS invocations_by_superstep ON invocations (run_id, superstep);
    `,
  );
}

/**
 * Keeps checkpoints in one SQLite file (better-sqlite3), so runs survive restarts: the embedded default.
 *
 * @example
 * ```ts
 * const store = new SqliteCheckpointStore({ path: 'weft.db' });
 * await workflow.run(input, { checkpoints: store });
 * store.close();
 * ```
 */
export class SqliteCheckpointStore implements CheckpointStore {
  /** The underlying database, for inspection or for sharing with other stores. */
  readonly database: Database.Database;
  readonly #ownsDatabase: boolean;
  readonly #save: Database.Statement<[CheckpointRow]>;
  readonly #get: Database.Statement<[string], CheckpointRow>;
  readonly #list: Database.Statement<[string], CheckpointRow>;
  readonly #latest: Database.Statement<[string], CheckpointRow>;
  readonly #deleteRun: Database.Transaction<(runId: string) => void>;
  readonly #saveInvocation: Database.Statement<[InvocationRow]>;
  readonly #listInvocations: Database.Statement<[string, number], InvocationRow>;
  readonly #deleteInvocations: Database.Statement<[string, number]>;

  constructor(options: SqliteCheckpointStoreOptions = {}) {
    this.#ownsDatabase = options.database === undefined;
    this.database = options.database ?? openSqlite(options.path);
    try {
      migrateTables(this.database);
      this.#save = this.database.prepare(SAVE_CHECKPOINT);
      this.#get = this.database.prepare('SELECT * FROM checkpoints WHERE id = ?');
      this.#list = this.database.prepare('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY superstep, created_at, rowid');
      this.#latest = this.database.prepare('SELECT * FROM checkpoints WHERE run_id = ? ORDER BY superstep DESC, created_at DESC, rowid DESC LIMIT 1');
      const deleteCheckpoints = this.database.prepare('DELETE FROM checkpoints WHERE run_id = ?');
      const deleteRecords = this.database.prepare('DELETE FROM invocations WHERE run_id = ?');
      this.#deleteRun = this.database.transaction((runId: string) => {
        deleteCheckpoints.run(runId);
        deleteRecords.run(runId);
      });
      this.#saveInvocation = this.database.prepare(`
        INSERT INTO invocations (run_id, invocation_id, superstep, data) VALUES (@run_id, @invocation_id, @superstep, @data)
        ON CONFLICT (run_id, invocation_id) DO UPDATE SET superstep = excluded.superstep, data = excluded.data`);
      this.#listInvocations = this.database.prepare('SELECT * FROM invocations WHERE run_id = ? AND superstep = ?');
      this.#deleteInvocations = this.database.prepare('DELETE FROM invocations WHERE run_id = ? AND superstep <= ?');
    } catch (error) {
      if (this.#ownsDatabase) this.database.close();
      throw error;
    }
  }

  /** Saves a checkpoint, replacing any saved under the same id. */
  async save(checkpoint: StoredCheckpoint): Promise<void> {
    this.#save.run(checkpointColumns(checkpoint));
  }

  /** The checkpoint with this id, or undefined. */
  async get(id: string): Promise<StoredCheckpoint | undefined> {
    const row = this.#get.get(id);
    return row === undefined ? undefined : toCheckpoint(row);
  }

  /** A run's checkpoints, oldest first (by superstep, then by creation). */
  async list(runId: string): Promise<readonly StoredCheckpoint[]> {
    return this.#list.all(runId).map(toCheckpoint);
  }

  /** A run's newest checkpoint (highest superstep, then latest created), or undefined. */
  async latest(runId: string): Promise<StoredCheckpoint | undefined> {
    const row = this.#latest.get(runId);
    return row === undefined ? undefined : toCheckpoint(row);
  }

  /** Removes every checkpoint of a run, and its invocation records. */
  async deleteRun(runId: string): Promise<void> {
    this.#deleteRun(runId);
  }

  /** Saves the record of a finished invocation, replacing one saved under the same run and invocation id. */
  async saveInvocation(record: StoredInvocation): Promise<void> {
    this.#saveInvocation.run({ run_id: record.runId, invocation_id: record.invocationId, superstep: record.superstep, data: record.data });
  }

  /** Every invocation record of a run in one superstep. */
  async listInvocations(runId: string, superstep: number): Promise<readonly StoredInvocation[]> {
    return this.#listInvocations.all(runId, superstep).map(toInvocation);
  }

  /** Removes a run's invocation records up to and including a superstep. */
  async deleteInvocations(runId: string, throughSuperstep: number): Promise<void> {
    this.#deleteInvocations.run(runId, throughSuperstep);
  }

  /** Closes the database if this store opened it; a database passed in as `database` stays open. */
  close(): void {
    if (this.#ownsDatabase && this.database.open) this.database.close();
  }
}
