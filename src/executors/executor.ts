import { freezeState } from '../internal/immer.js';
import { findNonJson } from '../internal/plain-json.js';
import type { StandardSchemaV1 } from '../internal/types.js';
import type { Executor, ExecutorContext, LimiterLike, PendingRequest, RetryPolicy, Schema } from '../model/types.js';

type Parsed<TSchema> = TSchema extends StandardSchemaV1<unknown, infer T> ? T : never;
type Accepted<TSchema> = TSchema extends StandardSchemaV1<infer T, unknown> ? T : never;

/** Options of {@link executor}. */
export interface ExecutorOptions<
  TInputSchema extends Schema,
  TOutputSchema extends Schema | undefined,
  TState,
  TResponseSchema extends Schema = Schema,
> {
  readonly id: string;
  /** Validates every message delivered to this executor. */
  readonly input: TInputSchema;
  /** What this executor sends; it types the outgoing edges. Without it the executor cannot send. Use `z.custom<T>()` for a type without checks. */
  readonly output?: TOutputSchema;
  readonly handle: (
    message: Parsed<TInputSchema>,
    context: ExecutorContext<TOutputSchema extends Schema ? Parsed<TOutputSchema> : never, NoInfer<TState>>,
  ) => void | Promise<void>;
  /** Validates the answers to this executor's requests (`ctx.request`); kept with the graph, so it works after a resume in another process. */
  readonly response?: TResponseSchema;
  /** Receives each answer to a request this executor made, in the superstep after the answer is given. */
  readonly onResponse?: (
    response: Parsed<TResponseSchema>,
    request: PendingRequest,
    context: ExecutorContext<TOutputSchema extends Schema ? Parsed<TOutputSchema> : never, NoInfer<TState>>,
  ) => void | Promise<void>;
  /** This executor's state at the start of every run; plain JSON. */
  readonly initialState?: TState;
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
  readonly timeoutMs?: number;
  /** Hold this limiter (shared with other executors and runs) for every invocation: a provider's rate limit. */
  readonly limiter?: LimiterLike;
}

/** Options shared by executors made by adapters such as {@link fromFunction}. */
export type ExecutorPolicyOptions = Pick<ExecutorOptions<Schema, undefined, unknown>, 'concurrency' | 'retry' | 'timeoutMs' | 'limiter'>;

function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new TypeError(`An executor id must be a non-empty string, got ${JSON.stringify(id)}. Pass executor({ id: "name", … }).`);
  }
}

function checkPolicy(
  id: string,
  options: { concurrency?: number | undefined; retry?: RetryPolicy | undefined; timeoutMs?: number | undefined },
): void {
  const { concurrency, retry, timeoutMs } = options;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new TypeError(`Executor "${id}": concurrency must be an integer ≥ 1, got ${concurrency}.`);
  }
  if (retry !== undefined && !(Number.isInteger(retry.attempts) && retry.attempts >= 1)) {
    throw new TypeError(`Executor "${id}": retry.attempts counts every try and must be an integer ≥ 1, got ${retry.attempts}.`);
  }
  if (timeoutMs !== undefined && !(timeoutMs > 0)) {
    throw new TypeError(`Executor "${id}": timeoutMs must be a positive number of milliseconds, got ${timeoutMs}.`);
  }
}

/** @internal Builds the frozen executor object every factory returns. */
export function createExecutor<TInput, TOutput, TState, TAccepts = TInput>(
  fields: Pick<Executor<TInput, TOutput, TState>, 'id' | 'kind' | 'input' | 'output' | 'handle' | 'initialState'> & {
    readonly onResponse?: Executor<TInput, TOutput, TState>['onResponse'];
    readonly response?: Schema | undefined;
    readonly concurrency?: number | undefined;
    readonly retry?: RetryPolicy | undefined;
    readonly timeoutMs?: number | undefined;
    readonly limiter?: LimiterLike | undefined;
    readonly workflow?: Executor['workflow'];
  },
): Executor<TInput, TOutput, TState, TAccepts> {
  checkId(fields.id);
  checkPolicy(fields.id, fields);
  const bad = findNonJson(fields.initialState, undefined, 'initialState');
  if (bad !== undefined) {
    throw new TypeError(
      `Executor "${fields.id}": ${bad.path} holds ${bad.found}, which is not plain JSON, so no checkpoint could restore it. Use plain objects, arrays, strings, finite numbers, booleans or null.`,
    );
  }
  return Object.freeze({
    id: fields.id,
    kind: fields.kind,
    input: fields.input,
    output: fields.output,
    handle: fields.handle,
    onResponse: fields.onResponse,
    response: fields.response,
    initialState: freezeState(fields.initialState),
    concurrency: fields.concurrency ?? 1,
    retry: fields.retry === undefined ? undefined : Object.freeze({ ...fields.retry }),
    timeoutMs: fields.timeoutMs,
    limiter: fields.limiter,
    workflow: fields.workflow,
  });
}

/**
 * Creates an executor from schemas and a handler.
 * @example
 * const parse = executor({ id: 'parse', input: z.string(), output: z.number(), handle: (text, ctx) => ctx.send(Number(text)) });
 */
export function executor<
  TInputSchema extends Schema,
  TOutputSchema extends Schema | undefined = undefined,
  TState = undefined,
  TResponseSchema extends Schema = Schema,
>(
  options: ExecutorOptions<TInputSchema, TOutputSchema, TState, TResponseSchema>,
): Executor<Parsed<TInputSchema>, TOutputSchema extends Schema ? Parsed<TOutputSchema> : never, TState, Accepted<TInputSchema>> {
  if (options.input === undefined || !('~standard' in options.input)) {
    throw new TypeError(
      `Executor "${String(options.id)}" needs an input schema (zod or any Standard Schema). Pass executor({ id, input: z.string(), … }).`,
    );
  }
  return createExecutor<Parsed<TInputSchema>, TOutputSchema extends Schema ? Parsed<TOutputSchema> : never, TState, Accepted<TInputSchema>>({
    id: options.id,
    kind: 'executor',
    input: options.input,
    output: options.output,
    handle: options.handle as Executor<Parsed<TInputSchema>, TOutputSchema extends Schema ? Parsed<TOutputSchema> : never, TState>['handle'],
    onResponse: options.onResponse as Executor<
      Parsed<TInputSchema>,
      TOutputSchema extends Schema ? Parsed<TOutputSchema> : never,
      TState
    >['onResponse'],
    response: options.response,
    initialState: options.initialState as TState,
    concurrency: options.concurrency,
    retry: options.retry,
    timeoutMs: options.timeoutMs,
    limiter: options.limiter,
  });
}
