import type { Patch } from 'immer';
import { usePatches, type Checkpoint } from '../checkpoint/checkpoint.js';
import type { CheckpointStore } from '../checkpoint/store.js';
import { checkOutput, checkSend } from './checks.js';
import type { CompiledWorkflow } from './compiled.js';
import type { Invocation, Placement } from './placement.js';
import { Checkpointer, type CheckpointParts } from './checkpointer.js';
import { InvocationRecords, keepsRecords, type InvocationRecord } from './invocation-records.js';
import { ExecutorError, isWeftError, SuperstepLimitError } from '../errors.js';
import type { WorkflowEvent } from '../events/events.js';
import { describeThrown } from '../internal/thrown.js';
import type { AnyExecutor, Budget, ExecutorDefaults, LimiterLike, PendingRequest, Schema } from '../model/types.js';
import { RunBudget } from './budget.js';
import { checkRunInput } from './run-input.js';
import { refuseExistingRun } from './run-exists.js';
import type { Delivery } from '../routing/router.js';
import { commitSuperstep, groupDeliveries, takeAnswers } from './superstep.js';
import { AbortScope } from './abort-scope.js';
import { Scheduler, settleQuietly, type SchedulerHost } from './scheduler.js';
import { RequestInbox } from './inbox.js';
import { ExecutorSlot, InvocationContext, type ChildResult, type ChildSnapshot, type ChildStart } from './context.js';
import type { RunState } from './run-state.js';
import { Semaphore } from './semaphore.js';
import { checkRunOptions, type ParentLink, type RunOptions, type RunResult } from './run-options.js';
import { yieldToEventLoop } from './timers.js';
import { RunEvents, type EventFields } from './run-events.js';
import { forwardChildEvents, fromSnapshot, runChildFrom, toSnapshot } from './child-run.js';
import { INPUT_SOURCE, validateDeliveries } from './deliveries.js';

export type { Durability } from './checkpointer.js';
export type { ResumeOptions, RunOptions, RunResult } from './run-options.js';
export type { CompiledWorkflow } from './compiled.js';

const EMPTY_STATES: Readonly<Record<string, unknown>> = Object.freeze({});
/** The reason handlers still running after their run ended see on `ctx.signal`. */
const RUN_ENDED = Object.freeze(new Error('The run has ended.'));
/** Yield to the event loop at least this often during a synchronous run, so cancellation and timers get a turn. */
const YIELD_EVERY_MS = 10;

const now = (): number => performance.now();

/** One execution of a workflow: the superstep loop. */
export class RunEngine implements SchedulerHost {
  readonly runId: string;
  readonly recordPatches: boolean;
  readonly checkpointing: boolean;
  /** Invocations of the current superstep leave records (see `InvocationRecords`). */
  recording = false;
  readonly invocationPrefix: string;
  /** Where finished invocations are recorded; undefined when the store keeps no records or durability is 'exit'. */
  private readonly records: InvocationRecords | undefined;
  /** Record saves of the current superstep, awaited before it commits. */
  private saves: Promise<void>[] | undefined;
  /** The next superstep to look for records of an earlier process in (set when resuming). */
  private replayFrom: number | undefined;
  private readonly parent: ParentLink | undefined;
  readonly scope: AbortScope;
  readonly semaphore: Semaphore | undefined;
  private readonly maxSupersteps: number;
  readonly validateMessages: boolean;
  private readonly outputs: unknown[] = [];
  private superstep = 0;
  committedShared: Readonly<Record<string, unknown>> = {};
  /** Patches of the last commit, handed to the next delta checkpoint. */
  private patches: readonly Patch[] = [];
  /** Writes this run's checkpoints; undefined without a store. */
  private readonly checkpointer: Checkpointer | undefined;
  /** Requests waiting for answers, and answers waiting for the next boundary. */
  readonly requests: RequestInbox;
  private finalState: RunState | undefined;
  private readonly events: RunEvents;
  private budget: RunBudget;
  private readonly budgetLimit: number | undefined;
  readonly limiter: LimiterLike | undefined;
  /** Where this run's handlers run; undefined: in this process. */
  readonly placement: Placement | undefined;
  /** The outermost workflow's name. */
  private readonly workflowName: string;
  private readonly budgetExceeded = (executorId: string, path: readonly string[], refused: boolean): void =>
    this.emit('budget.exceeded', { executorId, limit: this.budget.limit as number, spent: this.budget.spent, refused }, path);
  /** The store to look in before a new run takes a caller's runId, which may be taken already. */
  private readonly givenRunIdStore: CheckpointStore | undefined;
  /** False when the caller parsed the input already (a nested child): the queued seed is then a parsed value. */
  rawSeed = true;

