import type pg from 'pg';
import {
  LeaseLostError,
  type LeaseRequest,
  type RunAnswer,
  type RunChanges,
  type RunClaim,
  type RunCommit,
  type RunLease,
  type RunPage,
  type RunQuery,
  type RunRecord,
  type RunStore,
  type SerializedEvent,
} from '../index.js';
import {
  changedColumns,
  checkLimit,
  CLAIMED,
  pageOf,
  parseCursor,
  runColumns,
  toClaim,
  toRecord,
  type ClaimRow,
  type RunRow,
  type SummaryRow,
} from '../sql/run-rows.js';
import { connect, leasePool, withTransaction, type Connection, type PostgresConnectionOptions, type Queryable } from './connection.js';
import { PostgresCheckpointStore, saveCheckpoint } from './postgres-checkpoint-store.js';
import { CHANNEL, notification, notifyChange, RunWatcher } from './run-watcher.js';
import { lazily, migrate, type SchemaPart } from './schema.js';

/** Options of {@link PostgresRunStore}. */
export type PostgresRunStoreOptions = PostgresConnectionOptions & {
  /**
   * How often, in ms, a follower of a run driven by another process looks at the run even without a notification
   * (default 1000): the bound on the delay of a live event should LISTEN/NOTIFY miss one.
   */
  readonly pollInterval?: number;
};

/** The `runs` and `run_events` tables, version by version. */
export const runsSchema: SchemaPart = {
  name: 'runs',
  migrations: [
    `CREATE TABLE IF NOT EXISTS {schema}.runs (
      id TEXT PRIMARY KEY NOT NULL,
      workflow TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('running', 'waiting', 'completed', 'failed', 'cancelled')),
      input TEXT,
      outputs TEXT NOT NULL,
      pending_requests TEXT NOT NULL,
      error TEXT,
      checkpoint_id TEXT,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS runs_by_created ON {schema}.runs (created_at DESC, id DESC);
    CREATE INDEX IF NOT EXISTS runs_by_status ON {schema}.runs (status, created_at DESC, id DESC);
    CREATE INDEX IF NOT EXISTS runs_by_workflow ON {schema}.runs (workflow, created_at DESC, id DESC);
    CREATE INDEX IF NOT EXISTS runs_by_workflow_status ON {schema}.runs (workflow, status, created_at DESC, id DESC);
    CREATE TABLE IF NOT EXISTS {schema}.run_events (
      run_id TEXT NOT NULL,
      seq BIGINT NOT NULL,
      event TEXT NOT NULL,
      PRIMARY KEY (run_id, seq)
    );`,
    // 2: leases (owner, fencing token, expiry), answers not yet in a checkpoint, cancel requests; older runs start unowned.
    `ALTER TABLE {schema}.runs
      ADD COLUMN IF NOT EXISTS lease_owner TEXT,
      ADD COLUMN IF NOT EXISTS lease_token BIGINT NOT NULL DEFAULT 0,
      ADD COLUMN IF NOT EXISTS lease_expires_at BIGINT NOT NULL DEFAULT 0,
      ADD COLUMN IF NOT EXISTS responses TEXT NOT NULL DEFAULT '{}',
      ADD COLUMN IF NOT EXISTS cancel_requested BOOLEAN NOT NULL DEFAULT false;`,
  ],
};

function checkPollInterval(value: unknown): number {
  if (value === undefined) return 1000;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 10) {
    throw new TypeError(`PostgresRunStore: pollInterval must be a number of milliseconds, at least 10, got ${String(value)}.`);
  }
  return value;
}

/** Postgres' unique_violation. */
const UNIQUE_VIOLATION = '23505';

/**
 * Keeps runs, their events and their checkpoints in Postgres (on `pg`), shared by every process that opens it: runs
 * started on one node are followed, answered and recovered on any other. Creates its tables on first use.
 *
 * @example
 * ```ts
 * const store = new PostgresRunStore({ connectionString: process.env.DATABASE_URL });
 * const runtime = createRuntime({ workflows: { triage }, store });
 * await runtime.recover();
 * ```
 */
