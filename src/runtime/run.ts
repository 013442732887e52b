import type { Patch } from 'immer';
import { usePatches, type Checkpoint } from '../checkpoint/checkpoint.js';
import type { CheckpointStore } from '../checkpoint/store.js';
import { Checkpointer, type CheckpointParts, type Durability } from './checkpointer.js';
import { InvocationRecords, keepsRecords, type InvocationRecord } from './invocation-records.js';
import {
  ExecutorError,
  isWeftError,
  MessageValidationError,
  OutputValidationError,
  RequestError,
  RoutingError,
  SuperstepLimitError,
  UnknownExecutorError,
} from '../errors.js';
import type { WorkflowEvent } from '../events/events.js';
import { limitProblem } from '../internal/limits.js';
import { describeThrown } from '../internal/thrown.js';
import { formatIssues, validateWith, type ValidationOutcome } from '../internal/schema.js';
import type {
  AnyExecutor,
  Budget,
  BudgetLedger,
  ExecutorDefaults,
  LimiterLike,
  PendingRequest,
  Schema,
  ValidationMode,
  WorkflowDefinition,
} from '../model/types.js';
import { RunBudget } from './budget.js';
import { checkRunInput } from './run-input.js';
import { refuseExistingRun } from './run-exists.js';
import type { Delivery, RoutingTable } from '../routing/router.js';
import { commitSuperstep, groupDeliveries, takeAnswers, unfinishedFanIns } from './superstep.js';
import { AbortScope } from './abort-scope.js';
import { Scheduler, settleQuietly, type SchedulerHost } from './scheduler.js';
import { RequestInbox } from './inbox.js';
import { ExecutorSlot, InvocationContext, type ChildResult, type ChildSnapshot, type ChildStart } from './context.js';
import type { RunState } from './run-state.js';
import { Semaphore } from './semaphore.js';
import { yieldToEventLoop } from './timers.js';

export type { Durability } from './checkpointer.js';

/** Options of `run`, `stream` and `start`. */
export interface RunOptions {
  /** Cancels the run when it aborts. */
  readonly signal?: AbortSignal;
  /** Overrides the workflow's limit (default 100). */
  readonly maxSupersteps?: number;
  /** Overrides the workflow's cap on handler invocations in flight at once (default unbounded). */
  readonly maxConcurrency?: number;
  /** `'edges-only'` skips validating messages at delivery (the run input is still validated). */
  readonly validate?: ValidationMode;
  /** Use this id instead of a random UUID. */
  readonly runId?: string;
  /** Where to save a checkpoint before the first superstep and after each one. */
  readonly checkpoints?: CheckpointStore;
  /** When checkpoints are written (default `'sync'`). */
  readonly durability?: Durability;
  /** Every how many checkpoints a full snapshot is written instead of a delta (default 50: deltas are small, and loading replays at most 49). */
  readonly fullCheckpointEvery?: number;
  /** A run-wide token budget, shared by nested workflows and every branch (a soft cap; see `ctx.budget`). */
  readonly budget?: { readonly tokens: number };
  /** A limiter every invocation of this run must hold (shared with other runs: a provider's rate limit). */
  readonly limiter?: LimiterLike;
  /** Hears every event of the run as it is emitted, `run()` included (e.g. tracing from `weft/otel`); must not throw. */
  readonly onEvent?: (event: WorkflowEvent) => void;
}

/** Options of `workflow.resume`. */
export interface ResumeOptions extends RunOptions {
  /** Answers to pending requests, by request id; validated before the run continues. */
  readonly responses?: Readonly<Record<string, unknown>>;
}

/** How a run stopped: `completed`, or `waiting` for answers to `pendingRequests`. */
export interface RunResult<TOutput = unknown> {
  readonly runId: string;
  readonly status: 'completed' | 'waiting';
  /** Every value passed to `ctx.output`, in superstep order, then graph order, then call order. */
  readonly outputs: TOutput[];
  readonly supersteps: number;
  /** Shared state at the end of the run. */
  readonly shared: Readonly<Record<string, unknown>>;
  /** Requests waiting for an answer (empty when completed). */
  readonly pendingRequests: readonly PendingRequest[];
  /** The last checkpoint saved, to resume from; undefined without a store. */
  readonly checkpointId: string | undefined;
  /** The token ledger: the limit (null: none) and what was charged, nested workflows included. */
  readonly budget: BudgetLedger;
}