  constructor(
    private readonly compiled: CompiledWorkflow,
    options: RunOptions,
    sink: ((event: WorkflowEvent) => void) | undefined,
    readonly path: readonly string[] = [],
    parent?: ParentLink,
    /** When true, a run with pending requests waits in memory for `respond()` instead of returning `waiting`. */
    private readonly live = false,
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
  }

  private readonly scheduler = new Scheduler(this);

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

  /** Validates the input (unless the caller already did) and runs from the start. */
  async execute(input: unknown, validated = false): Promise<RunResult> {
    const { definition, executors } = this.compiled;
    const start = executors.get(definition.start) as AnyExecutor;
    if (!validated) {
      try {
        await checkRunInput(definition.name, start, input, this.checkpointing);
        if (this.givenRunIdStore !== undefined) await refuseExistingRun(this.givenRunIdStore, this.runId, definition.name);
      } catch (error) {
        this.scope.dispose();
        throw error;
      }
    }
    // The queue (and so checkpoint 0) keeps the input as given, plain data; it is parsed again at delivery.
    this.rawSeed = !validated;
    const state: RunState = {
      superstep: 0,
      queue: [{ source: INPUT_SOURCE, target: start.id, payload: input }],
      executorStates: EMPTY_STATES,
      shared: {},
      fanIn: {},
      pendingRequests: [],
      outputCount: 0,
    };
    return this.drive(state, { input }, null);
  }

  /** Continues from a checkpoint (already checked against this workflow), answering requests first. */
  async resume(checkpoint: Checkpoint, responses: Readonly<Record<string, unknown>>): Promise<RunResult> {
    this.checkpointer?.follow(checkpoint.createdAt);
    // A process that died in the next superstep may have left records of the invocations it finished.
    if (this.records !== undefined) this.replayFrom = checkpoint.superstep + 1;
    // The ledger goes on from where it was; a budget given to resume() replaces the stored limit.
    this.budget = new RunBudget(this.budgetLimit ?? checkpoint.budget.limit, checkpoint.budget.spent, this.budgetExceeded, this.runId);
    return this.resumeState(
      {
        superstep: checkpoint.superstep,
        queue: checkpoint.queue,
        executorStates: checkpoint.executorStates,
        shared: checkpoint.shared,
        fanIn: checkpoint.fanIn,
        pendingRequests: checkpoint.pendingRequests,
        outputCount: checkpoint.outputs.length,
      },
      checkpoint.outputs,
      responses,
      checkpoint.id,
    );
  }

  private async resumeState(
    state: RunState,
    outputs: readonly unknown[],
    responses: Readonly<Record<string, unknown>>,
    from: string | null,
  ): Promise<RunResult> {
    this.outputs.push(...outputs);
    this.checkpointer?.savedUpTo(outputs.length);
    this.requests.add(state.pendingRequests);
    this.superstep = state.superstep;
    try {
      await this.requests.acceptAll(responses);
    } catch (error) {
      this.scope.dispose();
      throw error;
    }
    return this.drive(state, { input: undefined, ...(from === null ? {} : { resumedFrom: from }) }, from);
  }