export class PostgresRunStore implements RunStore {
  /** The checkpoints, in the same database and schema, on the same pool. */
  readonly checkpoints: PostgresCheckpointStore;
  /** The pool it queries, for inspection or for sharing with other stores. */
  readonly pool: pg.Pool;
  /** The schema that holds its tables. */
  readonly schema: string;
  readonly #connection: Connection;
  /** Lease renewals' own pool (see `leasePool`). */
  readonly #leases: pg.Pool;
  readonly #ready: () => Promise<void>;
  readonly #watcher: RunWatcher;
  #closed = false;

  constructor(options: PostgresRunStoreOptions) {
    const pollInterval = checkPollInterval((options as { pollInterval?: unknown } | undefined)?.pollInterval);
    this.#connection = connect(options, 'PostgresRunStore');
    this.pool = this.#connection.pool;
    this.#leases = leasePool(this.#connection);
    this.schema = this.#connection.schemaName;
    this.checkpoints = new PostgresCheckpointStore({ pool: this.#connection.pool, schema: this.#connection.schemaName });
    this.#ready = lazily(async () => {
      await this.checkpoints.migrate();
      await migrate(this.#connection, runsSchema);
    });
    this.#watcher = new RunWatcher(this.#connection, pollInterval);
  }

  /** Creates the tables if missing (every method does it on first use); rejects for a schema a newer weft wrote. */
  async migrate(): Promise<void> {
    await this.#ready();
  }

  /** Stores a new run, owned by `lease.owner` (token 1) when `lease` is given; rejects if a run with its id exists. */
  async createRun(record: RunRecord, lease?: LeaseRequest): Promise<void> {
    await this.#ready();
    const { schema, schemaName } = this.#connection;
    try {
      const columns = runColumns(record, lease);
      const names = Object.keys(columns);
      await this.#connection.pool.query(
        `WITH created AS (
           INSERT INTO ${schema}.runs (${names.join(', ')}) VALUES (${names.map((_, index) => `$${index + 1}`).join(', ')}) RETURNING id
         ) SELECT pg_notify($${names.length + 1}, $${names.length + 2}) FROM created`,
        [...Object.values(columns), CHANNEL, notification(schemaName, record.id)],
      );
    } catch (error) {
      if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) throw new Error(`Run "${record.id}" already exists.`, { cause: error });
      throw error;
    }
  }

  /** Changes the given fields of a run (a field given as undefined is cleared); rejects for an unknown run. */
  async updateRun(id: string, changes: RunChanges): Promise<void> {
    await this.#ready();
    await this.#applyChanges(this.#connection.pool, id, changes);
  }

  /** One UPDATE (and its notification) with `query`: the pool, or a commit's transaction. */
  async #applyChanges(query: Queryable, id: string, changes: RunChanges): Promise<void> {
    const { schema, schemaName } = this.#connection;
    const values: unknown[] = [id];
    const sets = Object.entries(changedColumns(changes)).map(([column, value]) => `${column} = $${values.push(value)}`);
    if (changes.clearCancel === true) sets.push('cancel_requested = false');
    values.push(CHANNEL, notification(schemaName, id));
    const { rowCount } = await query.query(
      `WITH updated AS (UPDATE ${schema}.runs SET ${sets.join(', ')} WHERE id = $1 RETURNING id)
       SELECT pg_notify($${values.length - 1}, $${values.length}) FROM updated`,
      values,
    );
    if (rowCount === 0) throw new Error(`Run "${id}" does not exist.`);
  }

  /** The run with this id, or undefined. */
  async getRun(id: string): Promise<RunRecord | undefined> {
    await this.#ready();
    const { rows } = await this.#connection.pool.query<RunRow>(`SELECT * FROM ${this.#connection.schema}.runs WHERE id = $1`, [id]);
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  /** Summaries of the runs matching the filter, newest first (by creation time, then id), one page at a time. */
  async listRuns(query: RunQuery = {}): Promise<RunPage> {
    const limit = checkLimit(query.limit);
    const position = query.cursor === undefined ? undefined : parseCursor(query.cursor);
    await this.#ready();
    const values: unknown[] = [];
    const where: string[] = [];
    const param = (value: unknown): string => `$${values.push(value)}`;
    if (query.workflow !== undefined) where.push(`workflow = ${param(query.workflow)}`);
    if (query.status !== undefined) where.push(`status = ${param(query.status)}`);
    if (position !== undefined) where.push(`(created_at, id) < (${param(position.createdAt)}, ${param(position.id)})`);
    const { rows } = await this.#connection.pool.query<SummaryRow>(
      `SELECT id, workflow, status, json_array_length(pending_requests::json) AS pending, error, created_at, updated_at
       FROM ${this.#connection.schema}.runs ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
       ORDER BY created_at DESC, id DESC LIMIT ${param(limit + 1)}`,
      values,
    );
    return pageOf(rows, limit);
  }

  /** Appends a run's events in one transaction: all of them, or none when a `seq` does not follow the stored ones. */
  async appendEvents(runId: string, events: readonly SerializedEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.#ready();
    await withTransaction(this.#connection.pool, (client) => this.#append(client, runId, events));
  }

  /** Appends inside the caller's transaction, and notifies at its commit. */
  async #append(client: Queryable, runId: string, events: readonly SerializedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const { schema, schemaName } = this.#connection;
    // Appends to one run take turns, whichever process makes them, so the check below holds until commit.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`weft.events:${schemaName}:${runId}`]);
    const { rows } = await client.query<{ seq: string | null }>(`SELECT max(seq)::text AS seq FROM ${schema}.run_events WHERE run_id = $1`, [runId]);
    let last = rows[0]?.seq == null ? -1 : Number(rows[0].seq);
    for (const event of events) {
      if (!(event.seq > last))
        throw new Error(`Event seq ${event.seq} of run "${runId}" does not follow seq ${last}; events are appended in order, each once.`);
      last = event.seq;
    }
    await client.query(`INSERT INTO ${schema}.run_events (run_id, seq, event) SELECT $1, * FROM unnest($2::bigint[], $3::text[])`, [
      runId,
      events.map((event) => event.seq),
      events.map((event) => JSON.stringify(event)),
    ]);
    await notifyChange(client, schemaName, runId);
  }

  /** A run's events with `seq` greater than `afterSeq` (default: all), in order. */
  async readEvents(runId: string, afterSeq = -1): Promise<readonly SerializedEvent[]> {
    await this.#ready();
    const { rows } = await this.#connection.pool.query<{ event: string }>(
      `SELECT event FROM ${this.#connection.schema}.run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq`,
      [runId, afterSeq],
    );
    return rows.map((row) => JSON.parse(row.event) as SerializedEvent);
  }

  /** Takes over a `running` run whose lease is free or expired (see `RunStore.claimRun`). */
  async claimRun(runId: string, request: LeaseRequest): Promise<RunClaim | undefined> {
    await this.#ready();
    // One UPDATE: concurrent claims of a run queue on its row, and each re-checks the condition on the row the previous left.
    const { rows } = await this.#connection.pool.query<ClaimRow>(
      `UPDATE ${this.#connection.schema}.runs SET lease_owner = $2, lease_token = lease_token + 1, lease_expires_at = $4
       WHERE id = $1 AND status = 'running' AND (lease_owner IS NULL OR lease_expires_at <= $3) ${CLAIMED}`,
      [runId, request.owner, request.now, request.now + request.ttlMs],
    );
    return rows[0] === undefined ? undefined : toClaim(runId, request.owner, rows[0]);
  }

  /** The compare-and-set on (run, waiting checkpoint) that answers or cancels a waiting run (see `RunStore.answerRun`). */
  async answerRun(runId: string, answer: RunAnswer, request: LeaseRequest): Promise<RunClaim | undefined> {
    await this.#ready();
    const { schema, schemaName } = this.#connection;
    const { rows } = await withTransaction(this.#connection.pool, async (client) => {
      const result = await client.query<ClaimRow>(
        `UPDATE ${schema}.runs SET status = 'running', updated_at = $3, responses = $4, cancel_requested = (cancel_requested OR $5),
           lease_owner = $6, lease_token = lease_token + 1, lease_expires_at = $7
         WHERE id = $1 AND status = 'waiting' AND checkpoint_id = $2 ${CLAIMED}`,
        [
          runId,
          answer.checkpointId,
          request.now,
          JSON.stringify(answer.responses),
          answer.cancel === true,
          request.owner,
          request.now + request.ttlMs,
        ],
      );
      if (result.rows.length > 0) await notifyChange(client, schemaName, runId);
      return result;
    });
    return rows[0] === undefined ? undefined : toClaim(runId, request.owner, rows[0]);
  }

  /** Extends a lease whose token is still current (see `RunStore.renewLease`). */
  async renewLease(
    lease: RunLease,
    request: Omit<LeaseRequest, 'owner'>,
  ): Promise<{ readonly lease: RunLease; readonly cancelRequested: boolean } | undefined> {
    await this.#ready();
    const { rows } = await this.#leases.query<{ lease_expires_at: string; cancel_requested: boolean }>(
      `UPDATE ${this.#connection.schema}.runs SET lease_owner = $2, lease_expires_at = $4 WHERE id = $1 AND lease_token = $3 RETURNING lease_expires_at, cancel_requested`,
      [lease.runId, lease.owner, lease.token, request.now + request.ttlMs],
    );
    const row = rows[0];
    return row === undefined ? undefined : { lease: { ...lease, expiresAt: Number(row.lease_expires_at) }, cancelRequested: row.cancel_requested };
  }

  /** Asks the owner of a `running` run to cancel it (see `RunStore.requestCancel`). */
  async requestCancel(runId: string): Promise<boolean> {
    await this.#ready();
    const { schema, schemaName } = this.#connection;
    const { rowCount } = await this.#connection.pool.query(
      `WITH asked AS (UPDATE ${schema}.runs SET cancel_requested = true WHERE id = $1 AND status = 'running' RETURNING id) SELECT pg_notify($2, $3) FROM asked`,
      [runId, CHANNEL, notification(schemaName, runId)],
    );
    return (rowCount ?? 0) > 0;
  }

  /** The owner's events, checkpoint and record changes in one transaction, fenced by its token (see `RunStore.commitRun`). */
  async commitRun(lease: RunLease, commit: RunCommit): Promise<{ readonly cancelRequested: boolean }> {
    await this.#ready();
    const { schema } = this.#connection;
    return withTransaction(this.#connection.pool, async (client) => {
      // The row lock holds off any claim or answer until this commits, so the token read here stays current.
      const { rows } = await client.query<{ lease_token: string }>(`SELECT lease_token FROM ${schema}.runs WHERE id = $1 FOR UPDATE`, [lease.runId]);
      if (rows[0] === undefined || Number(rows[0].lease_token) !== lease.token) throw new LeaseLostError(lease.runId, lease.token);
      await this.#append(client, lease.runId, commit.events);
      if (commit.checkpoint !== undefined) {
        await saveCheckpoint(client, schema, commit.checkpoint);
        await client.query(`UPDATE ${schema}.runs SET responses = '{}' WHERE id = $1`, [lease.runId]);
      }
      if (commit.changes !== undefined) await this.#applyChanges(client, lease.runId, commit.changes);
      if (commit.release === true)
        await client.query(`UPDATE ${schema}.runs SET lease_owner = NULL, lease_expires_at = 0 WHERE id = $1`, [lease.runId]);
      const flag = await client.query<{ cancel_requested: boolean }>(`SELECT cancel_requested FROM ${schema}.runs WHERE id = $1`, [lease.runId]);
      return { cancelRequested: flag.rows[0]?.cancel_requested === true };
    });
  }

  /**
   * Calls `onChange` soon after the run's events or record change, in this process or any other: at once through
   * LISTEN/NOTIFY, or within `pollInterval` ms should a notification be lost. Returns a function that stops it.
   */
  watch(runId: string, onChange: () => void): () => void {
    return this.#watcher.watch(runId, onChange);
  }

  /** Stops watching and ends the pool if this store opened it; a pool passed in as `pool` stays open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#watcher.close();
    await this.checkpoints.close();
    if (this.#connection.ownsPool) await this.#connection.pool.end();
    if (this.#leases !== this.#connection.pool) await this.#leases.end();
  }
}
