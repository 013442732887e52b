// One executor's staged writes in one superstep: what its invocations committed, and what the pure core reads.
import type { Patch } from 'immer';
import { usePatches } from '../checkpoint/checkpoint.js';
import { applyStatePatches, freezeState } from '../internal/immer.js';
import type { AnyExecutor } from '../model/types.js';
import type { Delivery, SourceRoutes } from '../routing/router.js';
import type { ExecutorNode } from './compiled.js';
import type { InvocationRecord } from './invocation-records.js';
import { afterSharedOp, type InvocationEffects, type SharedOp, type SlotWrites } from './superstep.js';

/** Patches with `prefix` put before their paths. */
export const prefixPatches = (prefix: readonly (string | number)[], patches: readonly Patch[]): Patch[] =>
  patches.map((p) => ({ ...p, path: [...prefix, ...p.path] }));

/**
 * One executor's deliveries and staged writes in one superstep (the group `groupDeliveries` makes of the queue, so
 * grouping allocates nothing more: a one-delivery slot holds its delivery itself); replaced wholesale, never mutated
 * in place, so snapshots stay valid.
 */
export class ExecutorSlot implements SlotWrites {
  /** The executor's state at the last boundary: its initial state until `startFrom` gives a committed one. */
  committedState: unknown;
  hasCommittedState = false;
  state: unknown;
  stateVersion = 0;
  stateChanged = false;
  /** This executor's view of shared state after its own writes (what its later invocations read). */
  shared: ReadonlyMap<string, unknown> | undefined;
  /** Its shared writes in order, replayed at commit over the other executors' writes, in graph order. */
  sharedOps: SharedOp[] | undefined;
  /** State patches of this superstep, rooted at `executorStates` (when recorded). */
  patches: Patch[] | undefined;
  /**
   * Sends, outputs and requests of each successful invocation, by delivery index: commit order does not depend on
   * timing. Those of delivery 0 alone are kept as they are, without an array (a fan-out's slots mostly have one).
   */
  effects: InvocationEffects | (InvocationEffects | undefined)[] | undefined;

  /** This superstep's deliveries after the first, in queue order (most slots of a fan-out have one: no array). */
  private rest: Delivery[] | undefined;

  constructor(
    readonly node: ExecutorNode,
    /** This superstep's first delivery to the executor (none for a slot that runs one given invocation). */
    private first: Delivery | undefined,
  ) {
    this.committedState = node.executor.initialState;
    this.state = this.committedState;
  }

  /** How many deliveries the slot has. */
  get size(): number {
    return this.first === undefined ? 0 : this.rest === undefined ? 1 : this.rest.length + 1;
  }

  /** The delivery at `index`, in queue order. */
  delivery(index: number): Delivery {
    return (index === 0 ? this.first : (this.rest as Delivery[])[index - 1]) as Delivery;
  }

  /** Replaces the delivery at `index` (by its validated copy). */
  replace(index: number, delivery: Delivery): void {
    if (index === 0) this.first = delivery;
    else (this.rest as Delivery[])[index - 1] = delivery;
  }

  /** Adds a later delivery to the same executor. */
  add(delivery: Delivery): void {
    if (this.first === undefined) this.first = delivery;
    else if (this.rest === undefined) this.rest = [delivery];
    else this.rest.push(delivery);
  }

  // Read through the node rather than copied: a wide fan-out makes a slot per executor, each field costs 8 bytes.
  get executor(): AnyExecutor {
    return this.node.executor;
  }
  get executorId(): string {
    return this.node.id;
  }
  get routes(): SourceRoutes {
    return this.node.routes;
  }

  /** A slot for one group of `groupDeliveries`, starting with its first delivery. */
  static forGroup(this: void, node: ExecutorNode, first: Delivery): ExecutorSlot {
    return new ExecutorSlot(node, first);
  }

  /** Starts from the state the executor committed at an earlier boundary. */
  startFrom(committed: unknown): this {
    this.committedState = committed;
    this.hasCommittedState = true;
    this.state = committed;
    return this;
  }

  /** Files the sends, outputs and requests of the invocation of delivery `index`. */
  fileEffects(index: number, effects: InvocationEffects): void {
    const filed = this.effects;
    if (filed === undefined && index === 0) this.effects = effects;
    else if (Array.isArray(filed)) filed[index] = effects;
    else {
      // The first other index: delivery 0's effects (if filed) move into an array, by index.
      const list: (InvocationEffects | undefined)[] = filed === undefined ? [] : [filed];
      list[index] = effects;
      this.effects = list;
    }
  }

  /** Applies state patches (relative to the slot's state) as the next write of this superstep. */
  applyStatePatches(relative: readonly Patch[], recordPatches: boolean): void {
    if (recordPatches) {
      // The first write of a run: the checkpoint must first learn the initial state it applies to.
      if (!this.hasCommittedState && !this.stateChanged)
        (this.patches ??= []).push({ op: 'add', path: ['executorStates', this.executor.id], value: this.committedState });
      (this.patches ??= []).push(...prefixPatches(['executorStates', this.executor.id], relative));
    }
    this.stateVersion++;
    this.stateChanged = true;
  }

  /** Stages shared writes: this executor's later invocations read them, the commit replays them over everyone's. */
  stageShared(ops: readonly SharedOp[], committed: Readonly<Record<string, unknown>>): void {
    const view = new Map(this.shared);
    const read = (key: string): unknown => (view.has(key) ? view.get(key) : committed[key]);
    for (const op of ops) view.set(op.key, afterSharedOp(read(op.key), op));
    this.shared = view;
    (this.sharedOps ??= []).push(...ops);
  }

  /** Commits a recorded invocation (from an earlier process) as if it had just finished, without running it. */
  replay(record: InvocationRecord, committedShared: Readonly<Record<string, unknown>>, recordPatches: boolean): void {
    if (record.state !== undefined) {
      usePatches();
      this.state = freezeState(applyStatePatches(this.state, record.state as Patch[]));
      this.applyStatePatches(record.state, recordPatches);
    }
    if (record.shared !== undefined) {
      this.stageShared(
        record.shared.map(
          (write): SharedOp =>
            'patches' in write
              ? { key: write.key, set: false, patches: write.patches }
              : { key: write.key, set: true, value: freezeState(write.value) },
        ),
        committedShared,
      );
    }
    if (record.sends !== undefined || record.outputs !== undefined || record.requests !== undefined) {
      this.fileEffects(record.index, { sends: record.sends, outputs: record.outputs, requests: record.requests });
    }
  }
}
