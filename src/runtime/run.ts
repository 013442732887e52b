import { ExecutorError, isWeftError, MessageValidationError, RoutingError, RunCancelledError, SuperstepLimitError, WeftError, WorkflowInputError } from '../errors.js';
import type { WorkflowEvent } from '../events/events.js';
import { validateWith, type ValidationOutcome } from '../internal/schema.js';
import type { AnyExecutor, ValidationMode, WorkflowDefinition } from '../model/types.js';
import { routeMessages, type Delivery, type RoutingTable, type SentMessage } from '../routing/router.js';
import { AbortScope } from './abort-scope.js';
import { ExecutorSlot, InvocationContext, type ContextHost } from './context.js';
import type { RunState } from './run-state.js';
import { Semaphore } from './semaphore.js';
import { backoffDelay, sleep, withTimeout, yieldToEventLoop } from './timers.js';

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
}

/** How a run ended. */
export interface RunResult<TOutput = unknown> {
  readonly runId: string;
  readonly status: 'completed';
  /** Every value passed to `ctx.output`, in superstep order, then graph order, then call order. */
  readonly outputs: TOutput[];
  readonly supersteps: number;
  /** Shared state at the end of the run. */
  readonly shared: Readonly<Record<string, unknown>>;
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
}

type EventFields<T extends WorkflowEvent['type']> = Omit<Extract<WorkflowEvent, { type: T }>, 'type' | 'runId' | 'seq' | 'superstep' | 'path' | 'at'>;

const INPUT_SOURCE = '(input)';
/** Yield to the event loop at least this often during a synchronous run, so cancellation and timers get a turn. */
const YIELD_EVERY_MS = 10;

const now = (): number => performance.now();

/** Marks promises we stop waiting for as handled, so their late rejections are not reported as unhandled. */
function settleQuietly(promises: readonly Promise<unknown>[] | undefined): void {
  if (promises !== undefined) for (const promise of promises) promise.catch(() => undefined);
}

/** One execution of a workflow: the superstep loop. */
export class RunEngine implements ContextHost {
  readonly runId: string;
  private readonly scope: AbortScope;
  private readonly semaphore: Semaphore | undefined;
  private readonly maxSupersteps: number;
  private readonly validateMessages: boolean;
  private readonly outputs: unknown[] = [];
  private seq = 0;
  private superstep = 0;
  committedShared: Readonly<Record<string, unknown>> = {};

  constructor(
    private readonly compiled: CompiledWorkflow,
    options: RunOptions,
    private readonly sink: ((event: WorkflowEvent) => void) | undefined,
    readonly path: readonly string[] = [],
    parent?: ParentLink,
  ) {
    const definition = compiled.definition;
    this.runId = options.runId ?? globalThis.crypto.randomUUID();
    this.maxSupersteps = options.maxSupersteps ?? definition.maxSupersteps;
    const maxConcurrency = options.maxConcurrency ?? definition.maxConcurrency;
    this.semaphore = parent !== undefined ? parent.semaphore : Number.isFinite(maxConcurrency) ? new Semaphore(maxConcurrency) : undefined;
    this.validateMessages = (options.validate ?? definition.validate) === 'all';
    this.scope = new AbortScope(this.runId, options.signal);
  }

  /** Cancels the run; handlers see `ctx.signal` abort and the run ends `cancelled`. */
  cancel(reason?: unknown): void {
    this.scope.abort(reason);
  }

  private emit<T extends WorkflowEvent['type']>(type: T, fields: EventFields<T>, path: readonly string[] = this.path, superstep = this.superstep): void {
    if (this.sink === undefined) return;
    this.sink({ type, runId: this.runId, seq: this.seq++, superstep, path, at: Date.now(), ...fields } as unknown as WorkflowEvent);
  }

  private executorPath(id: string): readonly string[] {
    return [...this.path, id];
  }

