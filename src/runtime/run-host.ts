// What a run offers the invocations it schedules (SchedulerHost, ContextHost), and its parts wired from its options.
import type { Patch } from 'immer';
import { usePatches } from '../checkpoint/checkpoint.js';
import type { CheckpointStore } from '../checkpoint/store.js';
import { checkOutput, checkSend } from './checks.js';
import type { CompiledWorkflow } from './compiled.js';
import type { Invocation, Placement } from './placement.js';
import { Checkpointer } from './checkpointer.js';
import { InvocationRecords, keepsRecords, type InvocationRecord } from './invocation-records.js';
import type { WorkflowEvent } from '../events/events.js';
import type { Budget, ExecutorDefaults, LimiterLike, PendingRequest, Schema } from '../model/types.js';
import { RunBudget } from './budget.js';
import type { Delivery } from '../routing/router.js';
import { AbortScope } from './abort-scope.js';
import type { SchedulerHost } from './scheduler.js';
import { RequestInbox } from './inbox.js';
import type { ChildResult, ChildStart, ExecutorSlot, InvocationContext } from './context.js';
import type { RunState } from './run-state.js';
import { Semaphore } from './semaphore.js';
import { checkRunOptions, type ParentLink, type RunOptions } from './run-options.js';
import { RunEvents, type EventFields } from './run-events.js';

/** The empty executor states a new run starts with (most runs never write executor state). */
export const EMPTY_STATES: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The side of a run its invocations see: checks, events, signals, the budget, records and the placement. The
 * superstep loop (`RunEngine`, run.ts) builds on it.
 */
export abstract class RunHost implements SchedulerHost {
  readonly runId: string;
  readonly recordPatches: boolean;
  readonly checkpointing: boolean;
  /** Invocations of the current superstep leave records (see `InvocationRecords`). */
  recording = false;
  readonly invocationPrefix: string;
  /** Where finished invocations are recorded; undefined when the store keeps no records or durability is 'exit'. */
  protected readonly records: InvocationRecords | undefined;
  /** Record saves of the current superstep, awaited before it commits. */
  protected saves: Promise<void>[] | undefined;
  /** The next superstep to look for records of an earlier process in (set when resuming). */
  protected replayFrom: number | undefined;
  protected readonly parent: ParentLink | undefined;
  readonly scope: AbortScope;
  readonly semaphore: Semaphore | undefined;
  protected readonly maxSupersteps: number;
  readonly validateMessages: boolean;
  protected readonly outputs: unknown[] = [];
  protected superstep = 0;
  committedShared: Readonly<Record<string, unknown>> = {};
  /** Patches of the last commit, handed to the next delta checkpoint. */
  protected patches: readonly Patch[] = [];
  /** Writes this run's checkpoints; undefined without a store. */
  protected readonly checkpointer: Checkpointer | undefined;
  /** Requests waiting for answers, and answers waiting for the next boundary. */
  readonly requests: RequestInbox;
  protected finalState: RunState | undefined;
  protected readonly events: RunEvents;
  protected budget: RunBudget;
  protected readonly budgetLimit: number | undefined;
  readonly limiter: LimiterLike | undefined;
  /** Where this run's handlers run; undefined: in this process. */
  readonly placement: Placement | undefined;
  /** The outermost workflow's name. */
  protected readonly workflowName: string;
  /** The outermost workflow's graph signature. */
  protected readonly workflowSignature: string;
  protected readonly budgetExceeded = (executorId: string, path: readonly string[], refused: boolean): void =>
    this.emit('budget.exceeded', { executorId, limit: this.budget.limit as number, spent: this.budget.spent, refused }, path);
  /** The store to look in before a new run takes a caller's runId, which may be taken already. */
  protected readonly givenRunIdStore: CheckpointStore | undefined;
  /** False when the caller parsed the input already (a nested child): the queued seed is then a parsed value. */
  rawSeed = true;

