import type Database from 'better-sqlite3';
import { migrate } from './schema.js';
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
  checkpointColumns,
  CLAIMED,
  pageOf,
  parseCursor,
  runColumns,
  toClaim,
  toRecord,
  type CheckpointRow,
  type ClaimRow,
  type NewRunRow,
  type RunRow,
  type SummaryRow,
} from '../sql/run-rows.js';
import { SAVE_CHECKPOINT, SqliteCheckpointStore, openSqlite } from './sqlite-checkpoint-store.js';

/** The version of the `runs` and `run_events` tables this copy of weft writes, recorded in `weft_meta`. */
const SCHEMA_VERSION = 2;
const NAME = 'runs';

/** Options of {@link SqliteRunStore}: a file to open, or a database you opened and keep owning. */
export interface SqliteRunStoreOptions {
  /** The database file, created if missing (default `'weft.db'`); `':memory:'` keeps it in memory. Ignored when `database` is given. */
  readonly path?: string;
  /** An open better-sqlite3 database to use; the store never closes it. {@link openSqlite} opens one with weft's settings. */
  readonly database?: Database.Database;
}

/** `UPDATE` parameters: a `has_*` flag per optional column, so one statement applies any subset of changes. */
interface UpdateParams {
  readonly id: string;
  readonly updated_at: number;
  readonly has_status: number;
  readonly status: string | null;
  readonly has_outputs: number;
  readonly outputs: string | null;
  readonly has_pending_requests: number;
  readonly pending_requests: string | null;
  readonly has_error: number;
  readonly error: string | null;
  readonly has_checkpoint_id: number;
  readonly checkpoint_id: string | null;
  /** 1: drop the run's cancel request (RunChanges.clearCancel). */
  readonly clear_cancel: number;
}

/** Creates the tables if missing and refuses a file written by a newer weft. */
function migrateTables(database: Database.Database): void {
  migrate(
    database,
    NAME,
    SCHEMA_VERSION,
    `
      CREATE TABLE IF NOT EXISTS runs (
        id TEXT PRIMARY KEY NOT NULL,
        workflow TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'waiting', 'completed', 'failed', 'cancelled')),
        input TEXT,
        outputs TEXT NOT NULL,
        pending_requests TEXT NOT NULL,
        error TEXT,
        checkpoint_id TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        lease_owner TEXT,
        lease_token INTEGER NOT NULL DEFAULT 0,
        lease_expires_at INTEGER NOT NULL DEFAULT 0,
        responses TEXT NOT NULL DEFAULT '{}',
        cancel_requested INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS runs_by_created ON runs (created_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, created_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS runs_by_workflow ON runs (workflow, created_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS runs_by_workflow_status ON runs (workflow, status, created_at DESC, id DESC);
      CREATE TABLE IF NOT EXISTS run_events (
        run_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        event TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
    `,
    {
      // 1 → 2: leases, stored answers and cancel requests (runs of version 1 start unowned).
      1: `
        ALTER TABLE runs ADD COLUMN lease_owner TEXT;
        ALTER TABLE runs ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE runs ADD COLUMN lease_expires_at INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE runs ADD COLUMN responses TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
      `,
    },
  );
}

/**
 * Keeps runs, their events and their checkpoints in one SQLite file (better-sqlite3): the embedded default
 * store of `createRuntime`.
 *
 * @example
 * ```ts
 * const store = new SqliteRunStore({ path: 'weft.db' });
 * const runtime = createRuntime({ workflows: { triage }, store });
 * await runtime.recover();
 * ```
 */
