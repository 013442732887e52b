import { enablePatches, type Patch } from 'immer';
import { applyStatePatches } from '../internal/immer.js';
import { z } from 'zod';
import { CheckpointError } from '../errors.js';
import type { BudgetLedger, PendingRequest } from '../model/types.js';
import type { CheckpointStore, StoredCheckpoint } from './store.js';

/** The version of the checkpoint body this copy of weft writes; it refuses to read newer ones. */
export const CHECKPOINT_VERSION = 1;

const pendingRequestSchema = z.object({
  id: z.string(),
  executorId: z.string(),
  path: z.array(z.string()),
  // JSON drops an undefined payload (a run started without input, ctx.request(undefined)): a missing one is undefined.
  payload: z.unknown().optional(),
  superstep: z.number().int().nonnegative(),
});

const queuedMessageSchema = z.object({
  source: z.string(),
  target: z.string(),
  payload: z.unknown().optional(),
  request: pendingRequestSchema.optional(),
});

const patchSchema = z.object({
  op: z.enum(['add', 'replace', 'remove']),
  path: z.array(z.union([z.string(), z.number()])),
  value: z.unknown().optional(),
});

const stateSchema = z.object({
  executorStates: z.record(z.string(), z.unknown()),
  shared: z.record(z.string(), z.unknown()),
});

/** The encoded body of a stored checkpoint: a full snapshot (`state`) or a delta (`patches`) on its parent. */
export const checkpointBodySchema = z
  .object({
    version: z.literal(CHECKPOINT_VERSION),
    signature: z.string(),
    superstep: z.number().int().nonnegative(),
    queue: z.array(queuedMessageSchema),
    fanIn: z.record(z.string(), z.array(z.array(z.unknown()))),
    pendingRequests: z.array(pendingRequestSchema),
    /** Full: every output so far. Delta: the outputs added since the parent. */
    outputs: z.array(z.unknown()),
    state: stateSchema.optional(),
    patches: z.array(patchSchema).optional(),
    /** The run's token ledger (absent: nothing charged, no limit). */
    budget: z.object({ limit: z.number().nullable(), spent: z.number() }).optional(),
  })
  .refine((body) => (body.state === undefined) !== (body.patches === undefined), { message: 'a checkpoint holds either state or patches' });

/**
 * The decoded body of a stored checkpoint (a plain type: the zod schema that checks it stays internal, so that a
 * zod release cannot change weft's API). `decodeCheckpointBody` checks that the schema's output fits it.
 */
export interface CheckpointBody {
  readonly version: number;
  readonly signature: string;
  readonly superstep: number;
  readonly queue: readonly QueuedMessage[];
  readonly fanIn: Readonly<Record<string, readonly (readonly unknown[])[]>>;
  readonly pendingRequests: readonly PendingRequest[];
  /** Full: every output so far. Delta: the outputs added since the parent. */
  readonly outputs: readonly unknown[];
  /** A full checkpoint's state (absent in a delta). */
  readonly state?: { readonly executorStates: Readonly<Record<string, unknown>>; readonly shared: Readonly<Record<string, unknown>> } | undefined;
  /** A delta's immer patches on its parent's state (absent in a full checkpoint). */
  readonly patches?:
    | readonly { readonly op: 'add' | 'replace' | 'remove'; readonly path: readonly (string | number)[]; readonly value?: unknown }[]
    | undefined;
  /** The run's token ledger (absent: nothing charged, no limit). */
  readonly budget?: BudgetLedger | undefined;
}

/** A message waiting in a checkpoint for its superstep; `request` marks the answer to a request. */
export interface QueuedMessage {
  readonly source: string;
  readonly target: string;
  readonly payload: unknown;
  readonly request?: PendingRequest | undefined;
}

/** A run at a superstep boundary, whole: everything `resume` needs. Plain JSON. */
export interface Checkpoint {
  readonly id: string;
  readonly parentId: string | null;
  readonly runId: string;
  readonly workflow: string;
  readonly signature: string;
  readonly version: number;
  readonly superstep: number;
  readonly createdAt: number;
  readonly queue: readonly QueuedMessage[];
  readonly executorStates: Readonly<Record<string, unknown>>;
  readonly shared: Readonly<Record<string, unknown>>;
  readonly fanIn: Readonly<Record<string, readonly (readonly unknown[])[]>>;
  readonly pendingRequests: readonly PendingRequest[];
  readonly outputs: readonly unknown[];
  readonly budget: BudgetLedger;
}

let patchesEnabled = false;
/** Immer's patch plugin, switched on the first time weft needs it (no import-time side effect). */
export function usePatches(): void {
  if (!patchesEnabled) {
    enablePatches();
    patchesEnabled = true;
  }
}