  async execute(input: unknown): Promise<RunResult> {
    const { definition, executors } = this.compiled;
    const start = executors.get(definition.start) as AnyExecutor;
    let seed = input;
    try {
      if (this.scope.signal.aborted) throw this.scope.cancelledError();
      if (start.input !== undefined) {
        const checked = validateWith(start.input, input);
        const outcome = checked instanceof Promise ? await checked : checked;
        if (!outcome.ok) throw new WorkflowInputError(definition.name, start.id, outcome.issues);
        seed = outcome.value;
      }
    } catch (error) {
      this.scope.dispose();
      throw error;
    }

    this.emit('run.started', { workflow: definition.name, signature: definition.signature, input });
    let state: RunState = {
      superstep: 0,
      queue: [{ source: INPUT_SOURCE, target: start.id, payload: seed }],
      executorStates: {},
      shared: {},
      fanIn: {},
      outputCount: 0,
    };
    let lastYield = now();
    try {
      while (state.queue.length > 0) {
        if (this.scope.signal.aborted) throw this.scope.cancelledError();
        if (state.superstep >= this.maxSupersteps) {
          throw new SuperstepLimitError(this.maxSupersteps, { runId: this.runId, superstep: state.superstep });
        }
        const next = this.runSuperstep(state);
        state = next instanceof Promise ? await next : next;
        if (now() - lastYield > YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = now();
        }
      }
      const outputs = this.outputs.slice();
      this.emit('run.completed', { outputs });
      return { runId: this.runId, status: 'completed', outputs, supersteps: state.superstep, shared: state.shared };
    } catch (caught) {
      if (this.scope.signal.aborted && (!isWeftError(caught) || caught.code === 'run_cancelled')) {
        this.emit('run.cancelled', { reason: this.scope.signal.reason });
        throw this.scope.cancelledError();
      }
      const error = isWeftError(caught) ? caught : new WeftError('executor_failed', String(caught), { runId: this.runId, cause: caught });
      this.emit('run.failed', { error });
      throw error;
    } finally {
      this.scope.abort(new RunCancelledError({ runId: this.runId, cause: 'the run ended' }));
      this.scope.dispose();
    }
  }

  /** One superstep: validate deliveries, run handlers, commit. Stays synchronous while everything it calls is. */
  private runSuperstep(state: RunState): RunState | Promise<RunState> {
    const k = state.superstep + 1;
    this.superstep = k;
    this.committedShared = state.shared;
    const groups = this.group(state.queue);
    this.emit('superstep.started', { executorIds: [...groups.keys()] });

    const validated = this.validateDeliveries(groups);
    if (validated !== undefined) return validated.then(() => this.invokeAll(state, groups, k));
    return this.invokeAll(state, groups, k);
  }

  private invokeAll(state: RunState, groups: Map<string, Delivery[]>, k: number): RunState | Promise<RunState> {
    const slots: ExecutorSlot[] = [];
    let pending: Promise<void>[] | undefined;
    for (const [id, deliveries] of groups) {
      const executor = this.compiled.executors.get(id) as AnyExecutor;
      const slot = new ExecutorSlot(executor, Object.hasOwn(state.executorStates, id) ? state.executorStates[id] : executor.initialState);
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
    return new Map([...groups].sort(([a], [b]) => (order.get(a) as number) - (order.get(b) as number)));
  }

  /** Replaces each payload by its parsed value; fails the run on the first mismatch, before any handler runs. */
  private validateDeliveries(groups: Map<string, Delivery[]>): Promise<void> | undefined {
    if (!this.validateMessages) return undefined;
    let pending: Promise<void>[] | undefined;
    for (const [id, deliveries] of groups) {
      const schema = (this.compiled.executors.get(id) as AnyExecutor).input;
      if (schema === undefined) continue;
      deliveries.forEach((delivery, index) => {
        if (delivery.source === INPUT_SOURCE) return;
        const apply = (outcome: ValidationOutcome<unknown>): void => {
          if (!outcome.ok) throw new MessageValidationError(delivery.source, id, outcome.issues, { runId: this.runId, superstep: this.superstep });
          deliveries[index] = { ...delivery, payload: outcome.value };
        };
        const checked = validateWith(schema, delivery.payload);
        if (checked instanceof Promise) (pending ??= []).push(checked.then(apply));
        else {
          try {
            apply(checked);
          } catch (error) {
            settleQuietly(pending);
            throw error;
          }
        }
      });
    }
    return pending === undefined ? undefined : Promise.all(pending).then(() => undefined);
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
    if (this.semaphore !== undefined && slot.executor.kind !== 'workflow') {
      const waiting = this.semaphore.acquire();
      if (waiting !== undefined) return waiting.then(() => this.attempt(slot, delivery, index, k, attempt));
    }
    return this.attempt(slot, delivery, index, k, attempt);
  }

  private attempt(slot: ExecutorSlot, delivery: Delivery, index: number, k: number, attempt: number): Promise<void> | undefined {
    const executor = slot.executor;
    const timeoutMs = executor.timeoutMs;
    const child = timeoutMs === undefined ? undefined : this.scope.child();
    const context = new InvocationContext(this, slot, k, child === undefined ? this.scope.signal : child.signal);
    const path = this.sink === undefined ? this.path : this.executorPath(executor.id);
    this.emit('executor.invoked', { executorId: executor.id, attempt }, path);
    const startedAt = this.sink === undefined ? 0 : now();
    const done = (): void => {
      if (executor.kind !== 'workflow') this.semaphore?.release();
      if (child !== undefined) this.scope.release(child);
    };
    const succeed = (): void => {
      done();
      if (this.scope.signal.aborted) throw this.scope.cancelledError();
      context.commitTo(index);
      this.emit('executor.completed', { executorId: executor.id, attempt, durationMs: now() - startedAt }, path);
    };
    const fail = (error: unknown): Promise<void> => {
      done();
      context.close();
      if (this.scope.signal.aborted) throw this.scope.cancelledError();
      const attempts = executor.retry?.attempts ?? 1;
      if (attempt < attempts) {
        const delayMs = backoffDelay(executor.retry?.backoff, attempt);
        this.emit('executor.retried', { executorId: executor.id, attempt, delayMs, error }, path);
        return sleep(delayMs, this.scope.signal).then(() => this.invoke(slot, delivery, index, k, attempt + 1));
      }
      throw this.executorFailed(executor.id, error, attempt, k, path);
    };

    let result: void | Promise<void>;
    try {
      result = executor.handle(delivery.payload, context);
    } catch (error) {
      return fail(error);
    }
    if (result instanceof Promise) {
      return (child === undefined ? result : withTimeout(result, timeoutMs as number, child)).then(succeed, fail);
    }
    succeed();
    return undefined;
  }

  private executorFailed(executorId: string, cause: unknown, attempts: number, k: number, path: readonly string[]): WeftError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const error = new ExecutorError(
          `Executor "${executorId}" failed in superstep ${k}${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${reason}. Fix the handler, or give it retry: { attempts, backoff }.`,
          attempts,
      { runId: this.runId, executorId, superstep: k, cause },
    );
    this.emit('executor.failed', { executorId, attempt: attempts, error }, path);
    return error;
  }

