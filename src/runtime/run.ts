import { usePatches, type Checkpoint } from '../checkpoint/checkpoint.js';
import type { CheckpointStore } from '../checkpoint/store.js';
import { Checkpointer, type CheckpointParts } from './checkpointer.js';
import { ExecutorError, isWeftError, MessageValidationError, RequestError, RoutingError, SuperstepLimitError, WeftError } from '../errors.js';
import type { WorkflowEvent } from '../events/events.js';
import { limitProblem } from '../internal/limits.js';
import { produceStateWithPatches } from '../internal/immer.js';
import { findNonJson } from '../internal/plain-json.js';
import { formatIssues, validateWith, type ValidationOutcome } from '../internal/schema.js';
import type { AnyExecutor, Budget, BudgetLedger, LimiterLike, PendingRequest, Schema, ValidationMode, WorkflowDefinition } from '../model/types.js';
import { RunBudget } from './budget.js';
import { checkRunInput } from './run-input.js';
import { routeMessages, type Delivery, type RoutingTable, type SentMessage } from '../routing/router.js';
import { AbortScope } from './abort-scope.js';
import { ExecutorSlot, InvocationContext, type ChildResult, type ChildSnapshot, type ChildStart, type ContextHost } from './context.js';
import type { RunState } from './run-state.js';
import { Semaphore } from './semaphore.js';
import { backoffDelay, sleep, withTimeout, yieldToEventLoop } from './timers.js';

/** When checkpoints are written: before the next superstep starts (`sync`), overlapping it with at most one save in flight (`async`), or once when the run stops (`exit`). */
export type Durability = 'sync' | 'async' | 'exit';

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
}

/** What a nested run shares with the run that contains it. */
export interface ParentLink {
  /** The parent's cap on handlers in flight, shared so that the cap holds across nesting. */
  readonly semaphore: Semaphore | undefined;
  /** The parent's ledger: one budget for the whole run, however deep. */
  readonly budget: RunBudget;
  readonly limiter: LimiterLike | undefined;
}

type EventFields<T extends WorkflowEvent['type']> = Omit<Extract<WorkflowEvent, { type: T }>, 'type' | 'runId' | 'seq' | 'superstep' | 'path' | 'at'>;

const INPUT_SOURCE = '(input)';
const EMPTY_STATES: Readonly<Record<string, unknown>> = Object.freeze({});
/** The reason handlers still running after their run ended see on `ctx.signal`. */
const RUN_ENDED = Object.freeze(new Error('The run has ended.'));
const RESPONSE_SOURCE = '(response)';
/** Yield to the event loop at least this often during a synchronous run, so cancellation and timers get a turn. */
const YIELD_EVERY_MS = 10;

const now = (): number => performance.now();

/** Marks promises we stop waiting for as handled, so their late rejections are not reported as unhandled. */
function settleQuietly(promises: readonly Promise<unknown>[] | undefined): void {
  if (promises !== undefined) for (const promise of promises) promise.catch(() => undefined);
}

const trimPeriod = (text: string): string => text.replace(/[.\s]+$/, '');

/** One execution of a workflow: the superstep loop. */
export class RunEngine implements ContextHost {
  readonly runId: string;
  readonly recordPatches: boolean;
  readonly checkpointing: boolean;
  private readonly scope: AbortScope;
  private readonly semaphore: Semaphore | undefined;
  private readonly maxSupersteps: number;
  private readonly validateMessages: boolean;
  private readonly outputs: unknown[] = [];
  private seq = 0;
  private superstep = 0;
  committedShared: Readonly<Record<string, unknown>> = {};
  /** Writes this run's checkpoints; undefined without a store. */
  private readonly checkpointer: Checkpointer | undefined;
  /** Requests asked and not yet answered. */
  private readonly pending = new Map<string, PendingRequest>();
  /** Answers given since the last superstep boundary, delivered in the next superstep. */
  private inbox: Delivery[] = [];
  private wake: (() => void) | undefined;
  readonly responseSchemas = new Map<string, Schema>();
  private finalState: RunState | undefined;
  private budget: RunBudget;
  private readonly budgetLimit: number | undefined;
  private readonly limiter: LimiterLike | undefined;
  private readonly budgetExceeded = (executorId: string, path: readonly string[], refused: boolean): void =>
    this.emit('budget.exceeded', { executorId, limit: this.budget.limit as number, spent: this.budget.spent, refused }, path);
  /** False when the caller parsed the input already (a nested child): the queued seed is then a parsed value. */
  private rawSeed = true;