  constructor(
    protected readonly compiled: CompiledWorkflow,
    options: RunOptions,
    sink: ((event: WorkflowEvent) => void) | undefined,
    readonly path: readonly string[] = [],
    parent?: ParentLink,
    /** When true, a run with pending requests waits in memory for `respond()` instead of returning `waiting`. */
    protected readonly live = false,
  ) {
    checkRunOptions(options);
    const definition = compiled.definition;
    const onEvent = options.onEvent;
    this.runId = options.runId ?? globalThis.crypto.randomUUID();
    this.events = new RunEvents(
      this.runId,
      path,
      onEvent === undefined || sink === undefined ? (sink ?? onEvent) : (event) => (onEvent(event), sink(event)),
      () => this.superstep,
    );
    this.maxSupersteps = options.maxSupersteps ?? definition.maxSupersteps;
    const maxConcurrency = options.maxConcurrency ?? definition.maxConcurrency;
    const own = Number.isFinite(maxConcurrency) ? maxConcurrency : undefined;
    const above = parent?.semaphore;
    this.semaphore = own === undefined ? above : new Semaphore(own, above);
    this.validateMessages = (options.validate ?? definition.validate) === 'all';
    const store = options.checkpoints;
    const durability = options.durability ?? 'sync';
    const fullEvery = options.fullCheckpointEvery ?? 50;
    this.parent = parent;
    this.recording = parent?.records !== undefined;
    this.invocationPrefix = parent?.invocationPrefix ?? `${this.runId}/`;
    this.records =
      parent !== undefined ? parent.records : keepsRecords(store) && durability !== 'exit' ? new InvocationRecords(store, this.runId) : undefined;
    // A nested run of a recorded invocation records its own invocations, so its messages must be plain JSON too.
    this.checkpointing = store !== undefined || this.records !== undefined;
    this.givenRunIdStore = options.runId !== undefined && parent === undefined ? store : undefined;
    this.recordPatches = (store !== undefined && durability !== 'exit') || this.records !== undefined;
    const records = this.records;
    this.checkpointer =
      store === undefined
        ? undefined
        : new Checkpointer(
            store,
            durability,
            fullEvery,
            { runId: this.runId, workflow: definition.name, signature: definition.signature },
            (checkpointId, kind, bytes, superstep) => {
              if (this.events.sink !== undefined) this.emit('checkpoint.saved', { checkpointId, kind, bytes: bytes() }, this.path, superstep);
            },
            records === undefined ? undefined : (superstep) => records.drop(superstep),
          );
    if (this.recordPatches) usePatches();
    this.scope = new AbortScope(this.runId, options.signal);
    // Own response schemas are shared by the workflow's runs: a resumed run knows them too.
    this.requests = new RequestInbox(this.runId, definition, path, this.checkpointing, compiled.responseSchemas);
    const tokens = options.budget?.tokens;
    this.budgetLimit = tokens;
    this.budget = parent?.budget ?? new RunBudget(tokens ?? null, 0, this.budgetExceeded, this.runId);
    this.limiter = parent !== undefined ? parent.limiter : options.limiter;
    this.placement = parent !== undefined ? parent.placement : options.placement;
    this.workflowName = parent?.workflow ?? definition.name;
    this.workflowSignature = parent?.signature ?? definition.signature;
  }

  get defaults(): ExecutorDefaults {
    return this.compiled.definition.defaults;
  }

  get observed(): boolean {
    return this.events.sink !== undefined;
  }

  get replaying(): boolean {
    return this.records !== undefined && this.records.replay.size > 0;
  }

  recorded(invocationId: string, record: InvocationRecord): void {
    (this.saves ??= []).push((this.records as InvocationRecords).save(invocationId, record));
  }

  /** Cancels the run; handlers see `ctx.signal` abort and the run ends `cancelled`. */
  cancel(reason?: unknown): void {
    this.scope.abort(reason);
    this.requests.wakeUp();
  }

