// What a worker does with one Invocation: find the executor, run its handler with a context of its own, return the record.
import { ExecutorError, isWeftError, UnknownExecutorError } from '../errors.js';
import { describeThrown } from '../internal/thrown.js';
import type { AnyExecutor, Budget, Schema, WorkflowDefinition } from '../model/types.js';
import { RunBudget } from './budget.js';
import { checkOutput, checkSend } from './checks.js';
import { compileDefinition, type CompiledWorkflow, type ExecutorNode } from './compiled.js';
import { ExecutorSlot, InvocationContext, type ChildResult, type ContextHost } from './context.js';
import type { InvocationRecord, RecordedEvent } from './invocation-records.js';
import type { Invocation } from './placement.js';
import { withTimeout } from './timers.js';
import type { Workflow } from './workflow.js';

/** The run as one invocation on a worker sees it: the values it was given, its own signal, events collected. */
class StandaloneHost implements ContextHost {
  readonly runId: string;
  readonly path: readonly string[];
  readonly committedShared: Readonly<Record<string, unknown>>;
  readonly recordPatches = true;
  readonly checkpointing = true;
  readonly recording = true;
  readonly events: RecordedEvent[] = [];
  private readonly budget: RunBudget;

  constructor(
    private readonly compiled: CompiledWorkflow,
    private readonly invocation: Invocation,
    readonly invocationPrefix: string,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.runId = invocation.runId;
    this.path = invocation.path.slice(0, -1);
    this.committedShared = invocation.shared;
    const ledger = invocation.budget;
    this.budget = new RunBudget(ledger.limit, ledger.spent, () => undefined, invocation.runId);
  }

  checkSend(sourceId: string, to: string): void {
    checkSend(this.compiled, sourceId, to, this.runId, this.invocation.superstep);
  }
  checkOutput(executorId: string, value: unknown): void {
    checkOutput(this.compiled, executorId, value, this.runId, this.invocation.superstep);
  }
  emitCustom(_executorId: string, _superstep: number, name: string, data: unknown, transient?: boolean): void {
    this.events.push(transient === true ? { type: 'custom', name, data, transient } : { type: 'custom', name, data });
  }
  emitPhase(_executorId: string, _superstep: number, name: string, outcome: { readonly ok: boolean; readonly durationMs: number } | undefined): void {
    this.events.push(outcome === undefined ? { type: 'phase.started', name } : { type: 'phase.completed', name, ...outcome });
  }
  ownSignal(): AbortController {
    const controller = new AbortController();
    const signal = this.signal;
    if (signal?.aborted === true) controller.abort(signal.reason);
    else signal?.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
    return controller;
  }
  releaseSignal(): void {}
  budgetFor(executorId: string, onTokens: (tokens: number) => void): Budget {
    return this.budget.view(executorId, this.invocation.path, onTokens);
  }
  tokensCharged(): void {}
  /** A request's own response schema stays on this worker; the run checks answers against the executor's `response`. */
  rememberResponseSchema(_requestId: string, _schema: Schema): void {}
  runChild(): Promise<ChildResult> {
    return Promise.reject(new TypeError('A nested workflow runs in the run’s own process, never through executeInvocation.'));
  }
}

/** The executor at `path` (its compiled node), walking into nested workflow nodes, and the compiled graph it belongs to. */
function resolve(definition: WorkflowDefinition, path: readonly string[]): { node: ExecutorNode; compiled: CompiledWorkflow } {
  let graph = definition;
  for (let i = 0; i < path.length; i++) {
    const id = path[i] as string;
    const compiled = compileDefinition(graph);
    const node = compiled.nodes.get(id);
    const executor = node?.executor;
    const last = i === path.length - 1;
    if (node !== undefined && last && node.executor.kind !== 'workflow') return { node, compiled };
    if (executor === undefined || executor.workflow === undefined || last) {
      const where = i === 0 ? `workflow "${definition.name}"` : `nested workflow "${path.slice(0, i).join('/')}" of "${definition.name}"`;
      throw new UnknownExecutorError(
        id,
        executor === undefined
          ? `Invocation path "${path.join('/')}" names "${id}", which is not in ${where}. The worker must run the same version of the workflow as the run.`
          : `Invocation path "${path.join('/')}" ends at the nested workflow node "${id}"; nested workflows run in the run's own process, only their executors are placed.`,
        { executorId: id },
      );
    }
    graph = executor.workflow;
  }
  throw new TypeError(`Invocation path must name at least one executor, got [].`);
}