  constructor(
    private readonly compiled: CompiledWorkflow,
    options: RunOptions,
    private readonly sink: ((event: WorkflowEvent) => void) | undefined,
    readonly path: readonly string[] = [],
    parent?: ParentLink,
    /** When true, a run with pending requests waits in memory for `respond()` instead of returning `waiting`. */
    private readonly live = false,
  ) {
    const definition = compiled.definition;
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
    if (!['sync', 'async', 'exit'].includes(durability)) throw new TypeError(`durability must be 'sync', 'async' or 'exit', got ${JSON.stringify(durability)}.`);
    if (!(Number.isInteger(fullEvery) && fullEvery >= 1)) throw new TypeError(`fullCheckpointEvery must be an integer ≥ 1, got ${fullEvery}.`);
    this.checkpointing = store !== undefined;
    this.recordPatches = this.checkpointing && durability !== 'exit';
    this.checkpointer =
      store === undefined
        ? undefined
        : new Checkpointer(store, durability, fullEvery, { runId: this.runId, workflow: definition.name, signature: definition.signature }, (checkpointId, kind, bytes, superstep) => {
            if (this.sink !== undefined) this.emit('checkpoint.saved', { checkpointId, kind, bytes: bytes() }, this.path, superstep);
          });
    if (this.recordPatches) usePatches();
    this.scope = new AbortScope(this.runId, options.signal);
    const tokens = options.budget?.tokens;
    if (tokens !== undefined && !(Number.isFinite(tokens) && tokens >= 0)) throw new TypeError(`Run option budget.tokens must be a finite number ≥ 0, got ${tokens}.`);
    this.budgetLimit = tokens;
    this.budget = parent?.budget ?? new RunBudget(tokens ?? null, 0, this.budgetExceeded, this.runId);
    this.limiter = parent !== undefined ? parent.limiter : options.limiter;
  }

  /** Cancels the run; handlers see `ctx.signal` abort and the run ends `cancelled`. */
  cancel(reason?: unknown): void {
    this.scope.abort(reason);
    this.wake?.();
  }

  private emit<T extends WorkflowEvent['type']>(type: T, fields: EventFields<T>, path: readonly string[] = this.path, superstep = this.superstep): void {
    if (this.sink === undefined) return;
    this.sink({ type, runId: this.runId, seq: this.seq++, superstep, path, at: Date.now(), ...fields } as unknown as WorkflowEvent);
  }

  private executorPath(id: string): readonly string[] {
    return [...this.path, id];
  }

