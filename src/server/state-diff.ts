import { checkpointBodySchema, loadCheckpoint, type CheckpointStore, type StoredCheckpoint } from '../index.js';

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
  const states = new Map<string, Json>();
  const stateOf = async (id: string | null): Promise<Json> => {
    if (id === null) return { executorStates: {}, shared: {} };
    let state = states.get(id);
    if (state === undefined) {
      const loaded = await loadCheckpoint(store, id);
      state = { executorStates: loaded.executorStates, shared: loaded.shared };
      states.set(id, state);
    }
    return state;
  };
  const outputCount = new Map<string, number>();
  const summaries: CheckpointSummary[] = [];
  for (const checkpoint of stored) {
    summaries.push(await summarize(checkpoint, stateOf, outputCount));
  }
  return summaries;
}

async function summarize(
  checkpoint: StoredCheckpoint,
  stateOf: (id: string | null) => Promise<Json>,
  outputCount: Map<string, number>,
): Promise<CheckpointSummary> {
  const body = checkpointBodySchema.parse(JSON.parse(checkpoint.data));
  // A delta's patches rebuild its state (loadCheckpoint); the diff against the parent then reads the same for both kinds.
  const changes = diffState(await stateOf(checkpoint.parentId), await stateOf(checkpoint.id));
  const already = checkpoint.parentId === null ? 0 : (outputCount.get(checkpoint.parentId) ?? 0);
  const outputs = body.patches !== undefined ? body.outputs : body.outputs.slice(already);
  outputCount.set(checkpoint.id, body.patches !== undefined ? already + outputs.length : body.outputs.length);
  return {
    id: checkpoint.id,
    parentId: checkpoint.parentId,
    superstep: checkpoint.superstep,
    createdAt: checkpoint.createdAt,
    kind: checkpoint.kind,
    bytes: checkpoint.data.length,
    changes,
    outputs,
    pendingRequests: body.pendingRequests,
    queued: body.queue.map((message) => message.target),
    budget: body.budget ?? { limit: null, spent: 0 },
  };
}
