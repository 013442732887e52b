import {
  InternalError,
  OutputValidationError,
  isWeftError,
  type AnyExecutor,
  type Executor,
  type ExecutorContext,
  type PendingRequest,
  type Schema,
  type StandardSchemaV1,
} from '../index.js';
import {
  approvalDecisionSchema,
  eitherSchema,
  isApprovalRequest,
  parseWith,
  type ApprovalDecision,
  type ApprovalPayload,
  type ApprovalRejection,
  type ApprovalRequest,
} from './approval.js';
import { rewrap, withWorkflow, type WorkflowExecutor } from './workflow-executor.js';

/** Options of `withApproval`. */
export interface WithApprovalOptions<TInput, TOutput, TState, TYields = unknown> {
  /** The node's id (default: the wrapped executor's id, so that the approval stands in its place). */
  readonly id?: string;
  /** What the approver reads about one invocation. */
  readonly describe: (input: TInput) => string | Promise<string>;
  /**
   * What a rejection becomes. By default it is a run output (an {@link ApprovalRejection}); send a message of the
   * executor's output type here to route it along the executor's edges instead.
   */
  readonly onReject?: (rejection: ApprovalRejection<TInput>, context: ExecutorContext<TOutput, TState, TYields>) => void | Promise<void>;
}

/** What `ctx.output` takes in an executor that declares `yields` of `TYields` (`any`: none). */
type OutputTakes<TYields> = 0 extends 1 & TYields ? unknown : TYields;
/** Answers an approval request takes, besides those of the wrapped executor's own requests (`any`: no schema). */
type Answers<TInput, TResponse> = ApprovalDecision<TInput> | (0 extends 1 & TResponse ? never : TResponse);

const wrappers = new WeakSet<object>();

/**
 * Asks before every invocation of `executor`, through a request (`ctx.request`), so the question survives
 * checkpoints, restarts and nesting. Each message becomes one request with an {@link ApprovalPayload}; the answer is an
 * {@link ApprovalDecision}: approve (the executor runs once, on the original or a modified, re-validated input),
 * or reject (it does not run; the rejection is output or routed by `onReject`). Retries of an approved invocation
 * run the approved input again without asking; no path runs the executor without an answer.
 * @example
 * const refund = withApproval(issueRefund, { describe: (r) => `Refund $${r.amount} to ${r.customer}?` });
 */