  /** Validates the input (unless the caller already did) and runs from the start. */
  async execute(input: unknown, validated = false): Promise<RunResult> {
    const { definition, executors } = this.compiled;
    const start = executors.get(definition.start) as AnyExecutor;
    if (!validated) {
      try {
        await checkRunInput(definition.name, start, input, this.checkpointing);
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

  private async resumeState(state: RunState, outputs: readonly unknown[], responses: Readonly<Record<string, unknown>>, from: string | null): Promise<RunResult> {
    this.outputs.push(...outputs);
    this.checkpointer?.savedUpTo(outputs.length);
    for (const request of state.pendingRequests) this.pending.set(request.id, request);
    this.superstep = state.superstep;
    try {
      await this.respondAll(responses);
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
          const next = this.runSuperstep(state);
          state = next instanceof Promise ? await next : next;
          if (this.checkpointer !== undefined) await this.checkpointer.checkpoint(state, this.snapshotParts(), false);
          // Reading the clock costs as much as a small superstep: look only every 32 supersteps.
          if ((state.superstep & 31) === 0 && now() - lastYield > YIELD_EVERY_MS) {
            await yieldToEventLoop();
            lastYield = now();
          }
          if (this.inbox.length > 0) state = this.takeInbox(state);
        }
        if (state.pendingRequests.length === 0) break;
        this.emit('run.waiting', { requests: state.pendingRequests });
        if (!this.live) return await this.finish(state, 'waiting');
        if (this.inbox.length === 0 && !this.scope.isAborted) await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        if (this.scope.isAborted) throw this.scope.cancelledError();
        state = this.takeInbox(state);
        await this.checkpointer?.checkpoint(state, this.snapshotParts(), false);
      }
      this.dropUnfinishedFanIns(state);
      return await this.finish(state, 'completed');
    } catch (caught) {
      await this.checkpointer?.settle(state, this.snapshotParts(), false);
      if (this.scope.isAborted && (!isWeftError(caught) || caught.code === 'run_cancelled')) {
        this.emit('run.cancelled', { reason: this.scope.signal.reason });
        throw this.scope.cancelledError();
      }
      const error = isWeftError(caught) ? caught : new WeftError('executor_failed', String(caught), { runId: this.runId, cause: caught });
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
    for (const edge of this.compiled.definition.edges) {
      if (edge.kind !== 'fan-in') continue;
      state.fanIn[edge.id]?.forEach((queue, index) => {
        const source = edge.sources[index] as string;
        for (const message of queue) this.emit('message.dropped', { sourceId: source, message, reason: 'fan-in-incomplete', to: edge.target }, this.executorPath(source));
      });
    }
  }

  /** What a checkpoint takes from the run besides its state: the outputs so far and the token ledger. */
  private snapshotParts(): CheckpointParts {
    return { outputs: this.outputs, budget: this.budget.ledger() };
  }

  // Requests

  /** Validates an answer and queues it for the next superstep; throws a RequestError and changes nothing when it is refused. */
  async respond(requestId: string, value: unknown): Promise<void> {
    this.accept(await this.checkAnswer(requestId, value));
  }

  /** Checks every answer first and accepts them only if all pass, so a refused batch changes nothing. */
  private async respondAll(responses: Readonly<Record<string, unknown>>): Promise<void> {
    const checked: Delivery[] = [];
    for (const [id, value] of Object.entries(responses)) checked.push(await this.checkAnswer(id, value));
    for (const delivery of checked) this.accept(delivery);
  }

  /** The delivery an answer becomes, or a RequestError; changes nothing. */
  private async checkAnswer(requestId: string, value: unknown): Promise<Delivery> {
    const request = this.pending.get(requestId);
    if (request === undefined) {
      const waiting = [...this.pending.keys()];
      throw new RequestError(
        waiting.length === 0 ? 'nothing_pending' : 'unknown_request',
        waiting.length === 0
          ? `Run "${this.runId}" has no pending request, so there is nothing to answer with "${requestId}".`
          : `Run "${this.runId}" has no pending request "${requestId}". Pending: ${waiting.map((id) => `"${id}"`).join(', ')}.`,
        { runId: this.runId, requestId },
      );
    }
    const bad = this.checkpointing ? findNonJson(value, undefined, 'answer') : undefined;
    if (bad !== undefined) {
      throw new RequestError('invalid_response', `The answer to request "${requestId}" holds ${bad.found} at "${bad.path}", which is not plain JSON, so no checkpoint could keep it. Answer with plain data.`, {
        runId: this.runId,
        executorId: request.executorId,
        requestId,
      });
    }
    const schema = this.responseSchemas.get(requestId) ?? this.responseSchemaAt(request.path);
    if (schema !== undefined) {
      const checked = validateWith(schema, value);
      const outcome = checked instanceof Promise ? await checked : checked;
      if (!outcome.ok) {
        throw new RequestError('invalid_response', `The answer to request "${requestId}" of "${request.executorId}" does not match its response schema: ${formatIssues(outcome.issues)}.`, {
          runId: this.runId,
          executorId: request.executorId,
          requestId,
          issues: outcome.issues,
        });
      }
    }
    // The queue (and so the checkpoint) keeps the answer as given, plain data; it is parsed again at delivery.
    return { source: RESPONSE_SOURCE, target: request.executorId, payload: value, request };
  }

  private accept(delivery: Delivery): void {
    const id = (delivery.request as PendingRequest).id;
    if (!this.pending.delete(id)) return; // answered concurrently while validating
    this.responseSchemas.delete(id);
    this.inbox.push(delivery);
    this.wake?.();
  }

  /** Requests waiting for an answer right now. */
  get pendingRequests(): readonly PendingRequest[] {
    return [...this.pending.values()];
  }

  /** The static response schema of the executor at `path`, walking into nested workflows. */
  private responseSchemaAt(path: readonly string[]): Schema | undefined {
    let definition: WorkflowDefinition | undefined = this.compiled.definition;
    const relative = path.slice(this.path.length);
    for (let i = 0; i < relative.length && definition !== undefined; i++) {
      const executor: AnyExecutor | undefined = definition.executors.find((e) => e.id === relative[i]);
      if (i === relative.length - 1) return executor?.response;
      definition = executor?.workflow;
    }
    return undefined;
  }

  /** Moves answers given since the last boundary into the queue and out of the pending list. */
  private takeInbox(state: RunState): RunState {
    if (this.inbox.length === 0) return state;
    const answered = new Set(this.inbox.map((d) => d.request?.id));
    for (const delivery of this.inbox) this.emit('request.answered', { request: delivery.request as PendingRequest, response: delivery.payload }, (delivery.request as PendingRequest).path);
    const next = { ...state, queue: [...state.queue, ...this.inbox], pendingRequests: state.pendingRequests.filter((r) => !answered.has(r.id)) };
    this.inbox = [];
    return next;
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

  /** One superstep: validate deliveries, run handlers, commit. Stays synchronous while everything it calls is. */
  private runSuperstep(state: RunState): RunState | Promise<RunState> {
    const k = state.superstep + 1;
    this.superstep = k;
    this.committedShared = state.shared;
    const groups = this.group(state.queue);
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
        running = executor.concurrency === 1 ? this.runSequential(slot, deliveries, 0, k) : this.runConcurrent(slot, deliveries, k);
      } catch (error) {
        settleQuietly(pending);
        throw error;
      }
      if (running !== undefined) (pending ??= []).push(running);
    }
    if (pending === undefined) return this.commit(state, slots, k);
    return Promise.race([Promise.all(pending), this.scope.aborted]).then(() => this.commit(state, slots, k));
  }

  private group(queue: readonly Delivery[]): Map<string, Delivery[]> {
    const groups = new Map<string, Delivery[]>();
    for (const delivery of queue) {
      const list = groups.get(delivery.target);
      if (list === undefined) groups.set(delivery.target, [delivery]);
      else list.push(delivery);
    }
    if (groups.size < 2) return groups;
    const order = this.compiled.order;
    let previous = -1;
    let sorted = true;
    for (const id of groups.keys()) {
      const position = order.get(id) as number;
      if (position < previous) {
        sorted = false;
        break;
      }
      previous = position;
    }
    return sorted ? groups : new Map([...groups].sort(([a], [b]) => (order.get(a) as number) - (order.get(b) as number)));
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
        if (delivery.request !== undefined) schema = target.kind === 'workflow' ? undefined : (this.responseSchemas.get(delivery.request.id) ?? this.responseSchemaAt(delivery.request.path));
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
      throw new RequestError('invalid_response', `The answer to request "${request.id}" of "${request.executorId}" no longer matches its response schema: ${formatIssues(outcome.issues)}.`, {
        runId: this.runId,
        executorId: request.executorId,
        requestId: request.id,
        issues: outcome.issues,
      });
    }
    if (!outcome.ok) throw new MessageValidationError(delivery.source, delivery.target, outcome.issues, { runId: this.runId, superstep: this.superstep });
    if (outcome.value !== delivery.payload) deliveries[index] = { ...delivery, payload: outcome.value };
  }