export class SqliteRunStore implements RunStore {
  /** The underlying database, shared with {@link SqliteRunStore.checkpoints}. */
  readonly database: Database.Database;
  /** The checkpoints, in the same database. */
  readonly checkpoints: SqliteCheckpointStore;
  readonly #ownsDatabase: boolean;
  readonly #insert: Database.Statement<[NewRunRow]>;
  readonly #update: Database.Statement<[UpdateParams]>;
  readonly #get: Database.Statement<[string], RunRow>;
  readonly #lists = new Map<string, Database.Statement<[Record<string, string | number>], SummaryRow>>();
  readonly #claim: Database.Statement<[Record<string, string | number>], ClaimRow>;
  readonly #answer: Database.Statement<[Record<string, string | number>], ClaimRow>;
  readonly #renew: Database.Statement<[Record<string, string | number>], { lease_expires_at: number; cancel_requested: number }>;
  readonly #requestCancel: Database.Statement<[string]>;
  readonly #token: Database.Statement<[string], { lease_token: number }>;
  readonly #afterCheckpoint: Database.Statement<[string]>;
  readonly #release: Database.Statement<[string]>;
  readonly #cancelRequested: Database.Statement<[string], { cancel_requested: number }>;
  readonly #saveCheckpoint: Database.Statement<[CheckpointRow]>;
  readonly #commit: (lease: RunLease, commit: RunCommit) => { readonly cancelRequested: boolean };
  readonly #lastSeq: Database.Statement<[string], { seq: number | null }>;
  readonly #insertEvent: Database.Statement<[string, number, string]>;
  readonly #readEvents: Database.Statement<[string, number], { event: string }>;
  readonly #append: (runId: string, events: readonly SerializedEvent[]) => void;