/** Decodes and checks the body of a stored checkpoint; a CheckpointError names what is wrong. */
export function decodeCheckpointBody(stored: StoredCheckpoint): CheckpointBody {
  let raw: unknown;
  try {
    raw = JSON.parse(stored.data);
  } catch (error) {
    throw new CheckpointError('corrupt', `Checkpoint "${stored.id}" is not valid JSON: ${(error as Error).message}.`, {
      checkpointId: stored.id,
      runId: stored.runId,
    });
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > CHECKPOINT_VERSION) {
    throw new CheckpointError(
      'future_version',
      `Checkpoint "${stored.id}" was written by a newer weft (checkpoint version ${version}; this one reads up to ${CHECKPOINT_VERSION}). Upgrade weft to resume it.`,
      { checkpointId: stored.id, runId: stored.runId },
    );
  }
  const parsed = checkpointBodySchema.safeParse(raw);
  if (!parsed.success) {
    throw new CheckpointError(
      'corrupt',
      `Checkpoint "${stored.id}" does not match the checkpoint schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`,
      {
        checkpointId: stored.id,
        runId: stored.runId,
      },
    );
  }
  // A zod payload is optional where ours is `unknown` (the same JSON); every other field must fit as it is.
  return parsed.data satisfies Omit<CheckpointBody, 'queue' | 'pendingRequests'> as CheckpointBody;
}

/** Loads a checkpoint by id and rebuilds the full state from the nearest full snapshot and the deltas after it. */
export async function loadCheckpoint(store: CheckpointStore, id: string): Promise<Checkpoint> {
  const chain: { stored: StoredCheckpoint; body: CheckpointBody }[] = [];
  let current = await store.get(id);
  if (current === undefined)
    throw new CheckpointError('not_found', `No checkpoint "${id}" in the store. List a run's checkpoints with store.list(runId).`, {
      checkpointId: id,
    });
  const visited = new Set<string>();
  for (;;) {
    if (visited.has(current.id))
      throw new CheckpointError('corrupt', `Checkpoint "${id}" has a parent chain that loops back to "${current.id}".`, {
        checkpointId: current.id,
        runId: current.runId,
      });
    visited.add(current.id);
    const body = decodeCheckpointBody(current);
    chain.push({ stored: current, body });
    if (body.state !== undefined) break;
    const parentId: string | null = current.parentId;
    const parent: StoredCheckpoint | undefined = parentId === null ? undefined : await store.get(parentId);
    if (parent === undefined) {
      throw new CheckpointError(
        'broken_chain',
        `Checkpoint "${current.id}" is a delta whose parent "${String(parentId)}" is missing from the store, so its state cannot be rebuilt.`,
        {
          checkpointId: current.id,
          runId: current.runId,
        },
      );
    }
    current = parent;
  }
  usePatches();
  const base = chain[chain.length - 1] as { stored: StoredCheckpoint; body: CheckpointBody };
  let state = base.body.state as z.infer<typeof stateSchema>;
  const outputs = [...base.body.outputs];
  const patches: Patch[] = [];
  for (let i = chain.length - 2; i >= 0; i--) {
    const link = chain[i] as { stored: StoredCheckpoint; body: CheckpointBody };
    for (const patch of link.body.patches as Patch[]) patches.push(patch);
    outputs.push(...link.body.outputs);
  }
  try {
    // Every delta's patches in one go: each changed object is copied once, not once per delta.
    state = applyStatePatches(state, patches);
  } catch {
    // Find the delta whose patches do not apply, to name it.
    for (let i = chain.length - 2; i >= 0; i--) {
      const link = chain[i] as { stored: StoredCheckpoint; body: CheckpointBody };
      try {
        state = applyStatePatches(state, link.body.patches as Patch[]);
      } catch (error) {
        throw new CheckpointError(
          'corrupt',
          `Checkpoint "${link.stored.id}" holds patches that do not apply to its parent's state: ${(error as Error).message}.`,
          { checkpointId: link.stored.id, runId: link.stored.runId, cause: error },
        );
      }
    }
  }
  const top = chain[0] as { stored: StoredCheckpoint; body: CheckpointBody };
  return {
    id: top.stored.id,
    parentId: top.stored.parentId,
    runId: top.stored.runId,
    workflow: top.stored.workflow,
    signature: top.body.signature,
    version: top.body.version,
    superstep: top.body.superstep,
    createdAt: top.stored.createdAt,
    queue: top.body.queue as QueuedMessage[],
    executorStates: state.executorStates,
    shared: state.shared,
    fanIn: top.body.fanIn,
    pendingRequests: top.body.pendingRequests as PendingRequest[],
    outputs,
    budget: top.body.budget ?? { limit: null, spent: 0 },
  };
}
