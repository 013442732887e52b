import type { CheckpointStore, StoredCheckpoint } from '../checkpoint/store.js';
import type { WorkflowEvent } from '../events/events.js';
import { summaryError } from '../internal/run-page.js';
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
export type SerializedEvent = WorkflowEvent extends infer E
  ? E extends { readonly error: unknown }
    ? Omit<E, 'error'> & { readonly error: SerializedError }
    : E
  : never;

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
export type RunChanges = Partial<Pick<RunRecord, 'status' | 'outputs' | 'pendingRequests' | 'error' | 'checkpointId'>> & {
  readonly updatedAt: number;
  /**
   * Drops a cancel request the run still carries (see `requestCancel`): a cancelled run that is reopened to resume
   * must not be cancelled again by the request that stopped it.
   */
  readonly clearCancel?: true;
};

/** A filter and page of `listRuns`, newest first. */
export interface RunQuery {
  readonly workflow?: string;
  readonly status?: RunStatus;
  /** Page size, 1–500 (default 50). */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/** A run as `listRuns` gives it: small and bounded, without the input, outputs and request payloads a record carries. */
export interface RunSummary {
  readonly id: string;
  readonly workflow: string;
  readonly status: RunStatus;
  /** How many requests the run waits for. */
  readonly pendingRequests: number;
  /** The error of a failed run; its message cut at 1,000 characters. */
  readonly error: SerializedError | undefined;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface RunPage {
  readonly runs: readonly RunSummary[];
  /** Pass as `cursor` for the next page; undefined on the last one. */
  readonly nextCursor: string | undefined;
}

/**
 * A process's hold on a run: while it holds the lease it alone drives the run, and every write it makes carries
 * `token`. The token grows by one with every takeover, so a store refuses the writes of a process whose lease
 * was taken over (fencing), whatever that process believes about the time.
 */
export interface RunLease {
  readonly runId: string;
  /** Who holds it: any string unique to the process (the runtime uses a random UUID). */
  readonly owner: string;
  /** The fencing token: 1 for a run created with an owner, one more than the last token at every takeover. */
  readonly token: number;
  /** Milliseconds since the epoch after which another process may take the run (see `claimRun`). */
  readonly expiresAt: number;
}

/** Who takes or renews a lease, the time on its clock, and for how long. The lease expires at `now + ttlMs`. */
export interface LeaseRequest {
  readonly owner: string;
  readonly now: number;
  readonly ttlMs: number;
}

/** What a process takes over with a run: the lease, answers not yet in a checkpoint, and whether a cancel was asked for. */
export interface RunClaim {
  readonly lease: RunLease;
  /** Answers taken by `answerRun` and not yet in a committed checkpoint: resume the run's latest checkpoint with them. */
  readonly responses: Readonly<Record<string, unknown>>;
  /** Someone asked to cancel the run (`requestCancel`, or `answerRun` with `cancel`): end it as cancelled. */
  readonly cancelRequested: boolean;
}

/** The answer `answerRun` takes: for the waiting run at `checkpointId`, these responses (or a cancel). */
export interface RunAnswer {
  /** The waiting checkpoint the answer is for: the run's `checkpointId` as the caller read it. */
  readonly checkpointId: string;
  /** Answers by request id; stored until a checkpoint that holds them is committed. */
  readonly responses: Readonly<Record<string, unknown>>;
  /** Takes the run in order to cancel it rather than to answer it. */
  readonly cancel?: boolean;
}

/** One atomic write of the run's owner: a superstep's events, its checkpoint and the record's changes. */
export interface RunCommit {
  /** Events whose `seq` continues the run's stored ones, in order. */
  readonly events: readonly SerializedEvent[];
  /** The checkpoint of the superstep, saved in the same transaction as `checkpoints.save` would. */
  readonly checkpoint?: StoredCheckpoint;
  /** Changes to the record (with a checkpoint, `checkpointId` is usually its id). */
  readonly changes?: RunChanges;
  /** Gives the lease up after the write (the run waits, ended, or its process closes): the token is kept, the owner and expiry cleared. */
  readonly release?: boolean;
}

/**
 * Durable runs and their events, with the checkpoints beside them (one SQLite file in `weft/sqlite`).
 *
 * Many processes may share one store. Each run has at most one **owner** at a time: the holder of its lease
 * ({@link RunLease}). The owner writes the run only through `commitRun`, every call carrying its token, and the
 * store applies a commit only while that token is the run's current one. Everyone else changes a run only
 * through the compare-and-set methods `claimRun`, `answerRun` and `requestCancel`. Every method below is
 * **atomic**: it happens entirely or not at all, and concurrent calls, from any process, behave as if they ran
 * one after the other. Every implementation must pass `describeRunStore` from `weft/testing`.
 *
 * Besides its {@link RunRecord}, a store keeps per run: the lease (owner or none, token, expiry; a new run has
 * none and token 0 unless created with an owner), the stored responses (a map, initially empty) and a
 * cancel-requested flag (initially false). Times are the callers' clocks, in milliseconds since the epoch.
 */
export interface RunStore {
  /** Where the engine reads checkpoints; `commitRun` writes them too. */
  readonly checkpoints: CheckpointStore;
  /**
   * Stores a new run; rejects, changing nothing, when a run with its id exists. With `lease`, the caller owns the
   * run at once: owner `lease.owner`, token 1, expiry `lease.now + lease.ttlMs`.
   */
  createRun(record: RunRecord, lease?: LeaseRequest): Promise<void>;
  /**
   * Changes the given fields of a run, whoever owns it (a field given as undefined is cleared); rejects for an
   * unknown run. The runtime uses `commitRun` for runs; this is for tools that repair records.
   */
  updateRun(id: string, changes: RunChanges): Promise<void>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** Summaries of the runs matching the filter, newest first (by `createdAt`, then `id`, both descending). */
  listRuns(query?: RunQuery): Promise<RunPage>;
  /** Appends events whose `seq` continues the run's stored ones, all or none: a `seq` not above the last one stored is refused. Not fenced: owners use `commitRun`. */
  appendEvents(runId: string, events: readonly SerializedEvent[]): Promise<void>;
  /** A run's events with `seq` greater than `afterSeq` (default: all), in order. */
  readEvents(runId: string, afterSeq?: number): Promise<readonly SerializedEvent[]>;
  /**
   * Takes over a run that nobody drives: when the run exists, its status is `running`, and it has no owner or its
   * lease expired (`expiresAt <= request.now`), sets owner `request.owner`, token + 1 and expiry
   * `request.now + request.ttlMs`, and returns the claim with the stored responses and the cancel flag (both
   * kept). Otherwise (unknown run, another status, a live lease, even one of the same owner) returns undefined
   * and changes nothing.
   */
  claimRun(runId: string, request: LeaseRequest): Promise<RunClaim | undefined>;
  /**
   * The compare-and-set that answers (or cancels) a waiting run: when the run's status is `waiting` and its
   * `checkpointId` equals `answer.checkpointId`, sets status `running` and `updatedAt` to `request.now`, replaces
   * the stored responses with `answer.responses`, sets the cancel flag when `answer.cancel` is true, takes the
   * lease as `claimRun` does (token + 1), and returns the claim. Otherwise returns undefined and changes nothing:
   * of any number of concurrent calls for one waiting checkpoint, exactly one gets a claim.
   */
  answerRun(runId: string, answer: RunAnswer, request: LeaseRequest): Promise<RunClaim | undefined>;
  /**
   * Extends a lease: when `lease.token` is the run's current token, sets owner `lease.owner` and expiry
   * `request.now + request.ttlMs` (even if it had expired, since nobody took over) and returns the new lease with
   * the cancel flag. Otherwise (taken over, or the run is gone) returns undefined: the caller lost the run and
   * must stop without writing.
   */
  renewLease(
    lease: RunLease,
    request: Omit<LeaseRequest, 'owner'>,
  ): Promise<{ readonly lease: RunLease; readonly cancelRequested: boolean } | undefined>;
  /**
   * Asks the owner of a `running` run to cancel it: sets the cancel flag and returns true. Returns false,
   * changing nothing, for an unknown run or any other status (cancel a waiting run with `answerRun`).
   */
  requestCancel(runId: string): Promise<boolean>;
  /**
   * The owner's write, in one transaction: when `lease.token` is the run's current token, appends `commit.events`
   * (refusing, as `appendEvents` does, a `seq` that does not follow), saves `commit.checkpoint` (replacing one of
   * the same id) and then clears the stored responses (the checkpoint holds them now), applies `commit.changes`
   * as `updateRun` does, and with `release` clears the owner and expiry (the token stays). Returns the cancel
   * flag. When the token is not current, rejects with `LeaseLostError` (code `lease_lost`); when any part fails,
   * rejects; either way nothing of the commit is stored. An expired lease whose token is still current commits:
   * nobody took the run over.
   */
  commitRun(lease: RunLease, commit: RunCommit): Promise<{ readonly cancelRequested: boolean }>;
  /**
   * The seam for live events across processes, for stores that several processes share: calls `onChange` soon after the
   * run's events are appended or its record changes, by this process or any other (more often is harmless: the caller
   * reads the store again). Returns a function that stops it. `createRuntime` follows a run that another process
   * drives through it; a store without it (one process) is read again only when this process answers, cancels or
   * recovers the run.
   */
  watch?(runId: string, onChange: () => void): () => void;
}

export { checkLimit, parseCursor, runCursor } from '../internal/run-page.js';

/** True when `run` comes after the position in newest-first order. */
export function afterCursor(
  run: Pick<RunRecord, 'createdAt' | 'id'>,
  position: { readonly createdAt: number; readonly id: string } | undefined,
): boolean {
  if (position === undefined) return true;
  return run.createdAt < position.createdAt || (run.createdAt === position.createdAt && run.id < position.id);
}

/** The summary of a record, as `listRuns` returns it. */
export function summarize(run: RunRecord): RunSummary {
  return {
    id: run.id,
    workflow: run.workflow,
    status: run.status,
    pendingRequests: run.pendingRequests.length,
    error: summaryError(run.error),
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
  };
}