  /** The superstep loop, from `state` until the run completes, waits, fails or is cancelled. */
  private async drive(initial: RunState, started: { input: unknown; resumedFrom?: string }, parentCheckpointId: string | null): Promise<RunResult> {
    const definition = this.compiled.definition;
    this.checkpointer?.startAfter(parentCheckpointId);
    this.emit('run.started', { workflow: definition.name, signature: definition.signature, ...started });
    let state = initial;
    let lastYield = now();
    try {
      if (this.scope.isAborted) throw this.scope.cancelledError();
      state = this.takeInbox(state);
      await this.checkpointer?.checkpoint(state, this.snapshotParts(), true);
      for (;;) {
        while (state.queue.length > 0) {
          if (this.scope.isAborted) throw this.scope.cancelledError();
          if (state.superstep >= this.maxSupersteps) {
            throw new SuperstepLimitError(this.maxSupersteps, { runId: this.runId, superstep: state.superstep });
          }
          if (this.records !== undefined && this.parent === undefined) await this.startRecording(this.records, state);
          const next = this.runSuperstep(state);
          state = next instanceof Promise ? await next : next;
          if (this.checkpointer !== undefined) await this.checkpointer.checkpoint(state, this.snapshotParts(), false, this.patches);
          // Reading the clock costs as much as a small superstep: look only every 32 supersteps.
          if ((state.superstep & 31) === 0 && now() - lastYield > YIELD_EVERY_MS) {
            await yieldToEventLoop();
            lastYield = now();
          }
          if (this.requests.answers.length > 0) state = this.takeInbox(state);
        }
        if (state.pendingRequests.length === 0) break;
        this.emit('run.waiting', { requests: state.pendingRequests });
        if (!this.live) return await this.finish(state, 'waiting');
        if (this.requests.answers.length === 0 && !this.scope.isAborted) await this.requests.waitForAnswer();
        if (this.scope.isAborted) throw this.scope.cancelledError();
        state = this.takeInbox(state);
        await this.checkpointer?.checkpoint(state, this.snapshotParts(), false);
      }
      this.events.unfinishedFanIns(this.compiled.definition, state.fanIn);
      return await this.finish(state, 'completed');
    } catch (caught) {
      settleQuietly(this.saves);
      this.saves = undefined;
      await this.checkpointer?.settle(state, this.snapshotParts(), false);
      if (this.scope.isAborted && (!isWeftError(caught) || caught.code === 'run_cancelled')) {
        this.emit('run.cancelled', { reason: this.scope.signal.reason });
        throw this.scope.cancelledError();
      }
      const error = isWeftError(caught) ? caught : new ExecutorError(describeThrown(caught), 1, { runId: this.runId, cause: caught });
      this.emit('run.failed', { error });
      throw error;
    } finally {
      this.scope.abort(RUN_ENDED);
      this.scope.dispose();
    }
  }

  private async finish(state: RunState, status: 'completed' | 'waiting'): Promise<RunResult> {
    await this.checkpointer?.settle(state, this.snapshotParts(), true);
    this.finalState = state;
    const outputs = this.outputs.slice();
    if (status === 'completed') this.emit('run.completed', { outputs });
    return {
      runId: this.runId,
      status,
      outputs,
      supersteps: state.superstep,
      shared: state.shared,
      pendingRequests: state.pendingRequests,
      checkpointId: this.checkpointer?.lastId ?? undefined,
      budget: this.budget.ledger(),
    };
  }

  /** What a checkpoint takes from the run besides its state: the outputs so far and the token ledger. */
  private snapshotParts(): CheckpointParts {
    return { outputs: this.outputs, budget: this.budget.ledger() };
  }

  // Requests

  /** Validates an answer and queues it for the next superstep; throws a RequestError and changes nothing when it is refused. */
  async respond(requestId: string, value: unknown): Promise<void> {
    this.requests.accept(await this.requests.check(requestId, value));
  }

  /** Requests waiting for an answer right now. */
  get pendingRequests(): readonly PendingRequest[] {
    return this.requests.waiting;
  }

  /** Moves answers given since the last boundary into the queue and out of the pending list. */
  private takeInbox(state: RunState): RunState {
    const answers = this.requests.take();
    for (const delivery of answers)
      this.emit(
        'request.answered',
        { request: delivery.request as PendingRequest, response: delivery.payload },
        (delivery.request as PendingRequest).path,
      );
    return takeAnswers(state, answers);
  }

  /** The run as it stopped, for a parent that keeps a waiting child in its state. */
  snapshot(): ChildSnapshot {
    return toSnapshot(this.runId, this.finalState as RunState, this.outputs);
  }

  /** Continues a child from its snapshot with answers to some of its requests. */
  resumeSnapshot(snapshot: ChildSnapshot, responses: Readonly<Record<string, unknown>>): Promise<RunResult> {
    return this.resumeState(fromSnapshot(snapshot), snapshot.outputs, responses, null);
  }