  constructor(options: SqliteRunStoreOptions = {}) {
    this.#ownsDatabase = options.database === undefined;
    this.database = options.database ?? openSqlite(options.path);
    try {
      this.checkpoints = new SqliteCheckpointStore({ database: this.database });
      migrateTables(this.database);
      this.#insert = this.database.prepare(`
        INSERT INTO runs (id, workflow, status, input, outputs, pending_requests, error, checkpoint_id, created_at, updated_at, lease_owner, lease_token, lease_expires_at)
        VALUES (@id, @workflow, @status, @input, @outputs, @pending_requests, @error, @checkpoint_id, @created_at, @updated_at, @lease_owner, @lease_token, @lease_expires_at)`);
      this.#claim = this.database.prepare(`
        UPDATE runs SET lease_owner = @owner, lease_token = lease_token + 1, lease_expires_at = @expires_at
        WHERE id = @id AND status = 'running' AND (lease_owner IS NULL OR lease_expires_at <= @now) ${CLAIMED}`);
      this.#answer = this.database.prepare(`
        UPDATE runs SET status = 'running', updated_at = @now, responses = @responses, cancel_requested = (cancel_requested OR @cancel),
          lease_owner = @owner, lease_token = lease_token + 1, lease_expires_at = @expires_at
        WHERE id = @id AND status = 'waiting' AND checkpoint_id = @checkpoint_id ${CLAIMED}`);
      this.#renew = this.database.prepare(`
        UPDATE runs SET lease_owner = @owner, lease_expires_at = @expires_at WHERE id = @id AND lease_token = @token
        RETURNING lease_expires_at, cancel_requested`);
      this.#requestCancel = this.database.prepare(`UPDATE runs SET cancel_requested = 1 WHERE id = ? AND status = 'running'`);
      this.#token = this.database.prepare('SELECT lease_token FROM runs WHERE id = ?');
      this.#afterCheckpoint = this.database.prepare(`UPDATE runs SET responses = '{}' WHERE id = ?`);
      this.#release = this.database.prepare('UPDATE runs SET lease_owner = NULL, lease_expires_at = 0 WHERE id = ?');
      this.#cancelRequested = this.database.prepare('SELECT cancel_requested FROM runs WHERE id = ?');
      this.#saveCheckpoint = this.database.prepare(SAVE_CHECKPOINT);
      this.#update = this.database.prepare(`
        UPDATE runs SET
          updated_at = @updated_at,
          status = CASE WHEN @has_status THEN @status ELSE status END,
          outputs = CASE WHEN @has_outputs THEN @outputs ELSE outputs END,
          pending_requests = CASE WHEN @has_pending_requests THEN @pending_requests ELSE pending_requests END,
          error = CASE WHEN @has_error THEN @error ELSE error END,
          checkpoint_id = CASE WHEN @has_checkpoint_id THEN @checkpoint_id ELSE checkpoint_id END,
          cancel_requested = CASE WHEN @clear_cancel THEN 0 ELSE cancel_requested END
        WHERE id = @id`);
      this.#get = this.database.prepare('SELECT * FROM runs WHERE id = ?');
      this.#lastSeq = this.database.prepare('SELECT max(seq) AS seq FROM run_events WHERE run_id = ?');
      this.#insertEvent = this.database.prepare('INSERT INTO run_events (run_id, seq, event) VALUES (?, ?, ?)');
      this.#readEvents = this.database.prepare('SELECT event FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq');
      const append = (runId: string, events: readonly SerializedEvent[]): void => {
        let last = this.#lastSeq.get(runId)?.seq ?? -1;
        for (const event of events) {
          if (!(event.seq > last))
            throw new Error(`Event seq ${event.seq} of run "${runId}" does not follow seq ${last}; events are appended in order, each once.`);
          this.#insertEvent.run(runId, event.seq, JSON.stringify(event));
          last = event.seq;
        }
      };
      const appendTransaction = this.database.transaction(append);
      this.#append = (runId, events) => appendTransaction.immediate(runId, events);
      const commitTransaction = this.database.transaction((lease: RunLease, commit: RunCommit) => {
        const current = this.#token.get(lease.runId);
        if (current === undefined || current.lease_token !== lease.token) throw new LeaseLostError(lease.runId, lease.token);
        append(lease.runId, commit.events);
        if (commit.checkpoint !== undefined) {
          this.#saveCheckpoint.run(checkpointColumns(commit.checkpoint));
          this.#afterCheckpoint.run(lease.runId);
        }
        if (commit.changes !== undefined) this.#applyChanges(lease.runId, commit.changes);
        if (commit.release === true) this.#release.run(lease.runId);
        return { cancelRequested: this.#cancelRequested.get(lease.runId)?.cancel_requested === 1 };
      });
      // IMMEDIATE: the write lock is taken before the token is read, so no other process can take the run in between.
      this.#commit = (lease, commit) => commitTransaction.immediate(lease, commit);
    } catch (error) {
      if (this.#ownsDatabase) this.database.close();
      throw error;
    }
  }

  /** Stores a new run, owned by `lease.owner` (token 1) when `lease` is given; rejects if a run with its id exists. */
  async createRun(record: RunRecord, lease?: LeaseRequest): Promise<void> {
    try {
      this.#insert.run(runColumns(record, lease));
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
        throw new Error(`Run "${record.id}" already exists.`, { cause: error });
      throw error;
    }
  }

  /** Changes the given fields of a run (a field given as undefined is cleared); rejects for an unknown run. */
  async updateRun(id: string, changes: RunChanges): Promise<void> {
    this.#applyChanges(id, changes);
  }

  #applyChanges(id: string, changes: RunChanges): void {
    const columns = changedColumns(changes);
    const given = (column: string): { readonly [key: string]: number | string | null } => ({
      [`has_${column}`]: Object.hasOwn(columns, column) ? 1 : 0,
      [column]: columns[column] ?? null,
    });
    const { changes: updated } = this.#update.run({
      id,
      updated_at: changes.updatedAt,
      ...given('status'),
      ...given('outputs'),
      ...given('pending_requests'),
      ...given('error'),
      ...given('checkpoint_id'),
      clear_cancel: changes.clearCancel === true ? 1 : 0,
    } as UpdateParams);
    if (updated === 0) throw new Error(`Run "${id}" does not exist.`);
  }

  /** The run with this id, or undefined. */
  async getRun(id: string): Promise<RunRecord | undefined> {
    const row = this.#get.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  /** Summaries of the runs matching the filter, newest first (by creation time, then id), one page at a time. */
  async listRuns(query: RunQuery = {}): Promise<RunPage> {
    const limit = checkLimit(query.limit);
    const position = query.cursor === undefined ? undefined : parseCursor(query.cursor);
    const params: Record<string, string | number> = { limit: limit + 1 };
    if (query.workflow !== undefined) params['workflow'] = query.workflow;
    if (query.status !== undefined) params['status'] = query.status;
    if (position !== undefined) {
      params['created_at'] = position.createdAt;
      params['id'] = position.id;
    }
    const rows = this.#list(query.workflow !== undefined, query.status !== undefined, position !== undefined).all(params);
    return pageOf(rows, limit);
  }

  /** One prepared statement per combination of filters, so each uses its index. */
  #list(byWorkflow: boolean, byStatus: boolean, byCursor: boolean): Database.Statement<[Record<string, string | number>], SummaryRow> {
    const key = `${+byWorkflow}${+byStatus}${+byCursor}`;
    let statement = this.#lists.get(key);
    if (statement === undefined) {
      const where = [
        byWorkflow ? 'workflow = @workflow' : '',
        byStatus ? 'status = @status' : '',
        byCursor ? '(created_at, id) < (@created_at, @id)' : '',
      ].filter((term) => term !== '');
      statement = this.database.prepare(
        `SELECT id, workflow, status, json_array_length(pending_requests) AS pending, error, created_at, updated_at FROM runs ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY created_at DESC, id DESC LIMIT @limit`,
      );
      this.#lists.set(key, statement);
    }
    return statement;
  }

  /** Appends a run's events in one transaction: all of them, or none when a `seq` does not follow the stored ones. */
  async appendEvents(runId: string, events: readonly SerializedEvent[]): Promise<void> {
    if (events.length > 0) this.#append(runId, events);
  }

  /** A run's events with `seq` greater than `afterSeq` (default: all), in order. */
  async readEvents(runId: string, afterSeq = -1): Promise<readonly SerializedEvent[]> {
    return this.#readEvents.all(runId, afterSeq).map((row) => JSON.parse(row.event) as SerializedEvent);
  }

  /** Takes over a `running` run whose lease is free or expired (see `RunStore.claimRun`). */
  async claimRun(runId: string, request: LeaseRequest): Promise<RunClaim | undefined> {
    const row = this.#claim.get({ id: runId, owner: request.owner, now: request.now, expires_at: request.now + request.ttlMs });
    return row === undefined ? undefined : toClaim(runId, request.owner, row);
  }

  /** The compare-and-set on (run, waiting checkpoint) that answers or cancels a waiting run (see `RunStore.answerRun`). */
  async answerRun(runId: string, answer: RunAnswer, request: LeaseRequest): Promise<RunClaim | undefined> {
    const row = this.#answer.get({
      id: runId,
      checkpoint_id: answer.checkpointId,
      responses: JSON.stringify(answer.responses),
      cancel: answer.cancel === true ? 1 : 0,
      owner: request.owner,
      now: request.now,
      expires_at: request.now + request.ttlMs,
    });
    return row === undefined ? undefined : toClaim(runId, request.owner, row);
  }

  /** Extends a lease whose token is still current (see `RunStore.renewLease`). */
  async renewLease(
    lease: RunLease,
    request: Omit<LeaseRequest, 'owner'>,
  ): Promise<{ readonly lease: RunLease; readonly cancelRequested: boolean } | undefined> {
    const row = this.#renew.get({ id: lease.runId, owner: lease.owner, token: lease.token, expires_at: request.now + request.ttlMs });
    return row === undefined ? undefined : { lease: { ...lease, expiresAt: row.lease_expires_at }, cancelRequested: row.cancel_requested === 1 };
  }

  /** Asks the owner of a `running` run to cancel it (see `RunStore.requestCancel`). */
  async requestCancel(runId: string): Promise<boolean> {
    return this.#requestCancel.run(runId).changes > 0;
  }

  /** The owner's events, checkpoint and record changes in one transaction, fenced by its token (see `RunStore.commitRun`). */
  async commitRun(lease: RunLease, commit: RunCommit): Promise<{ readonly cancelRequested: boolean }> {
    return this.#commit(lease, commit);
  }

  /** Closes the database if this store opened it; a database passed in as `database` stays open. */
  close(): void {
    if (this.#ownsDatabase && this.database.open) this.database.close();
  }
}

/**
 * Opens (or creates) a SQLite file for runs, events and checkpoints, with weft's settings (WAL, `synchronous = NORMAL`).
 * Close it with `store.close()`.
 *
 * @example
 * ```ts
 * const store = openSqliteRunStore('weft.db');
 * const runtime = createRuntime({ workflows: { triage }, store });
 * ```
 */
export function openSqliteRunStore(path = 'weft.db'): SqliteRunStore {
  return new SqliteRunStore({ path });
}