export function withApproval<TInput, TOutput, TState, TAccepts, TYields = any, TResponse = any>(
  wrapped: Executor<TInput, TOutput, TState, TAccepts, TYields, TResponse>,
  options: WithApprovalOptions<TInput, TOutput, TState, OutputTakes<TYields>> & { readonly onReject: object },
): WorkflowExecutor<TInput, TOutput, TState, TAccepts, TYields, Answers<TInput, TResponse>>;
/** Without `onReject` a rejection is a run output: it joins what the executor yields. */
export function withApproval<TInput, TOutput, TState, TAccepts, TYields = any, TResponse = any>(
  wrapped: Executor<TInput, TOutput, TState, TAccepts, TYields, TResponse>,
  options: WithApprovalOptions<TInput, TOutput, TState, OutputTakes<TYields>>,
): WorkflowExecutor<TInput, TOutput, TState, TAccepts, TYields | ApprovalRejection<TInput>, Answers<TInput, TResponse>>;
export function withApproval<TInput, TOutput, TState, TAccepts>(
  wrapped: Executor<TInput, TOutput, TState, TAccepts>,
  options: WithApprovalOptions<TInput, TOutput, TState>,
): WorkflowExecutor<TInput, TOutput, TState, TAccepts> {
  if (typeof wrapped !== 'object' || wrapped === null || typeof wrapped.handle !== 'function')
    throw new TypeError('withApproval wraps an executor: withApproval(executor, { describe }).');
  if (typeof options?.describe !== 'function')
    throw new TypeError(`withApproval("${wrapped.id}") needs describe(input), the text an approver reads.`);
  if (wrappers.has(wrapped)) throw new TypeError(`Executor "${wrapped.id}" already asks for approval; wrap it once.`);
  const id = options.id ?? wrapped.id;
  const decisionSchema = approvalDecisionSchema(wrapped.input);
  const own = wrapped.onResponse;

  const handle = async (message: TInput, ctx: ExecutorContext<TOutput, TState>): Promise<void> => {
    const description = await options.describe(message);
    if (typeof description !== 'string') throw new TypeError(`withApproval("${id}"): describe must return a string, got ${typeof description}.`);
    const payload: ApprovalPayload<TInput> = { kind: 'approval', executorId: id, description, input: message };
    ctx.request(payload, { response: decisionSchema });
  };

  const onResponse = async (response: unknown, request: PendingRequest, ctx: ExecutorContext<TOutput, TState>): Promise<void> => {
    // Our own question has our path; a longer path is a request surfaced by a nested workflow we wrap.
    const ours = request.path.length === ctx.path.length && isApprovalRequest(request) && request.payload.executorId === id;
    if (!ours) {
      if (own === undefined)
        throw new InternalError(`Executor "${id}" received an answer to request "${request.id}", which it did not ask.`, { executorId: id });
      return own(response, request, ctx);
    }
    const decision = (await parseWith(decisionSchema, response, `The answer to approval request "${request.id}"`)) as ApprovalDecision<TInput>;
    const original = (request as ApprovalRequest<TInput>).payload.input;
    if (!decision.approved) {
      const rejection: ApprovalRejection<TInput> = {
        kind: 'approval.rejected',
        executorId: id,
        input: original,
        ...(decision.reason === undefined ? {} : { reason: decision.reason }),
      };
      if (options.onReject !== undefined) await options.onReject(rejection, ctx);
      else outputRejection(id, rejection, ctx);
      return;
    }
    // The original was parsed when it was delivered; a modified input is parsed now, once.
    const input =
      decision.input === undefined
        ? original
        : ((await parseWith(wrapped.input, decision.input, `The modified input approved for "${id}"`)) as TInput);
    await wrapped.handle(input, ctx);
  };

  const response = wrapped.response === undefined ? decisionSchema : eitherSchema(decisionSchema, wrapped.response);
  // Without onReject a rejection is output: a yields schema of the wrapped executor must let it through.
  const yields = wrapped.yields === undefined || options.onReject !== undefined ? wrapped.yields : yieldsOrRejection(wrapped.yields);
  const result = withWorkflow(
    rewrap(wrapped as AnyExecutor, { id, handle, onResponse, response, yields }) as Executor<TInput, TOutput, TState, TAccepts>,
  );
  wrappers.add(result);
  return result;
}

/** A yields schema that also accepts an {@link ApprovalRejection} (checked by shape, synchronously like any yields). */
function yieldsOrRejection(yields: Schema): Schema {
  const validate = (value: unknown): StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>> => {
    const rejection = value as Partial<ApprovalRejection> | null;
    const isRejection =
      typeof rejection === 'object' && rejection !== null && rejection.kind === 'approval.rejected' && typeof rejection.executorId === 'string';
    return isRejection ? { value } : yields['~standard'].validate(value);
  };
  return { '~standard': { version: 1, vendor: 'weft', validate } };
}

/** Outputs a rejection; when the workflow's output schema refuses it, says so in terms of the rejection. */
function outputRejection(id: string, rejection: ApprovalRejection<unknown>, ctx: Pick<ExecutorContext, 'output' | 'runId' | 'superstep'>): void {
  try {
    ctx.output(rejection);
  } catch (error) {
    if (!isWeftError(error) || error.code !== 'output_invalid') throw error;
    throw new OutputValidationError(
      `The approval of "${id}" was rejected${rejection.reason === undefined ? '' : ` ("${rejection.reason}")`}. Without onReject a rejection becomes a run output, which the workflow's output schema refuses. Give withApproval an onReject that sends (or outputs) a value the graph accepts.`,
      error.issues,
      { runId: ctx.runId, executorId: id, superstep: ctx.superstep, cause: error },
    );
  }
}