  private runSequential(slot: ExecutorSlot, deliveries: readonly Delivery[], from: number, k: number): Promise<void> | undefined {
    for (let index = from; index < deliveries.length; index++) {
      const running = this.invoke(slot, deliveries[index] as Delivery, index, k, 1);
      if (running !== undefined) return running.then(() => this.runSequential(slot, deliveries, index + 1, k));
    }
    return undefined;
  }

  private runConcurrent(slot: ExecutorSlot, deliveries: readonly Delivery[], k: number): Promise<void> | undefined {
    let next = 0;
    const worker = (): Promise<void> | undefined => {
      while (next < deliveries.length) {
        const index = next++;
        const running = this.invoke(slot, deliveries[index] as Delivery, index, k, 1);
        if (running !== undefined) return running.then(worker);
      }
      return undefined;
    };
    let pending: Promise<void>[] | undefined;
    for (let w = 0; w < slot.executor.concurrency && next < deliveries.length; w++) {
      let running: Promise<void> | undefined;
      try {
        running = worker();
      } catch (error) {
        settleQuietly(pending);
        throw error;
      }
      if (running !== undefined) (pending ??= []).push(running);
    }
    return pending === undefined ? undefined : Promise.all(pending).then(() => undefined);
  }

  /** One invocation, with its retries; undefined when it completed synchronously. */
  private invoke(slot: ExecutorSlot, delivery: Delivery, index: number, k: number, attempt: number): Promise<void> | undefined {
    // A nested workflow holds no slot itself: its handlers take the slots, so a cap of 1 cannot deadlock.
    if (slot.executor.kind === 'workflow') return this.attempt(slot, delivery, index, k, attempt);
    const waiting = this.acquireFrom(0, slot.executor);
    if (waiting === undefined) return this.attempt(slot, delivery, index, k, attempt);
    return waiting.then(() => {
      if (!this.scope.isAborted) return this.attempt(slot, delivery, index, k, attempt);
      this.releaseAttempt(slot.executor, undefined);
      throw this.scope.cancelledError();
    });
  }