  emit<T extends WorkflowEvent['type']>(type: T, fields: EventFields<T>, path?: readonly string[], superstep?: number): void {
    this.events.emit(type, fields, path, superstep);
  }

  executorPath(id: string): readonly string[] {
    return this.events.executorPath(id);
  }

  /** Commits a delivery from its record instead of running it, when an earlier process finished it; false otherwise. */
  replayed(slot: ExecutorSlot, index: number, k: number): boolean {
    const record = (this.records as InvocationRecords).replay.get(`${this.invocationPrefix}${k}:${slot.executor.id}:${index}`);
    if (record === undefined) return false;
    this.commitRecord(slot, record);
    return true;
  }

  /** Commits a record into its slot as if its handler had just finished here: writes, tokens, then its events. */
  commitRecord(slot: ExecutorSlot, record: InvocationRecord): void {
    const id = slot.executor.id;
    slot.replay(record, this.committedShared, this.recordPatches);
    if (record.tokens !== undefined) {
      this.budget.record(id, this.executorPath(id), record.tokens);
      this.parent?.onTokens(record.tokens);
    }
    if (record.events !== undefined)
      for (const event of record.events) {
        if (event.type === 'custom') this.emitCustom(id, this.superstep, event.name, event.data, event.transient);
        else if (event.type === 'phase.started') this.emitPhase(id, this.superstep, event.name, undefined);
        else this.emitPhase(id, this.superstep, event.name, { ok: event.ok, durationMs: event.durationMs });
      }
  }

  /** The invocation a placement is handed: the delivery, and the state and shared values it reads now. */
  invocationFor(slot: ExecutorSlot, delivery: Delivery, index: number, k: number, attempt: number, timeoutMs: number | undefined): Invocation {
    const id = slot.executor.id;
    const staged = slot.shared;
    return {
      runId: this.runId,
      workflow: this.workflowName,
      signature: this.workflowSignature,
      path: this.executorPath(id),
      executorId: id,
      invocationId: `${this.invocationPrefix}${k}:${id}:${index}`,
      superstep: k,
      index,
      attempt,
      message: delivery.payload,
      ...(delivery.request === undefined ? {} : { response: { request: delivery.request } }),
      state: slot.state,
      shared: staged === undefined ? this.committedShared : { ...this.committedShared, ...Object.fromEntries(staged) },
      budget: this.budget.ledger(),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    };
  }

  // ContextHost

  checkSend(sourceId: string, to: string): void {
    checkSend(this.compiled, sourceId, to, this.runId, this.superstep);
  }

  checkOutput(executorId: string, value: unknown): void {
    checkOutput(this.compiled, executorId, value, this.runId, this.superstep);
  }

  emitCustom(executorId: string, superstep: number, name: string, data: unknown, transient?: boolean): void {
    this.events.custom(executorId, superstep, name, data, transient);
  }

  emitPhase(executorId: string, superstep: number, name: string, outcome: { readonly ok: boolean; readonly durationMs: number } | undefined): void {
    this.events.phase(executorId, superstep, name, outcome);
  }

  ownSignal(): AbortController {
    return this.scope.child();
  }

  releaseSignal(controller: AbortController): void {
    this.scope.release(controller);
  }

  budgetFor(executorId: string, onTokens: (tokens: number) => void): Budget {
    return this.budget.view(executorId, this.executorPath(executorId), onTokens);
  }

  tokensCharged(tokens: number): void {
    this.parent?.onTokens(tokens);
  }

  schemaFor(request: PendingRequest): Schema | undefined {
    return this.requests.schemaFor(request);
  }

  rememberResponseSchema(requestId: string, schema: Schema): void {
    this.requests.responseSchemas.set(requestId, schema);
  }

  abstract runChild(
    child: CompiledWorkflow,
    start: ChildStart,
    signal: AbortSignal,
    path: readonly string[],
    parent: InvocationContext,
  ): Promise<ChildResult>;
}
