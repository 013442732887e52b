import { loadCheckpoint, type Checkpoint, type CheckpointStore, type StoredCheckpoint } from '../index.js';

/** One change to a run's state between two checkpoints: `before` is absent for an addition, `after` for a removal. */
export interface StateChange {
  readonly op: 'add' | 'replace' | 'remove';
  /** From the state's root: `['shared', 'count']` or `['executorStates', 'approver', 'refund']`. */
  readonly path: readonly (string | number)[];
  readonly before?: unknown;
  readonly after?: unknown;
}

/** A checkpoint as the console lists it: where it sits, and what its superstep changed. */
export interface CheckpointSummary {
  readonly id: string;
  readonly parentId: string | null;
  readonly superstep: number;
  readonly createdAt: number;
  readonly kind: 'full' | 'delta';
  readonly bytes: number;
  /** What changed in `executorStates` and `shared` since the parent (everything, against nothing, for the first). */
  readonly changes: readonly StateChange[];
  /** Outputs added since the parent. */
  readonly outputs: readonly unknown[];
  readonly pendingRequests: readonly unknown[];
  /** The executors the queued messages go to next. */
  readonly queued: readonly string[];
  readonly budget: { readonly limit: number | null; readonly spent: number };
}

type Json = unknown;
const isRecord = (value: Json): value is Record<string, Json> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The changes that turn `before` into `after`, leaf by leaf (an array that changes length is replaced whole). */
export function diffState(before: Json, after: Json, path: readonly (string | number)[] = []): StateChange[] {
  if (Object.is(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const changes: StateChange[] = [];
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) changes.push({ op: 'remove', path: [...path, key], before: before[key] });
    }
    for (const key of Object.keys(after)) {
      if (!Object.hasOwn(before, key)) changes.push({ op: 'add', path: [...path, key], after: after[key] });
      else changes.push(...diffState(before[key], after[key], [...path, key]));
    }
    return changes;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, index) => diffState(item, after[index], [...path, index]));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [before === undefined ? { op: 'add', path, after } : { op: 'replace', path, before, after }];
}

/**
 * A run's checkpoints, oldest first, each with the state changes of its superstep: the difference between the state
 * its deltas rebuild and its parent's (the first against nothing).
 */
export async function checkpointHistory(store: CheckpointStore, runId: string): Promise<CheckpointSummary[]> {
  const stored = await store.list(runId);
  const loaded = new Map<string, Checkpoint>();
  const load = async (id: string): Promise<Checkpoint> => {
    let checkpoint = loaded.get(id);
    if (checkpoint === undefined) {
      checkpoint = await loadCheckpoint(store, id);
      loaded.set(id, checkpoint);
    }
    return checkpoint;
  };
  const summaries: CheckpointSummary[] = [];
  for (const checkpoint of stored) {
    summaries.push(summarize(checkpoint, await load(checkpoint.id), checkpoint.parentId === null ? undefined : await load(checkpoint.parentId)));
  }
  return summaries;
}

const stateOf = (checkpoint: Checkpoint | undefined): Json =>
  checkpoint === undefined ? { executorStates: {}, shared: {} } : { executorStates: checkpoint.executorStates, shared: checkpoint.shared };

/** One checkpoint as loaded (its deltas applied), against its parent's: what its superstep changed and added. */
function summarize(stored: StoredCheckpoint, checkpoint: Checkpoint, parent: Checkpoint | undefined): CheckpointSummary {
  return {
    id: stored.id,
    parentId: stored.parentId,
    superstep: stored.superstep,
    createdAt: stored.createdAt,
    kind: stored.kind,
    bytes: stored.data.length,
    changes: diffState(stateOf(parent), stateOf(checkpoint)),
    outputs: checkpoint.outputs.slice(parent?.outputs.length ?? 0),
    pendingRequests: checkpoint.pendingRequests,
    queued: checkpoint.queue.map((message) => message.target),
    budget: checkpoint.budget,
  };
}