  /** Takes, in order, the run's slot, the run's limiter and the executor's limiter; synchronous while all are free. */
  private acquireFrom(step: number, executor: AnyExecutor): Promise<void> | undefined {
    for (let i = step; i < 3; i++) {
      const gate = i === 0 ? this.semaphore : i === 1 ? this.limiter : executor.limiter;
      const waiting = gate?.acquire();
      if (waiting !== undefined) return waiting.then(() => this.acquireFrom(i + 1, executor));
    }
    return undefined;
  }

  private attempt(slot: ExecutorSlot, delivery: Delivery, index: number, k: number, attempt: number): Promise<void> | undefined {
    const executor = slot.executor;
    const timeoutMs = executor.timeoutMs ?? this.compiled.definition.defaults.timeoutMs;
    const child = timeoutMs === undefined ? undefined : this.scope.child();
    const context = new InvocationContext(this, slot, k, child?.signal);
    let startedAt = 0;
    if (this.sink !== undefined) {
      this.emit('executor.invoked', { executorId: executor.id, attempt }, this.executorPath(executor.id));
      startedAt = now();
    }
    let result: void | Promise<void>;
    try {
      const request = delivery.request;
      result = request === undefined ? executor.handle(delivery.payload, context) : (executor.onResponse as NonNullable<AnyExecutor['onResponse']>)(delivery.payload, request, context);
    } catch (error) {
      return this.attemptFailed(slot, delivery, index, k, attempt, child, context, error);
    }
    if (result instanceof Promise) {
      // Closures only on the asynchronous path; a synchronous handler costs none.
      return (child === undefined ? result : withTimeout(result, timeoutMs as number, child)).then(
        () => this.attemptSucceeded(slot, index, attempt, child, context, startedAt),
        (error: unknown) => this.attemptFailed(slot, delivery, index, k, attempt, child, context, error),
      );
    }
    this.attemptSucceeded(slot, index, attempt, child, context, startedAt);
    return undefined;
  }

  private releaseAttempt(executor: AnyExecutor, child: AbortController | undefined): void {
    if (executor.kind !== 'workflow') {
      this.semaphore?.release();
      this.limiter?.release();
      executor.limiter?.release();
    }
    if (child !== undefined) this.scope.release(child);
  }

  private attemptSucceeded(slot: ExecutorSlot, index: number, attempt: number, child: AbortController | undefined, context: InvocationContext, startedAt: number): void {
    const executor = slot.executor;
    this.releaseAttempt(executor, child);
    if (this.scope.isAborted) {
      context.close();
      throw this.scope.cancelledError();
    }
    context.commitTo(index);
    if (this.sink !== undefined) this.emit('executor.completed', { executorId: executor.id, attempt, durationMs: now() - startedAt }, this.executorPath(executor.id));
  }