function checkInvocation(workflow: Workflow<any, any>, invocation: Invocation): void {
  if (typeof invocation !== 'object' || invocation === null)
    throw new TypeError(`executeInvocation needs an Invocation object, got ${String(invocation)}.`);
  if (invocation.workflow !== workflow.name) {
    throw new TypeError(
      `Invocation "${invocation.invocationId}" is for workflow "${invocation.workflow}", but executeInvocation was given "${workflow.name}". Look the workflow up by invocation.workflow.`,
    );
  }
  const { path } = invocation;
  if (!Array.isArray(path) || path.length === 0 || !path.every((id) => typeof id === 'string') || path[path.length - 1] !== invocation.executorId) {
    throw new TypeError(
      `Invocation "${invocation.invocationId}" has path ${JSON.stringify(path)}; it must be a non-empty list of ids ending with its executorId "${invocation.executorId}".`,
    );
  }
}

/**
 * Runs one invocation of `workflow` outside any run (what a worker behind a `Placement` calls) and resolves with
 * its record. A handler that throws rejects with an `ExecutorError` (its message is the handler's), which the run
 * retries per the executor's `retry`; weft's own errors (a bad `to`, state that is not JSON) reject as they are.
 */
export async function executeInvocation(
  workflow: Workflow<any, any>,
  invocation: Invocation,
  options: { readonly signal?: AbortSignal } = {},
): Promise<InvocationRecord> {
  checkInvocation(workflow, invocation);
  const { node, compiled } = resolve(workflow.definition, invocation.path);
  const executor = node.executor;
  const suffix = `${invocation.superstep}:${executor.id}:${invocation.index}`;
  if (!invocation.invocationId.endsWith(suffix)) {
    throw new TypeError(`Invocation id "${invocation.invocationId}" does not end with "${suffix}", its superstep, executor and index.`);
  }
  const request = invocation.response?.request;
  if (request !== undefined && executor.onResponse === undefined) {
    throw new TypeError(`Invocation "${invocation.invocationId}" is an answer, but executor "${executor.id}" has no onResponse handler.`);
  }
  const host = new StandaloneHost(compiled, invocation, invocation.invocationId.slice(0, -suffix.length), options.signal);
  // With a timeout, the handler's ctx.signal is the attempt's own, aborted by the timeout or by the caller's signal.
  const timeout = invocation.timeoutMs === undefined ? undefined : host.ownSignal();
  const slot = new ExecutorSlot(node, undefined).startFrom(invocation.state);
  const context = new InvocationContext(host, slot, invocation.superstep, invocation.index, timeout?.signal);
  try {
    const result =
      request === undefined
        ? executor.handle(invocation.message, context)
        : (executor.onResponse as NonNullable<AnyExecutor['onResponse']>)(invocation.message, request, context);
    if (result instanceof Promise) await (timeout === undefined ? result : withTimeout(result, invocation.timeoutMs as number, timeout));
  } catch (error) {
    context.close();
    if (isWeftError(error)) throw error;
    throw new ExecutorError(describeThrown(error).replace(/[.\s]+$/, ''), invocation.attempt, {
      runId: invocation.runId,
      executorId: executor.id,
      superstep: invocation.superstep,
      cause: error,
    });
  }
  const record = context.commitTo(invocation.index) as InvocationRecord;
  return host.events.length === 0 ? record : { ...record, events: host.events };
}
