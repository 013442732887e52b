import { CHECKPOINT_VERSION, CheckpointError, loadCheckpoint, type CheckpointStore, type QueuedMessage, type Workflow } from '../index.js';

/** What {@link forkCheckpoint} changes in the copy: executor state, shared keys, and messages to queue. */
export interface CheckpointEdit {
  /** New state per executor id (replaces it); plain JSON. */
  readonly state?: Readonly<Record<string, unknown>>;
  /** Shared keys to set; plain JSON. */
  readonly shared?: Readonly<Record<string, unknown>>;
  /** Messages to deliver in the next superstep, each checked against its target's input schema. */
  readonly messages?: readonly { readonly to: string; readonly payload: unknown }[];
}

let forks = 0;
const isPlainJson = (value: unknown): boolean => {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return (prototype === Object.prototype || prototype === null) && Object.values(value).every(isPlainJson);
};

/**
 * Copies a checkpoint with changed state or queued messages (LangGraph's `updateState`), validated against
 * `workflow`, and saves the copy as a full checkpoint whose parent is the original, so the lineage shows the
 * edit. Resume from the returned id: `workflow.resume(id, { checkpoints: store })`.
 * @example
 * const edited = await forkCheckpoint(workflow, store, checkpoint.id, { shared: { budget: 10 } });
 */
export async function forkCheckpoint(
  workflow: Workflow<any, any, any>,
  store: CheckpointStore,
  fromId: string,
  edit: CheckpointEdit,
): Promise<string> {
  const from = await loadCheckpoint(store, fromId);
  const fail = (message: string): never => {
    throw new CheckpointError('corrupt', `Cannot fork checkpoint "${fromId}": ${message}`, { checkpointId: fromId, runId: from.runId });
  };
  if (from.signature !== workflow.signature)
    fail(
      `it was taken on another graph (signature ${from.signature}, this workflow has ${workflow.signature}). Fork it with the workflow it was taken on.`,
    );
  const executors = new Map(workflow.definition.executors.map((e) => [e.id, e]));
  for (const [id, value] of Object.entries(edit.state ?? {})) {
    if (!executors.has(id)) fail(`workflow "${workflow.name}" has no executor "${id}" whose state could change.`);
    if (!isPlainJson(value)) fail(`the new state of "${id}" is not plain JSON.`);
  }
  for (const [key, value] of Object.entries(edit.shared ?? {})) if (!isPlainJson(value)) fail(`shared "${key}" is not plain JSON.`);
  const queued: QueuedMessage[] = [];
  for (const { to, payload } of edit.messages ?? []) {
    const target = executors.get(to);
    if (target === undefined) fail(`workflow "${workflow.name}" has no executor "${to}" to queue a message for.`);
    if (!isPlainJson(payload)) fail(`the message for "${to}" is not plain JSON.`);
    const result = await target?.input?.['~standard'].validate(payload);
    if (result?.issues !== undefined)
      fail(`the message for "${to}" does not match its input schema: ${result.issues.map((i) => i.message.replace(/\.+$/, '')).join('; ')}.`);
    queued.push({ source: to, target: to, payload });
  }
  const id = `${from.id}~fork-${Date.now().toString(36)}-${(forks++).toString(36)}`;
  const body = {
    version: CHECKPOINT_VERSION,
    signature: from.signature,
    superstep: from.superstep,
    queue: [...from.queue, ...queued],
    fanIn: from.fanIn,
    pendingRequests: from.pendingRequests,
    outputs: from.outputs,
    state: { executorStates: { ...from.executorStates, ...edit.state }, shared: { ...from.shared, ...edit.shared } },
    budget: from.budget,
  };
  await store.save({
    id,
    runId: from.runId,
    parentId: from.id,
    workflow: from.workflow,
    superstep: from.superstep,
    createdAt: Date.now(),
    kind: 'full',
    data: JSON.stringify(body),
  });
  return id;
}