/** The compiled, per-workflow data a run needs; built once and shared by every run. */
export interface CompiledWorkflow {
  readonly definition: WorkflowDefinition;
  readonly routing: RoutingTable;
  readonly executors: ReadonlyMap<string, AnyExecutor>;
  /** Graph order of every executor id. */
  readonly order: ReadonlyMap<string, number>;
  /** Executors with `outputIfUnconnected` and no outgoing edge. */
  readonly sendsAsOutput: ReadonlySet<string>;
  /** The own response schemas of requests asked by runs of this workflow in this process. */
  readonly responseSchemas: Map<string, Schema>;
}

/** What a nested run shares with the run that contains it. */
export interface ParentLink {
  /** The parent's cap on handlers in flight, shared so that the cap holds across nesting. */
  readonly semaphore: Semaphore | undefined;
  /** The parent's ledger: one budget for the whole run, however deep. */
  readonly budget: RunBudget;
  readonly limiter: LimiterLike | undefined;
  /** The outermost run's invocation records, when it keeps them: nested invocations are recorded too. */
  readonly records: InvocationRecords | undefined;
  /** The id of the invocation running this nested run, followed by "/": the prefix of the nested invocation ids. */
  readonly invocationPrefix: string;
  /** Counts the nested run's token charges toward the invocation that runs it. */
  readonly onTokens: (tokens: number) => void;
}

type EventFields<T extends WorkflowEvent['type']> = Omit<Extract<WorkflowEvent, { type: T }>, 'type' | 'runId' | 'seq' | 'superstep' | 'path' | 'at'>;