  private attemptFailed(
    slot: ExecutorSlot,
    delivery: Delivery,
    index: number,
    k: number,
    attempt: number,
    child: AbortController | undefined,
    context: InvocationContext,
    error: unknown,
  ): Promise<void> {
    const executor = slot.executor;
    this.releaseAttempt(executor, child);
    context.close();
    if (this.scope.isAborted) throw this.scope.cancelledError();
    // weft's own errors (a bad `to`, state that is not JSON, an invalid output) are not transient: no retry.
    const retry = executor.retry ?? this.compiled.definition.defaults.retry;
    const attempts = isWeftError(error) && error.code !== 'executor_failed' ? attempt : (retry?.attempts ?? 1);
    if (attempt < attempts) {
      const delayMs = backoffDelay(retry?.backoff, attempt);
      this.emit('executor.retried', { executorId: executor.id, attempt, delayMs, error }, this.executorPath(executor.id));
      // The wait listens on a child of the scope, never on the run's signal: thousands of retries add no listener there.
      const waiter = this.scope.child();
      return sleep(delayMs, waiter.signal).then(
        () => {
          this.scope.release(waiter);
          return this.invoke(slot, delivery, index, k, attempt + 1);
        },
        (reason: unknown) => {
          this.scope.release(waiter);
          throw reason;
        },
      );
    }
    throw this.executorFailed(executor.id, error, attempt, k, this.executorPath(executor.id));
  }

  private executorFailed(executorId: string, cause: unknown, attempts: number, k: number, path: readonly string[]): WeftError {
    const reason = trimPeriod(cause instanceof Error ? cause.message : String(cause));
    const hint = isWeftError(cause) && cause.code !== 'executor_failed' ? '' : ' Fix the handler, or give it retry: { attempts, backoff }.';
    const error = new ExecutorError(`Executor "${executorId}" failed in superstep ${k}${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${reason}.${hint}`, attempts, {
      runId: this.runId,
      executorId,
      superstep: k,
      cause,
    });
    this.emit('executor.failed', { executorId, attempt: attempts, error }, path);
    return error;
  }

  /** Applies every successful invocation's writes in graph order, then routes the sent messages. */
  private commit(state: RunState, slots: readonly ExecutorSlot[], k: number): RunState {
    const sent: SentMessage[] = [];
    const outputs: { executorId: string; value: unknown }[] = [];
    const requests: PendingRequest[] = [];
    let executorStates = state.executorStates;
    let shared = state.shared;
    for (const slot of slots) {
      const id = slot.executor.id;
      for (const record of slot.records) {
        if (record === undefined) continue;
        if (record.sends !== undefined) for (const message of record.sends) sent.push(message);
        if (record.outputs !== undefined) for (const value of record.outputs) outputs.push({ executorId: id, value });
        if (record.requests !== undefined) for (const request of record.requests) requests.push(request);
      }
      if (slot.stateChanged) {
        if (executorStates === state.executorStates) executorStates = { ...executorStates };
        (executorStates as Record<string, unknown>)[id] = slot.state;
        if (slot.patches !== undefined) this.checkpointer?.patches.push(...slot.patches);
      }
      if (slot.sharedOps !== undefined) {
        if (shared === state.shared) shared = { ...shared };
        const target = shared as Record<string, unknown>;
        for (const op of slot.sharedOps) {
          if (op.set) {
            target[op.key] = op.value;
            if (this.recordPatches) this.checkpointer?.patches.push({ op: 'replace', path: ['shared', op.key], value: op.value });
          } else {
            // The value the invocation made is reused when the key still holds what it was made from.
            const [value, patches] = target[op.key] === op.base ? [op.value, op.patches] : produceStateWithPatches(target[op.key], op.recipe);
            target[op.key] = value;
            if (this.recordPatches) for (const patch of patches) this.checkpointer?.patches.push({ ...patch, path: ['shared', op.key, ...patch.path] });
          }
        }
      }
    }
    const routed = sent.length === 0 ? { deliveries: [], fanIn: state.fanIn, dropped: [] } : routeMessages(this.compiled.routing, sent, state.fanIn, { runId: this.runId, superstep: k });
    if (this.sink !== undefined) for (const drop of routed.dropped) {
      this.emit('message.dropped', { sourceId: drop.source, message: drop.payload, reason: drop.reason, ...(drop.to === undefined ? {} : { to: drop.to }) }, this.executorPath(drop.source));
    }
    for (const { executorId, value } of outputs) {
      this.outputs.push(value);
      if (this.sink !== undefined) this.emit('output', { executorId, value }, this.executorPath(executorId));
    }
    for (const request of requests) {
      this.pending.set(request.id, request);
      this.emit('request.created', { request }, request.path);
    }
    if (this.sink !== undefined) this.emit('superstep.completed', { queued: routed.deliveries.length });
    return {
      superstep: k,
      queue: routed.deliveries,
      executorStates: executorStates === state.executorStates ? executorStates : Object.freeze(executorStates),
      shared: shared === state.shared ? shared : Object.freeze(shared),
      fanIn: routed.fanIn,
      pendingRequests: requests.length === 0 ? state.pendingRequests : [...state.pendingRequests, ...requests],
      outputCount: this.outputs.length,
    };
  }

