import { decodeCheckpointBody, loadCheckpoint, type CheckpointStore, type StoredCheckpoint } from '../index.js';
import type { CheckpointSummary, StateChange } from './console-types.js';

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
 * A run's checkpoints, oldest first, without their states: each stored body is read once, so a run of thousands of
 * supersteps lists in one pass. The state diff of a superstep is {@link checkpointChanges}, asked for one at a time.
 */
export async function checkpointHistory(store: CheckpointStore, runId: string): Promise<CheckpointSummary[]> {
  const outputCount = new Map<string, number>();
  return (await store.list(runId)).map((checkpoint) => summarize(checkpoint, outputCount));
}

/**
 * What one checkpoint's superstep changed in `executorStates` and `shared`: its state against its parent's (the
 * first against nothing). Each side is rebuilt from its nearest full snapshot, so the cost is that of two loads.
 */
export async function checkpointChanges(store: CheckpointStore, checkpoint: StoredCheckpoint): Promise<StateChange[]> {
  const stateOf = async (id: string | null): Promise<Json> => {
    if (id === null) return { executorStates: {}, shared: {} };
    const loaded = await loadCheckpoint(store, id);
    return { executorStates: loaded.executorStates, shared: loaded.shared };
  };
  return diffState(await stateOf(checkpoint.parentId), await stateOf(checkpoint.id));
}

function summarize(checkpoint: StoredCheckpoint, outputCount: Map<string, number>): CheckpointSummary {
  const body = decodeCheckpointBody(checkpoint);
  // A delta holds the outputs its superstep added; a full snapshot holds all of them so far.
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
    outputs,
    pendingRequests: body.pendingRequests,
    queued: body.queue.map((message) => message.target),
    budget: body.budget ?? { limit: null, spent: 0 },
  };
}