  /** Applies every successful invocation's writes in graph order, then routes the sent messages. */
  private commit(state: RunState, slots: readonly ExecutorSlot[], k: number): RunState {
    const sent: SentMessage[] = [];
    const outputs: { executorId: string; value: unknown }[] = [];
    let executorStates = state.executorStates;
    let shared = state.shared;
    for (const slot of slots) {
      const id = slot.executor.id;
      for (const record of slot.records) {
        if (record === undefined) continue;
        if (record.sends !== undefined) for (const message of record.sends) sent.push(message);
        if (record.outputs !== undefined) for (const value of record.outputs) outputs.push({ executorId: id, value });
      }
      if (slot.stateChanged) {
        if (executorStates === state.executorStates) executorStates = { ...executorStates };
        (executorStates as Record<string, unknown>)[id] = slot.state;
      }
      if (slot.shared !== undefined) {
        if (shared === state.shared) shared = { ...shared };
        for (const [key, value] of slot.shared) (shared as Record<string, unknown>)[key] = value;
      }
    }
    const routed = sent.length === 0 ? { deliveries: [], fanIn: state.fanIn, dropped: [] } : routeMessages(this.compiled.routing, sent, state.fanIn, { runId: this.runId, superstep: k });
    for (const drop of routed.dropped) {
      this.emit('message.dropped', { sourceId: drop.source, message: drop.payload, reason: drop.reason, ...(drop.to === undefined ? {} : { to: drop.to }) }, this.executorPath(drop.source));
    }
    for (const { executorId, value } of outputs) {
      this.outputs.push(value);
      this.emit('output', { executorId, value }, this.executorPath(executorId));
    }
    this.emit('superstep.completed', { queued: routed.deliveries.length });
    return {
      superstep: k,
      queue: routed.deliveries,
      executorStates: executorStates === state.executorStates ? executorStates : Object.freeze(executorStates),
      shared: shared === state.shared ? shared : Object.freeze(shared),
      fanIn: routed.fanIn,
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

  sendsAsOutput(executorId: string): boolean {
    return this.compiled.sendsAsOutput.has(executorId);
  }

  runChild(child: unknown, input: unknown, signal: AbortSignal, path: readonly string[]): Promise<RunResult> {
    const sink = this.sink;
    const forward = sink === undefined ? undefined : (event: WorkflowEvent): void => sink({ ...event, runId: this.runId, seq: this.seq++ });
    const engine = new RunEngine(child as CompiledWorkflow, { signal }, forward, path, { semaphore: this.semaphore });
    return engine.execute(input);
  }
}
