import type { Checkpoint } from '../checkpoint/checkpoint.js';
import type { CompiledWorkflow, ExecutorNode } from './compiled.js';
import type { CheckpointParts } from './checkpointer.js';
import type { InvocationRecords } from './invocation-records.js';
import { ExecutorError, isWeftError, SuperstepLimitError } from '../errors.js';
import { describeThrown } from '../internal/thrown.js';
import type { PendingRequest } from '../model/types.js';
import { RunBudget } from './budget.js';
import type { Delivery } from '../routing/router.js';
import { checkRunInput } from './run-input.js';
import { refuseExistingRun } from './run-exists.js';
import { commitSuperstep, groupDeliveries, takeAnswers } from './superstep.js';
import { Scheduler, settleQuietly } from './scheduler.js';
import { ExecutorSlot, type ChildResult, type ChildSnapshot, type ChildStart, type InvocationContext } from './context.js';
import type { RunState } from './run-state.js';
import type { RunResult } from './run-options.js';
import { yieldToEventLoop } from './timers.js';
import { forwardChildEvents, fromSnapshot, runChildFrom, toSnapshot } from './child-run.js';
import { INPUT_SOURCE, validateDeliveries } from './deliveries.js';
import { EMPTY_STATES, RunHost } from './run-host.js';

export type { Durability } from './checkpointer.js';
export type { ResumeOptions, RunOptions, RunResult } from './run-options.js';
export type { CompiledWorkflow } from './compiled.js';

/** The reason handlers still running after their run ended see on `ctx.signal`. */
const RUN_ENDED = Object.freeze(new Error('The run has ended.'));
/** Yield to the event loop at least this often during a synchronous run, so cancellation and timers get a turn. */
const YIELD_EVERY_MS = 10;

const now = (): number => performance.now();

/** One execution of a workflow: the superstep loop. */
export class RunEngine extends RunHost {
  private readonly scheduler = new Scheduler(this);
  /** The queue the last commit routed, and the graph order of each of its deliveries' targets. */
  private routedQueue: readonly Delivery[] | undefined;
  private routedOrders: readonly number[] | undefined;

  /** Validates the input (unless the caller already did) and runs from the start. */
  async execute(input: unknown, validated = false): Promise<RunResult> {
    const { definition, nodes } = this.compiled;
    const start = (nodes.get(definition.start) as ExecutorNode).executor;
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
      this.events.unfinishedFanIns(this.compiled.definition, state.fanIn);
      return await this.finish(state, 'completed');
    } catch (caught) {
      settleQuietly(this.saves);
      this.saves = undefined;
      await this.checkpointer?.settle(state, this.snapshotParts(), false);
      if (this.scope.isAborted && (!isWeftError(caught) || caught.code === 'run_cancelled')) {
        this.emit('run.cancelled', { reason: this.scope.reason });
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

  /** One superstep: validate deliveries, run handlers, commit. Stays synchronous while everything it calls is. */
  private runSuperstep(state: RunState): RunState | Promise<RunState> {
    const k = state.superstep + 1;
    this.superstep = k;
    this.committedShared = state.shared;
    const orders = state.queue === this.routedQueue ? this.routedOrders : undefined;
    const groups = groupDeliveries(this.compiled.index, state.queue, orders, ExecutorSlot.forGroup);
    if (this.events.sink !== undefined) this.emit('superstep.started', { executorIds: groups.map((group) => group.node.id) });

    const validated = validateDeliveries(groups, this, k);
    if (validated !== undefined) return validated.then(() => this.invokeAll(state, groups, k));
    return this.invokeAll(state, groups, k);
  }

  private invokeAll(state: RunState, slots: readonly ExecutorSlot[], k: number): RunState | Promise<RunState> {
    let pending: Promise<void>[] | undefined;
    const states = state.executorStates;
    for (const slot of slots) {
      const executor = slot.executor;
      // Most runs never write executor state: skip the (slow, for generated ids) own-property lookup then.
      if (states !== EMPTY_STATES && Object.hasOwn(states, slot.executorId)) slot.startFrom(states[slot.executorId]);
      let running: Promise<void> | undefined;
      try {
        running = executor.concurrency === 1 ? this.scheduler.runSequential(slot, 0, k) : this.scheduler.runConcurrent(slot, k);
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
    this.routedQueue = result.state.queue;
    this.routedOrders = result.orders;
    return result.state;
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
      signature: this.workflowSignature,
    });
    // The parent validated (and parsed) the message at delivery, unless it runs with validate: 'edges-only'.
    return runChildFrom(engine, start, this.validateMessages);
  }
}
