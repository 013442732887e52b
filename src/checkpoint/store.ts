/**
 * One saved checkpoint as a store keeps it: a few columns to find it by, and the encoded body.
 * Stores never look inside `data`; weft encodes and decodes it (see `checkpointSchema`).
 */
export interface StoredCheckpoint {
  readonly id: string;
  readonly runId: string;
  /** The checkpoint this one follows (its delta base), or null for the first of a lineage. */
  readonly parentId: string | null;
  readonly workflow: string;
  /** Supersteps completed when it was taken (0: before the first). */
  readonly superstep: number;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** `full` holds the whole state; `delta` only what changed since `parentId`. */
  readonly kind: 'full' | 'delta';
  /** The JSON-encoded body. */
  readonly data: string;
}

/**
 * The record of one finished invocation in a superstep whose checkpoint is not saved yet (DESIGN.md §7.3, "pending
 * writes"). A run resumed in the middle of that superstep replays it instead of running the handler again.
 */
export interface StoredInvocation {
  /** The run it belongs to (a nested run's invocations are filed under the outermost run's id). */
  readonly runId: string;
  /**
   * The superstep of the run's outermost workflow that the invocation belongs to (1 for the first), also for an
   * invocation inside a nested workflow: the checkpoint of that superstep makes the record obsolete.
   */
  readonly superstep: number;
  /** `ctx.invocationId`: unique within the run, and the same when the invocation runs again after a crash. */
  readonly invocationId: string;
  /** The JSON-encoded record; stores never look inside. */
  readonly data: string;
}

/**
 * Where checkpoints live. Every implementation must pass the contract suite from `weft/testing`
 * (`describeCheckpointStore`).
 */
export interface CheckpointStore {
  /** Saves a checkpoint; saving the same id again replaces it. */
  save(checkpoint: StoredCheckpoint): Promise<void>;
  /** The checkpoint with this id, or undefined. */
  get(id: string): Promise<StoredCheckpoint | undefined>;
  /** A run's checkpoints, oldest first (by superstep, then by creation). */
  list(runId: string): Promise<readonly StoredCheckpoint[]>;
  /** A run's newest checkpoint (highest superstep, then latest created), or undefined. */
  latest(runId: string): Promise<StoredCheckpoint | undefined>;
  /** Removes every checkpoint of a run, and its invocation records. */
  deleteRun(runId: string): Promise<void>;
  /**
   * Saves the record of a finished invocation. When the promise resolves the record must survive a crash of this
   * process (as durably as `save`). Saving the same `runId` and `invocationId` again replaces the record (its
   * `superstep` and `data` too); records of different runs never affect each other. Called concurrently, for
   * many invocations of one superstep at once.
   *
   * The three invocation methods are optional so that stores written before them keep working: with a store
   * that lacks them, a run resumed in the middle of a superstep runs every invocation of it again. Every store
   * weft ships has them, and `describeCheckpointStore` tests them.
   */
  saveInvocation?(record: StoredInvocation): Promise<void>;
  /** Every record of `runId` whose `superstep` is exactly `superstep`, in any order (empty when there is none). */
  listInvocations?(runId: string, superstep: number): Promise<readonly StoredInvocation[]>;
  /**
   * Removes every record of `runId` whose `superstep` is ≤ `throughSuperstep` (called once that superstep's
   * checkpoint is saved, so storage stays proportional to one superstep); records of later supersteps and of other
   * runs stay. Resolves when there is nothing to remove.
   */
  deleteInvocations?(runId: string, throughSuperstep: number): Promise<void>;
}