  /** Files this superstep's records under it and, when resuming, loads the records an earlier process left. */
  private async startRecording(records: InvocationRecords, state: RunState): Promise<void> {
    const k = state.superstep + 1;
    records.superstep = k;
    // With one invocation nothing else runs between its end and the checkpoint: a record would buy nothing.
    this.recording = state.queue.length > 1;
    if (this.replayFrom === k) this.replayFrom = (await records.load(k)) ? k + 1 : undefined;
    else if (records.replay.size > 0) records.replay = new Map();
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

  /** One superstep: validate deliveries, run handlers, commit. Stays synchronous while everything it calls is. */
  private runSuperstep(state: RunState): RunState | Promise<RunState> {
    const k = state.superstep + 1;
    this.superstep = k;
    this.committedShared = state.shared;
    const groups = groupDeliveries(this.compiled.order, state.queue);
    if (this.events.sink !== undefined) this.emit('superstep.started', { executorIds: [...groups.keys()] });

    const validated = validateDeliveries(groups, this.compiled.executors, this, k);
    if (validated !== undefined) return validated.then(() => this.invokeAll(state, groups, k));
    return this.invokeAll(state, groups, k);
  }

  private invokeAll(state: RunState, groups: Map<string, Delivery[]>, k: number): RunState | Promise<RunState> {
    const slots: ExecutorSlot[] = [];
    let pending: Promise<void>[] | undefined;
    for (const [id, deliveries] of groups) {
      const executor = this.compiled.executors.get(id) as AnyExecutor;
      // Most runs never write executor state: skip the (slow, for generated ids) own-property lookup then.
      const committed = state.executorStates !== EMPTY_STATES && Object.hasOwn(state.executorStates, id);
      const slot = new ExecutorSlot(executor, committed ? state.executorStates[id] : executor.initialState, committed);
      slots.push(slot);
      let running: Promise<void> | undefined;
      try {
        running =
          executor.concurrency === 1 ? this.scheduler.runSequential(slot, deliveries, 0, k) : this.scheduler.runConcurrent(slot, deliveries, k);
      } catch (error) {
        settleQuietly(pending);
        throw error;
      }
      if (running !== undefined) (pending ??= []).push(running);
    }
    if (pending === undefined) return this.saves === undefined ? this.commit(state, slots, k) : this.commitAfterSaves(state, slots, k);
    return Promise.race([Promise.all(pending), this.scope.aborted]).then(() =>
      this.saves === undefined ? this.commit(state, slots, k) : this.commitAfterSaves(state, slots, k),
    );
  }

  /** A superstep commits only once the records of its finished invocations are saved. */
  private async commitAfterSaves(state: RunState, slots: readonly ExecutorSlot[], k: number): Promise<RunState> {
    const saves = this.saves as Promise<void>[];
    this.saves = undefined;
    await Promise.all(saves);
    return this.commit(state, slots, k);
  }

  /** Commits the superstep (the pure core), then reports what it produced. */
  private commit(state: RunState, slots: readonly ExecutorSlot[], k: number): RunState {
    const result = commitSuperstep(this.compiled, state, slots, k, this.recordPatches, { runId: this.runId });
    for (const { value } of result.outputs) this.outputs.push(value);
    this.requests.add(result.requests);
    this.events.committed(result);
    this.patches = result.patches;
    return result.state;
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

  sendsAsOutput(executorId: string): boolean {
    return this.compiled.sendsAsOutput.has(executorId);
  }

  schemaFor(request: PendingRequest): Schema | undefined {
    return this.requests.schemaFor(request);
  }

  rememberResponseSchema(requestId: string, schema: Schema): void {
    this.requests.responseSchemas.set(requestId, schema);
  }

  runChild(
    child: CompiledWorkflow,
    start: ChildStart,
    signal: AbortSignal,
    path: readonly string[],
    parent: InvocationContext,
  ): Promise<ChildResult> {
    const forward = forwardChildEvents(this.events.sink, (event) => this.events.renumber(event));
    // One run, however deep: the child's handlers see the parent's runId, as its forwarded events do.
    const engine = new RunEngine(child, { signal, runId: this.runId }, forward, path, {
      semaphore: this.semaphore,
      budget: this.budget,
      limiter: this.limiter,
      records: this.records,
      invocationPrefix: `${parent.invocationId}/`,
      onTokens: (tokens) => parent.countTokens(tokens),
      placement: this.placement,
      workflow: this.workflowName,
    });
    // The parent validated (and parsed) the message at delivery, unless it runs with validate: 'edges-only'.
    return runChildFrom(engine, start, this.validateMessages);
  }
}