const INPUT_SOURCE = '(input)';
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
  private readonly validateMessages: boolean;
  private readonly outputs: unknown[] = [];
  private seq = 0;
  private superstep = 0;
  committedShared: Readonly<Record<string, unknown>> = {};
  /** Patches of the last commit, handed to the next delta checkpoint. */
  private patches: readonly Patch[] = [];
  /** Writes this run's checkpoints; undefined without a store. */
  private readonly checkpointer: Checkpointer | undefined;
  /** Requests waiting for answers, and answers waiting for the next boundary. */
  readonly requests: RequestInbox;
  private finalState: RunState | undefined;
  private readonly sink: ((event: WorkflowEvent) => void) | undefined;
  private budget: RunBudget;
  private readonly budgetLimit: number | undefined;
  readonly limiter: LimiterLike | undefined;
  private readonly budgetExceeded = (executorId: string, path: readonly string[], refused: boolean): void =>
    this.emit('budget.exceeded', { executorId, limit: this.budget.limit as number, spent: this.budget.spent, refused }, path);
  /** The store to look in before a new run takes a caller's runId, which may be taken already. */
  private readonly givenRunIdStore: CheckpointStore | undefined;
  /** False when the caller parsed the input already (a nested child): the queued seed is then a parsed value. */
  private rawSeed = true;

  constructor(
    private readonly compiled: CompiledWorkflow,
    options: RunOptions,
    sink: ((event: WorkflowEvent) => void) | undefined,
    readonly path: readonly string[] = [],
    parent?: ParentLink,
    /** When true, a run with pending requests waits in memory for `respond()` instead of returning `waiting`. */
    private readonly live = false,
  ) {
    const definition = compiled.definition;
    const onEvent = options.onEvent;
    this.sink = onEvent === undefined || sink === undefined ? (sink ?? onEvent) : (event) => (onEvent(event), sink(event));
    this.runId = options.runId ?? globalThis.crypto.randomUUID();
    this.maxSupersteps = options.maxSupersteps ?? definition.maxSupersteps;
    const maxConcurrency = options.maxConcurrency ?? definition.maxConcurrency;
    const own = Number.isFinite(maxConcurrency) ? maxConcurrency : undefined;
    const above = parent?.semaphore;
    this.semaphore = own === undefined ? above : new Semaphore(own, above);
    this.validateMessages = (options.validate ?? definition.validate) === 'all';
    const store = options.checkpoints;
    const durability = options.durability ?? 'sync';
    const fullEvery = options.fullCheckpointEvery ?? 50;
    for (const problem of [limitProblem('maxSupersteps', options.maxSupersteps), limitProblem('maxConcurrency', options.maxConcurrency)]) {
      if (problem !== undefined) throw new TypeError(`Run option ${problem}`);
    }
    if (options.validate !== undefined && options.validate !== 'all' && options.validate !== 'edges-only') {
      throw new TypeError(`Run option validate must be 'all' or 'edges-only', got ${JSON.stringify(options.validate)}.`);
    }
    if (!['sync', 'async', 'exit'].includes(durability))
      throw new TypeError(`durability must be 'sync', 'async' or 'exit', got ${JSON.stringify(durability)}.`);
    if (!(Number.isInteger(fullEvery) && fullEvery >= 1)) throw new TypeError(`fullCheckpointEvery must be an integer ≥ 1, got ${fullEvery}.`);
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
              if (this.sink !== undefined) this.emit('checkpoint.saved', { checkpointId, kind, bytes: bytes() }, this.path, superstep);
            },
            records === undefined ? undefined : (superstep) => records.drop(superstep),
          );
    if (this.recordPatches) usePatches();
    this.scope = new AbortScope(this.runId, options.signal);
    // Own response schemas are shared by the workflow's runs: a resumed run knows them too.
    this.requests = new RequestInbox(this.runId, definition, path, this.checkpointing, compiled.responseSchemas);
    const tokens = options.budget?.tokens;
    if (tokens !== undefined && !(Number.isFinite(tokens) && tokens >= 0))
      throw new TypeError(`Run option budget.tokens must be a finite number ≥ 0, got ${tokens}.`);
    this.budgetLimit = tokens;
    this.budget = parent?.budget ?? new RunBudget(tokens ?? null, 0, this.budgetExceeded, this.runId);
    this.limiter = parent !== undefined ? parent.limiter : options.limiter;
  }

  private readonly scheduler = new Scheduler(this);

  get defaults(): ExecutorDefaults {
    return this.compiled.definition.defaults;
  }

  get observed(): boolean {
    return this.sink !== undefined;
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

  emit<T extends WorkflowEvent['type']>(type: T, fields: EventFields<T>, path: readonly string[] = this.path, superstep = this.superstep): void {
    if (this.sink === undefined) return;
    this.sink({ type, runId: this.runId, seq: this.seq++, superstep, path, at: Date.now(), ...fields } as unknown as WorkflowEvent);
  }

  executorPath(id: string): readonly string[] {
    return [...this.path, id];
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
    return this.drive(state, { type: 'run.started', input }, null);
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
    return this.drive(state, { type: 'run.resumed', ...(from === null ? {} : { resumedFrom: from }) }, from);
  }

  /** The superstep loop, from `state` until the run completes, waits, fails or is cancelled. */
  private async drive(
    initial: RunState,
    started: { readonly type: 'run.started'; readonly input: unknown } | { readonly type: 'run.resumed'; readonly resumedFrom?: string },
    parentCheckpointId: string | null,
  ): Promise<RunResult> {
    const definition = this.compiled.definition;
    this.checkpointer?.startAfter(parentCheckpointId);
    const named = { workflow: definition.name, signature: definition.signature };
    if (started.type === 'run.started') this.emit('run.started', { ...named, input: started.input });
    else this.emit('run.resumed', { ...named, ...(started.resumedFrom === undefined ? {} : { resumedFrom: started.resumedFrom }) });
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
      this.dropUnfinishedFanIns(state);
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

  /** A run cannot complete with messages stuck in a fan-in buffer unnoticed: report each as dropped. */
  private dropUnfinishedFanIns(state: RunState): void {
    for (const { source, target, message } of unfinishedFanIns(this.compiled.definition, state.fanIn)) {
      this.emit('message.dropped', { sourceId: source, message, reason: 'fan-in-incomplete', to: target }, this.executorPath(source));
    }
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
    const state = this.finalState as RunState;
    return {
      runId: this.runId,
      superstep: state.superstep,
      queue: state.queue,
      executorStates: state.executorStates,
      shared: state.shared,
      fanIn: state.fanIn,
      pendingRequests: state.pendingRequests,
      outputs: this.outputs.slice(),
    };
  }

  /** Continues a child from its snapshot with answers to some of its requests. */
  resumeSnapshot(snapshot: ChildSnapshot, responses: Readonly<Record<string, unknown>>): Promise<RunResult> {
    return this.resumeState(
      {
        superstep: snapshot.superstep,
        queue: snapshot.queue as Delivery[],
        executorStates: snapshot.executorStates,
        shared: snapshot.shared,
        fanIn: snapshot.fanIn,
        pendingRequests: snapshot.pendingRequests,
        outputCount: snapshot.outputs.length,
      },
      snapshot.outputs,
      responses,
      null,
    );
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
    slot.replay(record, this.committedShared, this.recordPatches);
    if (record.tokens !== undefined) {
      this.budget.record(slot.executor.id, this.executorPath(slot.executor.id), record.tokens);
      this.parent?.onTokens(record.tokens);
    }
    return true;
  }

  /** One superstep: validate deliveries, run handlers, commit. Stays synchronous while everything it calls is. */
  private runSuperstep(state: RunState): RunState | Promise<RunState> {
    const k = state.superstep + 1;
    this.superstep = k;
    this.committedShared = state.shared;
    const groups = groupDeliveries(this.compiled.order, state.queue);
    if (this.sink !== undefined) this.emit('superstep.started', { executorIds: [...groups.keys()] });

    const validated = this.validateDeliveries(groups);
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

  /** Replaces each payload by its parsed value; fails the run on the first mismatch, before any handler runs. */
  private validateDeliveries(groups: Map<string, Delivery[]>): Promise<void> | undefined {
    let pending: Promise<void>[] | undefined;
    for (const [id, deliveries] of groups) {
      const target = this.compiled.executors.get(id) as AnyExecutor;
      for (let index = 0; index < deliveries.length; index++) {
        const delivery = deliveries[index] as Delivery;
        // Messages are parsed unless the run is 'edges-only'; the input and answers always are (they were checked, then
        // queued as given so checkpoints hold plain data); answers bound for a nested workflow are parsed by the child.
        let schema: Schema | undefined;
        if (delivery.request !== undefined) schema = target.kind === 'workflow' ? undefined : this.requests.schemaFor(delivery.request);
        else if (delivery.source === INPUT_SOURCE) schema = this.rawSeed ? target.input : undefined;
        else schema = this.validateMessages ? target.input : undefined;
        if (schema === undefined) continue;
        const checked = validateWith(schema, delivery.payload);
        if (checked instanceof Promise) {
          (pending ??= []).push(checked.then((outcome) => this.applyValidation(deliveries, index, outcome)));
          continue;
        }
        try {
          this.applyValidation(deliveries, index, checked);
        } catch (error) {
          settleQuietly(pending);
          throw error;
        }
      }
    }
    return pending === undefined ? undefined : Promise.all(pending).then(() => undefined);
  }

  private applyValidation(deliveries: Delivery[], index: number, outcome: ValidationOutcome<unknown>): void {
    const delivery = deliveries[index] as Delivery;
    const request = delivery.request;
    if (!outcome.ok && request !== undefined) {
      throw new RequestError(
        'invalid_response',
        `The answer to request "${request.id}" of "${request.executorId}" no longer matches its response schema: ${formatIssues(outcome.issues)}.`,
        {
          runId: this.runId,
          executorId: request.executorId,
          requestId: request.id,
          issues: outcome.issues,
        },
      );
    }
    if (!outcome.ok)
      throw new MessageValidationError(delivery.source, delivery.target, outcome.issues, { runId: this.runId, superstep: this.superstep });
    if (outcome.value !== delivery.payload) deliveries[index] = { ...delivery, payload: outcome.value };
  }

  /** Commits the superstep (the pure core), then reports what it produced. */
  private commit(state: RunState, slots: readonly ExecutorSlot[], k: number): RunState {
    const result = commitSuperstep(this.compiled, state, slots, k, this.recordPatches, { runId: this.runId });
    if (this.sink !== undefined)
      for (const drop of result.dropped) {
        this.emit(
          'message.dropped',
          { sourceId: drop.source, message: drop.payload, reason: drop.reason, ...(drop.to === undefined ? {} : { to: drop.to }) },
          this.executorPath(drop.source),
        );
      }
    for (const { executorId, value } of result.outputs) {
      this.outputs.push(value);
      if (this.sink !== undefined) this.emit('output', { executorId, value }, this.executorPath(executorId));
    }
    this.requests.add(result.requests);
    for (const request of result.requests) {
      this.emit('request.created', { request }, request.path);
    }
    if (this.sink !== undefined) this.emit('superstep.completed', { queued: result.state.queue.length });
    this.patches = result.patches;
    return result.state;
  }

  // ContextHost

  checkSend(sourceId: string, to: string): void {
    const { definition, executors, routing } = this.compiled;
    if (!executors.has(to)) {
      throw new UnknownExecutorError(
        to,
        `Executor "${sourceId}" sent to "${to}", which is not in workflow "${definition.name}". Use the id of a connected executor.`,
        {
          runId: this.runId,
          executorId: sourceId,
          superstep: this.superstep,
        },
      );
    }
    if (routing.reachable.get(sourceId)?.has(to) !== true) {
      throw new RoutingError(
        `${sourceId}->${to}`,
        `Executor "${sourceId}" sent to "${to}", but no edge connects them. Add builder.addEdge("${sourceId}", "${to}") or send without { to }.`,
        {
          runId: this.runId,
          executorId: sourceId,
          superstep: this.superstep,
        },
      );
    }
  }

  checkOutput(executorId: string, value: unknown): void {
    const schema = this.compiled.definition.outputSchema;
    if (schema === undefined) return;
    const outcome = validateWith(schema, value);
    if (outcome instanceof Promise) {
      throw new OutputValidationError(
        `Workflow "${this.compiled.definition.name}" has an asynchronous output schema; output schemas must validate synchronously.`,
        [],
        { executorId },
      );
    }
    if (!outcome.ok) {
      throw new OutputValidationError(
        `Executor "${executorId}" output a value that does not match the output schema of workflow "${this.compiled.definition.name}": ${formatIssues(outcome.issues)}.`,
        outcome.issues,
        { runId: this.runId, executorId, superstep: this.superstep },
      );
    }
  }

  emitCustom(executorId: string, superstep: number, name: string, data: unknown, transient?: boolean): void {
    this.emit(
      'custom',
      transient === true ? { executorId, name, data, transient } : { executorId, name, data },
      this.executorPath(executorId),
      superstep,
    );
  }

  emitPhase(executorId: string, superstep: number, name: string, outcome: { readonly ok: boolean; readonly durationMs: number } | undefined): void {
    if (outcome === undefined) this.emit('phase.started', { executorId, name }, this.executorPath(executorId), superstep);
    else this.emit('phase.completed', { executorId, name, ...outcome }, this.executorPath(executorId), superstep);
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

  rememberResponseSchema(requestId: string, schema: Schema): void {
    this.requests.responseSchemas.set(requestId, schema);
  }

  async runChild(child: unknown, start: ChildStart, signal: AbortSignal, path: readonly string[], parent: InvocationContext): Promise<ChildResult> {
    const sink = this.sink;
    // The child's request events are not forwarded: the nested node surfaces each request itself, under the same id.
    const forward =
      sink === undefined
        ? undefined
        : (event: WorkflowEvent): void => {
            if (event.type !== 'request.created' && event.type !== 'request.answered' && event.type !== 'run.waiting')
              sink({ ...event, runId: this.runId, seq: this.seq++ });
          };
    // One run, however deep: the child's handlers see the parent's runId, as its forwarded events do.
    const engine = new RunEngine(child as CompiledWorkflow, { signal, runId: this.runId }, forward, path, {
      semaphore: this.semaphore,
      budget: this.budget,
      limiter: this.limiter,
      records: this.records,
      invocationPrefix: `${parent.invocationId}/`,
      onTokens: (tokens) => parent.countTokens(tokens),
    });
    // The parent validated (and parsed) the message at delivery, unless it runs with validate: 'edges-only'.
    const result =
      'input' in start ? await engine.execute(start.input, this.validateMessages) : await engine.resumeSnapshot(start.snapshot, start.responses);
    return {
      status: result.status,
      outputs: result.outputs,
      pendingRequests: result.pendingRequests,
      snapshot: engine.snapshot(),
      responseSchemas: Object.fromEntries(result.pendingRequests.map((r) => [r.id, engine.requests.responseSchemas.get(r.id)])),
    };
  }
}
