import { formatIssues, type SchemaIssue } from './internal/schema.js';

const brand = Symbol.for('weft.error');

/** Stable machine-readable error codes; they never change once published. */
export type WeftErrorCode =
  | 'graph_invalid'
  | 'workflow_input_invalid'
  | 'message_invalid'
  | 'executor_failed'
  | 'output_invalid'
  | 'routing_failed'
  | 'superstep_limit'
  | 'run_cancelled'
  | 'unknown_executor'
  | 'state_invalid'
  | 'checkpoint_invalid'
  | 'request_invalid'
  | 'budget_exceeded'
  | 'agent_failed'
  | 'not_found'
  | 'lease_lost'
  | 'run_exists'
  | 'timeout'
  | 'context_closed'
  | 'internal';

/** Where an error happened in a run; every field is optional because graph errors have no run. */
export interface WeftErrorContext {
  readonly runId?: string | undefined;
  readonly executorId?: string | undefined;
  readonly superstep?: number | undefined;
  readonly cause?: unknown;
}

/**
 * The base class of every error weft throws, with a stable `code`.
 * Use {@link isWeftError} rather than `instanceof` when two copies of weft may be loaded.
 */
export class WeftError extends Error {
  readonly code: WeftErrorCode;
  readonly runId: string | undefined;
  readonly executorId: string | undefined;
  readonly superstep: number | undefined;

  constructor(code: WeftErrorCode, message: string, context: WeftErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.code = code;
    this.runId = context.runId;
    this.executorId = context.executorId;
    this.superstep = context.superstep;
    Object.defineProperty(this, brand, { value: true });
  }
}

/**
 * True for any weft error, even one thrown by another copy of the package. It narrows to the union of weft's
 * error classes, so `switch (error.code)` narrows each case to its class.
 */
export function isWeftError(value: unknown): value is AnyWeftError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** One problem found by `build()`. */
export interface GraphIssue {
  readonly code:
    | 'duplicate_executor'
    | 'duplicate_edge'
    | 'unknown_executor'
    | 'missing_start'
    | 'unreachable_executor'
    | 'switch_without_otherwise'
    | 'too_few_ends'
    | 'incompatible_schemas'
    | 'invalid_option';
  readonly message: string;
  /** The executor ids the issue is about. */
  readonly executorIds: readonly string[];
}

/** Thrown by `build()` with every problem of the graph at once. */
export class GraphValidationError extends WeftError {
  declare readonly code: 'graph_invalid';
  readonly issues: readonly GraphIssue[];
  constructor(workflowName: string, issues: readonly GraphIssue[]) {
    const lines = issues.map((issue, index) => `  ${index + 1}. ${issue.message}`).join('\n');
    super('graph_invalid', `Workflow "${workflowName}" is invalid (${issues.length} issue${issues.length === 1 ? '' : 's'}):\n${lines}`);
    this.issues = issues;
  }
}

/** The run's input does not match the start executor's input schema; the run did not start. */
export class WorkflowInputError extends WeftError {
  declare readonly code: 'workflow_input_invalid';
  readonly issues: readonly SchemaIssue[];
  constructor(workflowName: string, startId: string, issues: readonly SchemaIssue[]) {
    super(
      'workflow_input_invalid',
      `Input of workflow "${workflowName}" does not match the input schema of its start executor "${startId}": ${formatIssues(issues)}. Pass a value that the schema accepts.`,
      { executorId: startId },
    );
    this.issues = issues;
  }
}

/** A message failed the target's input schema at delivery. */
export class MessageValidationError extends WeftError {
  declare readonly code: 'message_invalid';
  readonly sourceId: string;
  readonly targetId: string;
  readonly issues: readonly SchemaIssue[];
  constructor(sourceId: string, targetId: string, issues: readonly SchemaIssue[], context: WeftErrorContext) {
    super(
      'message_invalid',
      `Message from "${sourceId}" to "${targetId}" does not match the input schema of "${targetId}": ${formatIssues(issues)}. Fix what "${sourceId}" sends, or put an adapter between them.`,
      { ...context, executorId: targetId },
    );
    this.sourceId = sourceId;
    this.targetId = targetId;
    this.issues = issues;
  }
}

/** A handler threw (after its retries) or timed out; the original error is the `cause`. */
export class ExecutorError extends WeftError {
  declare readonly code: 'executor_failed';
  readonly attempts: number;
  constructor(message: string, attempts: number, context: WeftErrorContext) {
    super('executor_failed', message, context);
    this.attempts = attempts;
  }
}

