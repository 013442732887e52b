import type { Patch } from 'immer';
import type { CheckpointStore, StoredInvocation } from '../checkpoint/store.js';
import { CheckpointError } from '../errors.js';
import type { PendingRequest } from '../model/types.js';
import type { SentMessage } from '../routing/router.js';

/** A shared write as a record keeps it: the value set, or the patches an update made to the value it read. */
export type RecordedSharedWrite = { readonly key: string; readonly value: unknown } | { readonly key: string; readonly patches: readonly Patch[] };

/** An event a handler emitted where it ran (a worker), for the run to emit when it commits the record. */
export type RecordedEvent =
  | { readonly type: 'custom'; readonly name: string; readonly data: unknown; readonly transient?: boolean }
  | { readonly type: 'phase.started'; readonly name: string }
  | { readonly type: 'phase.completed'; readonly name: string; readonly ok: boolean; readonly durationMs: number };

/**
 * What one finished invocation left, as plain JSON (DESIGN.md §7.3): enough to commit it again without running
 * its handler. State patches are relative to the executor's state just before they were applied.
 */
export interface InvocationRecord {
  readonly executorId: string;
  /** The delivery's index in its executor's group (commit order). */
  readonly index: number;
  readonly sends?: readonly SentMessage[];
  readonly outputs?: readonly unknown[];
  readonly requests?: readonly PendingRequest[];
  readonly state?: readonly Patch[];
  readonly shared?: readonly RecordedSharedWrite[];
  /** Tokens charged to the run's budget by the invocation (nested runs included). */
  readonly tokens?: number;
  /** Events the handler emitted on another process (`ctx.emit`, `ctx.phase`); in process they are emitted live instead. */
  readonly events?: readonly RecordedEvent[];
}

type RecordStore = Required<Pick<CheckpointStore, 'saveInvocation' | 'listInvocations' | 'deleteInvocations'>>;

/** True when the store keeps invocation records. */
export const keepsRecords = (store: CheckpointStore | undefined): store is CheckpointStore & RecordStore =>
  store?.saveInvocation !== undefined && store.listInvocations !== undefined && store.deleteInvocations !== undefined;

/**
 * One run's invocation records in its checkpoint store, shared by the run and its nested runs: saved as
 * invocations finish, loaded when a run resumes in the middle of a superstep, dropped once a checkpoint covers them.
 */
export class InvocationRecords {
  /** The superstep of the outermost run now running; nested runs file their records under it. */
  superstep = 0;
  /** Records of this superstep left by an earlier process, by invocation id (empty unless resuming). */
  replay: ReadonlyMap<string, InvocationRecord> = new Map();
  /** Supersteps with records saved (or found) that no checkpoint has covered yet. */
  private readonly undropped = new Set<number>();

  constructor(
    private readonly store: RecordStore,
    private readonly runId: string,
  ) {}

  /** Saves a finished invocation's record; a failed save is a CheckpointError (`save_failed`). */
  save(invocationId: string, record: InvocationRecord): Promise<void> {
    this.undropped.add(this.superstep);
    const stored: StoredInvocation = { runId: this.runId, superstep: this.superstep, invocationId, data: JSON.stringify(record) };
    return this.store.saveInvocation(stored).catch((error: unknown) => {
      throw new CheckpointError(
        'save_failed',
        `Saving the record of invocation "${invocationId}" failed: ${error instanceof Error ? error.message : String(error)}. The run stops so that it never runs ahead of what it can resume.`,
        { runId: this.runId, superstep: this.superstep, cause: error },
      );
    });
  }

  /** Loads the records of `superstep` for replay; false when there are none. */
  async load(superstep: number): Promise<boolean> {
    const stored = await this.store.listInvocations(this.runId, superstep);
    this.replay = new Map(stored.map((record) => [record.invocationId, JSON.parse(record.data) as InvocationRecord]));
    if (stored.length > 0) this.undropped.add(superstep);
    return stored.length > 0;
  }

  /** Drops the records a checkpoint of `superstep` now covers. */
  async drop(superstep: number): Promise<void> {
    let covered = false;
    for (const step of this.undropped) if (step <= superstep) covered = this.undropped.delete(step);
    if (!covered) return;
    await this.store.deleteInvocations(this.runId, superstep);
  }
}
