// Rows of the tables the SQL stores share (weft/sqlite, weft/postgres): one layout, two drivers. What a column holds
// and how a record, summary, claim or checkpoint is read back lives here once; each store keeps only its SQL.
import { runCursor, summaryError } from '../internal/run-page.js';
import type { LeaseRequest, RunChanges, RunClaim, RunPage, RunRecord, RunStatus, RunSummary, SerializedError, StoredCheckpoint } from '../index.js';

/** An integer column: better-sqlite3 gives a number, pg gives a BIGINT as a string. */
type Integer = number | string;

/** A row of `runs` (the record's columns). */
export interface RunRow {
  readonly id: string;
  readonly workflow: string;
  readonly status: RunStatus;
  /** JSON; NULL for an undefined input. */
  readonly input: string | null;
  readonly outputs: string;
  readonly pending_requests: string;
  readonly error: string | null;
  readonly checkpoint_id: string | null;
  readonly created_at: Integer;
  readonly updated_at: Integer;
}

/** A row of `runs` as a new run is inserted: the record's columns and its lease. */
export type NewRunRow = RunRow & { readonly lease_owner: string | null; readonly lease_token: number; readonly lease_expires_at: number };

/** What `listRuns` selects: the record's small columns, and the number of pending requests. */
export interface SummaryRow {
  readonly id: string;
  readonly workflow: string;
  readonly status: RunStatus;
  readonly pending: number;
  readonly error: string | null;
  readonly created_at: Integer;
  readonly updated_at: Integer;
}

/** The lease columns a claim returns ({@link CLAIMED}). */
export interface ClaimRow {
  readonly lease_token: Integer;
  readonly lease_expires_at: Integer;
  readonly responses: string;
  /** SQLite has no booleans: 0 or 1 there. */
  readonly cancel_requested: boolean | number;
}

/** A row of `checkpoints`. */
export interface CheckpointRow {
  readonly id: string;
  readonly run_id: string;
  readonly parent_id: string | null;
  readonly workflow: string;
  readonly superstep: number;
  readonly created_at: Integer;
  readonly kind: 'full' | 'delta';
  readonly data: string;
}

/** The `RETURNING` clause of a claim or an answer: what {@link toClaim} reads. */
export const CLAIMED = 'RETURNING lease_token, lease_expires_at, responses, cancel_requested';

/** A JSON column's value; NULL for undefined. */
export const toJson = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const fromJson = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));

function toError(text: string | null): SerializedError | undefined {
  if (text === null) return undefined;
  const error = JSON.parse(text) as SerializedError;
  // JSON drops `code: undefined`; the record always has the key.
  return { name: error.name, code: error.code ?? undefined, message: error.message };
}

/** The columns of a new run (owned by `lease.owner` with token 1 when `lease` is given), by column name. */
export function runColumns(record: RunRecord, lease: LeaseRequest | undefined): NewRunRow {
  return {
    id: record.id,
    workflow: record.workflow,
    status: record.status,
    input: toJson(record.input),
    outputs: JSON.stringify(record.outputs),
    pending_requests: JSON.stringify(record.pendingRequests),
    error: toJson(record.error),
    checkpoint_id: record.checkpointId ?? null,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    lease_owner: lease?.owner ?? null,
    lease_token: lease === undefined ? 0 : 1,
    lease_expires_at: lease === undefined ? 0 : lease.now + lease.ttlMs,
  };
}

/** The columns `changes` sets, by column name: only the fields it has (a field given as undefined clears its column). */
export function changedColumns(changes: RunChanges): Record<string, string | number | null> {
  const columns: Record<string, string | number | null> = { updated_at: changes.updatedAt };
  if (Object.hasOwn(changes, 'status')) columns['status'] = changes.status ?? null;
  if (Object.hasOwn(changes, 'outputs')) columns['outputs'] = toJson(changes.outputs);
  if (Object.hasOwn(changes, 'pendingRequests')) columns['pending_requests'] = toJson(changes.pendingRequests);
  if (Object.hasOwn(changes, 'error')) columns['error'] = toJson(changes.error);
  if (Object.hasOwn(changes, 'checkpointId')) columns['checkpoint_id'] = changes.checkpointId ?? null;
  return columns;
}

/** A run record from its row. */
export const toRecord = (row: RunRow): RunRecord => ({
  id: row.id,
  workflow: row.workflow,
  status: row.status,
  input: fromJson(row.input),
  outputs: JSON.parse(row.outputs) as unknown[],
  pendingRequests: JSON.parse(row.pending_requests) as RunRecord['pendingRequests'],
  error: toError(row.error),
  checkpointId: row.checkpoint_id ?? undefined,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

/** A run summary from its row, the error message cut as every store cuts it. */
function toSummary(row: SummaryRow): RunSummary {
  return {
    id: row.id,
    workflow: row.workflow,
    status: row.status,
    pendingRequests: Number(row.pending),
    error: summaryError(toError(row.error)),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The claim a `RETURNING` {@link CLAIMED} row stands for. */
export const toClaim = (runId: string, owner: string, row: ClaimRow): RunClaim => ({
  lease: { runId, owner, token: Number(row.lease_token), expiresAt: Number(row.lease_expires_at) },
  responses: JSON.parse(row.responses) as Record<string, unknown>,
  cancelRequested: row.cancel_requested === true || row.cancel_requested === 1,
});

// The cursor format, the limit rule and the summary's cut are every store's (src/internal/run-page.ts): a page's cursor works with any store.
export { checkLimit, parseCursor } from '../internal/run-page.js';

/** The page of `limit` summaries from rows selected with `LIMIT limit + 1` (one more tells that a next page exists). */
export function pageOf(rows: readonly SummaryRow[], limit: number): RunPage {
  const runs = rows.slice(0, limit).map(toSummary);
  const last = runs[runs.length - 1];
  return { runs, nextCursor: rows.length > limit && last !== undefined ? runCursor(last) : undefined };
}

/** The columns of `checkpoints` in their order, for an INSERT. */
export const CHECKPOINT_COLUMNS = 'id, run_id, parent_id, workflow, superstep, created_at, kind, data';

/** What saving a checkpoint whose id exists does, in SQLite and Postgres alike: every column is replaced. */
export const REPLACE_CHECKPOINT = `ON CONFLICT (id) DO UPDATE SET
  run_id = excluded.run_id, parent_id = excluded.parent_id, workflow = excluded.workflow,
  superstep = excluded.superstep, created_at = excluded.created_at, kind = excluded.kind, data = excluded.data`;

/** The columns of a checkpoint, by column name. */
export const checkpointColumns = (checkpoint: StoredCheckpoint): CheckpointRow => ({
  id: checkpoint.id,
  run_id: checkpoint.runId,
  parent_id: checkpoint.parentId,
  workflow: checkpoint.workflow,
  superstep: checkpoint.superstep,
  created_at: checkpoint.createdAt,
  kind: checkpoint.kind,
  data: checkpoint.data,
});

/** A stored checkpoint from its row. */
export const toCheckpoint = (row: CheckpointRow): StoredCheckpoint => ({
  id: row.id,
  runId: row.run_id,
  parentId: row.parent_id,
  workflow: row.workflow,
  superstep: row.superstep,
  createdAt: Number(row.created_at),
  kind: row.kind,
  data: row.data,
});