/** An edge could not route a message: a predicate or selector threw, or a selector named an unknown target. */
export class RoutingError extends WeftError {
  declare readonly code: 'routing_failed';
  readonly edgeId: string;
  constructor(edgeId: string, message: string, context: WeftErrorContext) {
    super('routing_failed', message, context);
    this.edgeId = edgeId;
  }
}

/** The run still had messages after `maxSupersteps` supersteps. */
export class SuperstepLimitError extends WeftError {
  declare readonly code: 'superstep_limit';
  readonly maxSupersteps: number;
  constructor(maxSupersteps: number, context: WeftErrorContext) {
    super(
      'superstep_limit',
      `Run stopped after ${maxSupersteps} supersteps with messages still queued. If the loop is meant to be that long, raise maxSupersteps; otherwise check the condition that should end it.`,
      context,
    );
    this.maxSupersteps = maxSupersteps;
  }
}

/** The run was cancelled by `cancel()`, an `AbortSignal` or unsubscribing. */
export class RunCancelledError extends WeftError {
  declare readonly code: 'run_cancelled';
  constructor(context: WeftErrorContext) {
    super('run_cancelled', `Run "${context.runId ?? ''}" was cancelled.`, context);
  }
}

/** A write to executor or shared state that a checkpoint could not hold: not plain JSON. */
export class StateValidationError extends WeftError {
  declare readonly code: 'state_invalid';
  /** Where in the written value: `state.items.0` or `shared.cart.total`. */
  readonly key: string;
  constructor(executorId: string, key: string, found: string, context: WeftErrorContext) {
    super(
      'state_invalid',
      `Executor "${executorId}" wrote ${found} at "${key}", which is not plain JSON, so no checkpoint could restore it. Store plain objects, arrays, strings, finite numbers, booleans or null (an ISO string for a date, an object or array for a Map or Set).`,
      { ...context, executorId },
    );
    this.key = key;
  }
}

/** Why a checkpoint could not be used. */
export type CheckpointErrorReason = 'not_found' | 'signature_mismatch' | 'future_version' | 'corrupt' | 'broken_chain' | 'no_store' | 'save_failed';

/** A checkpoint could not be loaded or resumed; `reason` says which check failed. */
export class CheckpointError extends WeftError {
  declare readonly code: 'checkpoint_invalid';
  readonly reason: CheckpointErrorReason;
  readonly checkpointId: string | undefined;
  constructor(reason: CheckpointErrorReason, message: string, context: WeftErrorContext & { readonly checkpointId?: string | undefined } = {}) {
    super('checkpoint_invalid', message, context);
    this.reason = reason;
    this.checkpointId = context.checkpointId;
  }
}

/** Why an answer was refused. */
export type RequestErrorReason = 'unknown_request' | 'invalid_response' | 'nothing_pending' | 'run_not_waiting' | 'no_response_handler';

/** An answer to a request was refused; the run is unchanged. */
export class RequestError extends WeftError {
  declare readonly code: 'request_invalid';
  readonly reason: RequestErrorReason;
  readonly requestId: string | undefined;
  readonly issues: readonly SchemaIssue[];
  constructor(
    reason: RequestErrorReason,
    message: string,
    context: WeftErrorContext & { readonly requestId?: string | undefined; readonly issues?: readonly SchemaIssue[] } = {},
  ) {
    super('request_invalid', message, context);
    this.reason = reason;
    this.requestId = context.requestId;
    this.issues = context.issues ?? [];
  }
}

/** A charge (or an agent call) was refused because the run's token budget is spent. */
export class BudgetExceededError extends WeftError {
  declare readonly code: 'budget_exceeded';
  readonly limit: number;
  readonly spent: number;
  constructor(limit: number, spent: number, context: WeftErrorContext) {
    super(
      'budget_exceeded',
      `The run's token budget is spent (${spent} of ${limit} tokens), so ${context.executorId === undefined ? 'nothing' : `"${context.executorId}"`} cannot charge any more. Raise run(input, { budget: { tokens } }) or catch BudgetExceededError to finish with what you have.`,
      context,
    );
    this.limit = limit;
    this.spent = spent;
  }
}

/**
 * An agent's model call failed in a way that retrying cannot fix (a bad request, a missing key, an unknown model);
 * weft's retry skips it. Transient failures (rate limits, timeouts, 5xx) are thrown as they are, and retried.
 */
