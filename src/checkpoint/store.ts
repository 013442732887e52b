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
  /** Removes every checkpoint of a run. */
  deleteRun(runId: string): Promise<void>;
}
