import type { Patch } from 'immer';
import { CHECKPOINT_VERSION, type CheckpointBody } from '../checkpoint/checkpoint.js';
import type { CheckpointStore, StoredCheckpoint } from '../checkpoint/store.js';
import { CheckpointError } from '../errors.js';
import { utf8Length } from '../internal/plain-json.js';
import { describeThrown } from '../internal/thrown.js';
import type { BudgetLedger } from '../model/types.js';
import type { RunState } from './run-state.js';

/** When checkpoints are written: before the next superstep starts (`sync`), overlapping it with at most one save in flight (`async`), or once when the run stops (`exit`). */
export type Durability = 'sync' | 'async' | 'exit';

/** What a checkpoint takes from the run besides its state. */
export interface CheckpointParts {
  /** Every output of the run so far (append-only; `RunState.outputCount` marks the boundary). */
  readonly outputs: readonly unknown[];
  readonly budget: BudgetLedger;
}

/**
 * Writes one run's checkpoints: full snapshots every `fullEvery`, immer-patch deltas between them, chained by
 * `parentId`, per the durability mode.
 */
export class Checkpointer {
  /** The last checkpoint written (the parent of the next one). */
  lastId: string | null = null;
  private savedOutputCount = 0;
  private deltasSinceFull = 0;
  private pendingSave: Promise<void> | undefined;
  private exitSaved = false;
  private lastCreatedAt = 0;

  constructor(
    private readonly store: CheckpointStore,
    private readonly durability: Durability,
    private readonly fullEvery: number,
    private readonly meta: { readonly runId: string; readonly workflow: string; readonly signature: string },
    private readonly onSaved: (checkpointId: string, kind: 'full' | 'delta', bytes: () => number, superstep: number) => void,
    /** Runs once a checkpoint is saved, before it counts as saved (drops the invocation records it covers). */
    private readonly afterSave?: (superstep: number) => Promise<void>,
  ) {}

  /** The next checkpoint follows `parentId` (the resumed one, or none). */
  startAfter(parentId: string | null): void {
    this.lastId = parentId;
  }

  /** Outputs up to `count` are in the checkpoint being continued from. */
  savedUpTo(count: number): void {
    this.savedOutputCount = count;
  }

  /** Checkpoints are never older than `createdAt` (the resumed one's), whatever this host's clock says. */
  follow(createdAt: number): void {
    this.lastCreatedAt = createdAt;
  }

  /** Saves `state` per the durability mode; `full` forces a full snapshot; a delta holds `patches` (rooted at `executorStates` / `shared`). */
  async checkpoint(state: RunState, parts: CheckpointParts, full: boolean, patches: readonly Patch[] = []): Promise<void> {
    if (this.durability === 'exit') return;
    const fullSnapshot = full || this.deltasSinceFull + 1 >= this.fullEvery;
    if (this.durability === 'sync') return this.save(state, parts, fullSnapshot, patches);
    // async: wait for the save before (so at most one is in flight and a delta never outlives a failed parent),
    // then let this one overlap the next superstep.
    if (this.pendingSave !== undefined) await this.pendingSave;
    const save = this.save(state, parts, fullSnapshot, patches);
    save.catch(() => undefined); // surfaced by the next checkpoint or by settle
    this.pendingSave = save;
  }

  /** Waits for saves in flight; in `exit` mode writes the one checkpoint, once. Rethrows a failed save only when asked. */
  async settle(state: RunState, parts: CheckpointParts, rethrow: boolean): Promise<void> {
    try {
      if (this.pendingSave !== undefined) await this.pendingSave;
      if (this.durability === 'exit' && !this.exitSaved) {
        this.exitSaved = true;
        await this.save(state, parts, true, []);
      }
    } catch (error) {
      if (rethrow) throw error;
    } finally {
      this.pendingSave = undefined;
    }
  }

  private save(state: RunState, parts: CheckpointParts, full: boolean, patches: readonly Patch[]): Promise<void> {
    const body: CheckpointBody = {
      version: CHECKPOINT_VERSION,
      signature: this.meta.signature,
      superstep: state.superstep,
      queue: state.queue as CheckpointBody['queue'],
      fanIn: state.fanIn as CheckpointBody['fanIn'],
      pendingRequests: state.pendingRequests as CheckpointBody['pendingRequests'],
      budget: parts.budget,
      outputs: parts.outputs.slice(full ? 0 : this.savedOutputCount, state.outputCount),
      ...(full ? { state: { executorStates: state.executorStates, shared: state.shared } } : { patches: patches as CheckpointBody['patches'] }),
    };
    this.savedOutputCount = state.outputCount;
    this.deltasSinceFull = full ? 0 : this.deltasSinceFull + 1;
    const data = JSON.stringify(body);
    const record: StoredCheckpoint = {
      id: globalThis.crypto.randomUUID(),
      runId: this.meta.runId,
      parentId: this.lastId,
      workflow: this.meta.workflow,
      superstep: state.superstep,
      // Never older than its parent, even on a host whose clock is behind: latest() must pick this one.
      createdAt: (this.lastCreatedAt = Math.max(Date.now(), this.lastCreatedAt + 1)),
      kind: full ? 'full' : 'delta',
      data,
    };
    this.lastId = record.id;
    const superstep = state.superstep;
    const saved =
      this.afterSave === undefined
        ? this.store.save(record)
        : this.store.save(record).then(() => (this.afterSave as (superstep: number) => Promise<void>)(superstep));
    return saved.then(
      () => this.onSaved(record.id, record.kind, () => utf8Length(data), superstep),
      (error: unknown) => {
        throw new CheckpointError(
          'save_failed',
          `Saving checkpoint "${record.id}" (superstep ${superstep}) failed: ${describeThrown(error)}. The run stops so that it never runs ahead of what it can resume.`,
          { runId: this.meta.runId, superstep, checkpointId: record.id, cause: error },
        );
      },
    );
  }
}