  // ContextHost

  checkSend(sourceId: string, to: string): void {
    const { definition, executors, routing } = this.compiled;
    if (!executors.has(to)) {
      throw new WeftError('unknown_executor', `Executor "${sourceId}" sent to "${to}", which is not in workflow "${definition.name}". Use the id of a connected executor.`, {
        runId: this.runId,
        executorId: sourceId,
        superstep: this.superstep,
      });
    }
    if (routing.reachable.get(sourceId)?.has(to) !== true) {
      throw new RoutingError(`${sourceId}->${to}`, `Executor "${sourceId}" sent to "${to}", but no edge connects them. Add builder.addEdge("${sourceId}", "${to}") or send without { to }.`, {
        runId: this.runId,
        executorId: sourceId,
        superstep: this.superstep,
      });
    }
  }

  checkOutput(executorId: string, value: unknown): void {
    const schema = this.compiled.definition.outputSchema;
    if (schema === undefined) return;
    const outcome = validateWith(schema, value);
    if (outcome instanceof Promise) {
      throw new WeftError('output_invalid', `Workflow "${this.compiled.definition.name}" has an asynchronous output schema; output schemas must validate synchronously.`, { executorId });
    }
    if (!outcome.ok) {
      throw new WeftError(
        'output_invalid',
        `Executor "${executorId}" output a value that does not match the output schema of workflow "${this.compiled.definition.name}": ${outcome.issues.map((i) => i.message).join('; ')}.`,
        { runId: this.runId, executorId, superstep: this.superstep },
      );
    }
  }

  emitCustom(executorId: string, superstep: number, name: string, data: unknown): void {
    this.emit('custom', { executorId, name, data }, this.executorPath(executorId), superstep);
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

  budgetFor(executorId: string): Budget {
    return this.budget.view(executorId, this.executorPath(executorId));
  }

  sendsAsOutput(executorId: string): boolean {
    return this.compiled.sendsAsOutput.has(executorId);
  }

  rememberResponseSchema(requestId: string, schema: Schema): void {
    this.responseSchemas.set(requestId, schema);
  }

  async runChild(child: unknown, start: ChildStart, signal: AbortSignal, path: readonly string[]): Promise<ChildResult> {
    const sink = this.sink;
    // The child's request events are not forwarded: the nested node surfaces each request itself, under the same id.
    const forward =
      sink === undefined
        ? undefined
        : (event: WorkflowEvent): void => {
            if (event.type !== 'request.created' && event.type !== 'request.answered' && event.type !== 'run.waiting') sink({ ...event, runId: this.runId, seq: this.seq++ });
          };
    // One run, however deep: the child's handlers see the parent's runId, as its forwarded events do.
    const engine = new RunEngine(child as CompiledWorkflow, { signal, runId: this.runId }, forward, path, { semaphore: this.semaphore, budget: this.budget, limiter: this.limiter });
    // The parent validated (and parsed) the message at delivery, unless it runs with validate: 'edges-only'.
    const result = 'input' in start ? await engine.execute(start.input, this.validateMessages) : await engine.resumeSnapshot(start.snapshot, start.responses);
    return { status: result.status, outputs: result.outputs, pendingRequests: result.pendingRequests, snapshot: engine.snapshot(), responseSchemas: Object.fromEntries(result.pendingRequests.map((r) => [r.id, engine.responseSchemas.get(r.id)])) };
  }
}
