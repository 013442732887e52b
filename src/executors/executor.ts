import { freezeState } from '../internal/immer.js';
import { findNonJson } from '../internal/plain-json.js';
import type { StandardSchemaV1 } from '../internal/types.js';
import type { Executor, ExecutorContext, LimiterLike, PendingRequest, RetryPolicy, Schema } from '../model/types.js';

type Parsed<TSchema> = TSchema extends StandardSchemaV1<unknown, infer T> ? T : never;
type Accepted<TSchema> = TSchema extends StandardSchemaV1<infer T, unknown> ? T : never;

/** @internal What `ctx.output` takes in an executor with this `yields` option: anything without one. */
export type Yielded<TYieldsSchema> = TYieldsSchema extends Schema ? Parsed<TYieldsSchema> : unknown;
type Sent<TOutputSchema> = TOutputSchema extends Schema ? Parsed<TOutputSchema> : never;

/** Options of {@link executor}. */
export interface ExecutorOptions<
  TInputSchema extends Schema,
  TOutputSchema extends Schema | undefined,
  TState,
  TResponseSchema extends Schema | undefined = undefined,
  TYieldsSchema extends Schema | undefined = undefined,
> {
  readonly id: string;
  /** Validates every message delivered to this executor. */
  readonly input: TInputSchema;
  /** What this executor sends; it types the outgoing edges. Without it the executor cannot send. Use `z.custom<T>()` for a type without checks. */
  readonly output?: TOutputSchema;
  /**
   * What this executor passes to `ctx.output`, the run's outputs: validated at each call, and, in a workflow with an
   * `output` schema, checked at compile time against the workflow's output type. Without it `ctx.output` takes anything.
   */
  readonly yields?: TYieldsSchema;
  readonly handle: (
    message: Parsed<TInputSchema>,
    context: ExecutorContext<Sent<TOutputSchema>, NoInfer<TState>, Yielded<TYieldsSchema>>,
  ) => void | Promise<void>;
  /** Validates the answers to this executor's requests (`ctx.request`); kept with the graph, so it works after a resume in another process. */
  readonly response?: TResponseSchema;
  /** Receives each answer to a request this executor made, in the superstep after the answer is given. */
  readonly onResponse?: (
    response: TResponseSchema extends Schema ? Parsed<TResponseSchema> : unknown,
    request: PendingRequest,
    context: ExecutorContext<Sent<TOutputSchema>, NoInfer<TState>, Yielded<TYieldsSchema>>,
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
export function createExecutor<TInput, TOutput, TState, TAccepts = TInput, TYields = any, TResponse = any>(
  fields: Pick<Executor<TInput, TOutput, TState, TAccepts, TYields>, 'id' | 'kind' | 'input' | 'output' | 'handle' | 'initialState'> & {
    readonly onResponse?: Executor<TInput, TOutput, TState, TAccepts, TYields>['onResponse'];
    readonly response?: Schema<TResponse> | undefined;
    readonly yields?: Schema<TYields> | undefined;
    readonly concurrency?: number | undefined;
    readonly retry?: RetryPolicy | undefined;
    readonly timeoutMs?: number | undefined;
    readonly limiter?: LimiterLike | undefined;
    readonly workflow?: Executor['workflow'];
  },
): Executor<TInput, TOutput, TState, TAccepts, TYields, TResponse> {
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
    yields: fields.yields,
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
  TResponseSchema extends Schema | undefined = undefined,
  TYieldsSchema extends Schema | undefined = undefined,
>(
  options: ExecutorOptions<TInputSchema, TOutputSchema, TState, TResponseSchema, TYieldsSchema>,
): Executor<
  Parsed<TInputSchema>,
  Sent<TOutputSchema>,
  TState,
  Accepted<TInputSchema>,
  TYieldsSchema extends Schema ? Parsed<TYieldsSchema> : any,
  TResponseSchema extends Schema ? Parsed<TResponseSchema> : any
> {
  if (options.input === undefined || !('~standard' in options.input)) {
    throw new TypeError(
      `Executor "${String(options.id)}" needs an input schema (zod or any Standard Schema). Pass executor({ id, input: z.string(), … }).`,
    );
  }
  checkSchema(options.id, 'yields', options.yields);
  checkSchema(options.id, 'response', options.response);
  // The schemas' types are checked by the options' type; the executor carries them only at the type level.
  return createExecutor<any, any, TState, any, any, any>({
    id: options.id,
    kind: 'executor',
    input: options.input,
    output: options.output,
    yields: options.yields,
    handle: options.handle as Executor['handle'],
    onResponse: options.onResponse as Executor['onResponse'],
    response: options.response,
    initialState: options.initialState as TState,
    concurrency: options.concurrency,
    retry: options.retry,
    timeoutMs: options.timeoutMs,
    limiter: options.limiter,
  });
}

/** @internal Throws unless an optional schema option is a Standard Schema. */
export function checkSchema(id: string, option: string, schema: unknown): void {
  if (schema !== undefined && (typeof schema !== 'object' || schema === null || !('~standard' in schema))) {
    throw new TypeError(
      `Executor "${id}": ${option} must be a schema (zod or any Standard Schema), got ${typeof schema}. Pass ${option}: z.string(), say.`,
    );
  }
}
