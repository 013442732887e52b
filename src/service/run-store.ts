import type { CheckpointStore } from '../checkpoint/store.js';
import type { WorkflowEvent } from '../events/events.js';
import type { PendingRequest } from '../model/types.js';

/** Where a run stands: `running` until it completes, fails, is cancelled, or waits for answers. */
export type RunStatus = 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled';

/** An error as stored and served: plain JSON. */
export interface SerializedError {
  readonly name: string;
  readonly code: string | undefined;
  readonly message: string;
}

/** A workflow event as stored and served: errors become {@link SerializedError}. */
export type SerializedEvent = WorkflowEvent extends infer E ? (E extends { readonly error: unknown } ? Omit<E, 'error'> & { readonly error: SerializedError } : E) : never;

/** One run as the run store keeps it. */
export interface RunRecord {
  readonly id: string;
  readonly workflow: string;
  readonly status: RunStatus;
  readonly input: unknown;
  /** The run's outputs, set when it completes (empty while it runs or waits; its `output` events carry them live). */
  readonly outputs: readonly unknown[];
  readonly pendingRequests: readonly PendingRequest[];
  readonly error: SerializedError | undefined;
  /** The latest checkpoint, to resume from. */
  readonly checkpointId: string | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What `updateRun` may change. */
export type RunChanges = Partial<Pick<RunRecord, 'status' | 'outputs' | 'pendingRequests' | 'error' | 'checkpointId'>> & { readonly updatedAt: number };

/** A filter and page of `listRuns`, newest first. */
export interface RunQuery {
  readonly workflow?: string;
  readonly status?: RunStatus;
  /** Page size, 1–500 (default 50). */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface RunPage {
  readonly runs: readonly RunRecord[];
  /** Pass as `cursor` for the next page; undefined on the last one. */
  readonly nextCursor: string | undefined;
}

/** Durable runs and their events, with the checkpoints beside them (one SQLite file in `weft/sqlite`). */
export interface RunStore {
  readonly checkpoints: CheckpointStore;
  createRun(record: RunRecord): Promise<void>;
  updateRun(id: string, changes: RunChanges): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  listRuns(query?: RunQuery): Promise<RunPage>;
  /** Appends events whose `seq` continues the run's stored ones, all or none: a `seq` not above the last one stored is refused. */
  appendEvents(runId: string, events: readonly SerializedEvent[]): Promise<void>;
  /** A run's events with `seq` greater than `afterSeq` (default: all), in order. */
  readEvents(runId: string, afterSeq?: number): Promise<readonly SerializedEvent[]>;
  /**
   * The seam for live events across processes, for stores that several processes share: calls `onChange` soon after the
   * run's events are appended or its record changes, by this process or any other (more often is harmless: the caller
   * reads the store again). Returns a function that stops it. `createRuntime` follows a run that another process
   * drives through it; a store without it (one process) is read again only when this process answers, cancels or
   * recovers the run.
   */
  watch?(runId: string, onChange: () => void): () => void;
}

/** Orders runs newest first and encodes the position of the last one as a cursor. */
export const runCursor = (run: RunRecord): string => `${run.createdAt}:${run.id}`;

/** The position a cursor encodes; a TypeError for anything `runCursor` did not make. */
export function parseCursor(cursor: string): { readonly createdAt: number; readonly id: string } {
  const split = cursor.indexOf(':');
  const createdAt = split > 0 ? Number(cursor.slice(0, split)) : Number.NaN;
  if (!Number.isFinite(createdAt)) throw new TypeError(`listRuns: cursor ${JSON.stringify(cursor)} is not one listRuns returned; pass a page's nextCursor as it is.`);
  return { createdAt, id: cursor.slice(split + 1) };
}

/** True when `run` comes after the position in newest-first order. */
export function afterCursor(run: RunRecord, position: { readonly createdAt: number; readonly id: string } | undefined): boolean {
  if (position === undefined) return true;
  return run.createdAt < position.createdAt || (run.createdAt === position.createdAt && run.id < position.id);
}

export function checkLimit(limit: number | undefined): number {
  const value = limit ?? 50;
  if (!(Number.isInteger(value) && value >= 1 && value <= 500)) throw new TypeError(`listRuns: limit must be an integer from 1 to 500, got ${limit}.`);
  return value;
}