export class AgentError extends WeftError {
  declare readonly code: 'agent_failed';
  /** The provider's HTTP status, when the call reached it. */
  readonly statusCode: number | undefined;
  constructor(message: string, statusCode: number | undefined, context: WeftErrorContext) {
    super('agent_failed', message, context);
    this.statusCode = statusCode;
  }
}

/** A workflow or run that the runtime does not know. */
export class NotFoundError extends WeftError {
  declare readonly code: 'not_found';
  readonly kind: 'workflow' | 'run';
  readonly id: string;
  constructor(kind: 'workflow' | 'run', id: string, known?: readonly string[]) {
    super('not_found', `No ${kind} "${id}".${known === undefined ? '' : ` Known ${kind}s: ${known.map((k) => `"${k}"`).join(', ') || 'none'}.`}`);
    this.kind = kind;
    this.id = id;
  }
}

/** A new run was given the id of a run its checkpoint store already holds; resume that run instead. */
export class RunExistsError extends WeftError {
  declare readonly code: 'run_exists';
  constructor(runId: string, workflowName: string) {
    super(
      'run_exists',
      `Run "${runId}" already has checkpoints in this store, so workflow "${workflowName}" cannot start a new run with that id. Resume it with workflow.resume(checkpointId, { checkpoints }), or start a new run with another runId (or none).`,
      { runId },
    );
  }
}

/** `ctx.send({ to })`, `builder.get(id)` or a list of exits named an executor that the graph does not have. */
export class UnknownExecutorError extends WeftError {
  declare readonly code: 'unknown_executor';
  /** The id that was not found. */
  readonly id: string;
  constructor(id: string, message: string, context: WeftErrorContext = {}) {
    super('unknown_executor', message, context);
    this.id = id;
  }
}

/** `ctx.output(value)` got a value the workflow's `output` schema rejects (or the schema is asynchronous). */
export class OutputValidationError extends WeftError {
  declare readonly code: 'output_invalid';
  readonly issues: readonly SchemaIssue[];
  constructor(message: string, issues: readonly SchemaIssue[], context: WeftErrorContext) {
    super('output_invalid', message, context);
    this.issues = issues;
  }
}

/** A handler outlived its `timeoutMs`; it is the `cause` of the `ExecutorError` the run fails with, and is retried like a throw. */
export class TimeoutError extends WeftError {
  declare readonly code: 'timeout';
  readonly timeoutMs: number;
  constructor(timeoutMs: number, context: WeftErrorContext = {}) {
    super('timeout', `timed out after ${timeoutMs} ms`, context);
    this.timeoutMs = timeoutMs;
  }
}

/** A handler used its `ctx` after its invocation had ended (work it did not await). */
export class ContextClosedError extends WeftError {
  declare readonly code: 'context_closed';
  /** The `ctx` member that was called: `send`, `output`, `request`, …. */
  readonly member: string;
  constructor(member: string, context: WeftErrorContext) {
    super(
      'context_closed',
      `Executor "${context.executorId ?? ''}" called ctx.${member} after its invocation ended (superstep ${context.superstep ?? '?'}). Await all work inside the handler.`,
      context,
    );
    this.member = member;
  }
}

/** A bug in weft itself, not in your code or input: please report it with the message and stack. */
export class InternalError extends WeftError {
  declare readonly code: 'internal';
  constructor(message: string, context: WeftErrorContext = {}) {
    super('internal', `${message} This is a bug in weft; please report it.`, context);
  }
}

/** Every error class weft throws; `switch (error.code)` on it narrows each case to its class. */
export type AnyWeftError =
  | GraphValidationError
  | WorkflowInputError
  | MessageValidationError
  | ExecutorError
  | OutputValidationError
  | RoutingError
  | SuperstepLimitError
  | RunCancelledError
  | UnknownExecutorError
  | StateValidationError
  | CheckpointError
  | RequestError
  | BudgetExceededError
  | NotFoundError
  | LeaseLostError
  | RunExistsError
  | TimeoutError
  | ContextClosedError
  | AgentError
  | InternalError;

/** A run store refused a write because the writer no longer holds the run's lease: another process took the run over. */
export class LeaseLostError extends WeftError {
  declare readonly code: 'lease_lost';
  /** The fencing token the refused write carried. */
  readonly token: number;
  constructor(runId: string, token: number, message?: string) {
    super(
      'lease_lost',
      message ??
        `Run "${runId}" is no longer leased with token ${token}: another process took it over, so this one stops without writing. Nothing needs doing; the new owner drives the run.`,
      { runId },
    );
    this.token = token;
  }
}
