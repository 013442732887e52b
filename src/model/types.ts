import type { Draft } from 'immer';
import type { StandardSchemaV1 } from '../internal/types.js';

/** Any Standard Schema (zod, valibot, arktype, …) whose parsed value is `T`. */
export type Schema<T = unknown> = StandardSchemaV1<unknown, T>;

/** The parsed type of a schema. */
export type InferSchema<TSchema> = TSchema extends StandardSchemaV1<unknown, infer T> ? T : never;

/** How long to wait between attempts: a fixed delay in ms, or exponential backoff. */
export type Backoff = number | { readonly initialMs?: number; readonly factor?: number; readonly maxMs?: number };

/** Retry a failing handler: `attempts` counts every try, the first included. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly backoff?: Backoff;
}

/** Options of `ctx.send`. */
export interface SendOptions {
  /** Deliver only along the edge to this executor (by id or object). */
  readonly to?: string | { readonly id: string };
}

/** Run-wide shared state: reads see the value committed at the start of the superstep (and the caller's own staged writes). */
export interface SharedState {
  get<T = unknown>(key: string): T | undefined;
  has(key: string): boolean;
  set(key: string, value: unknown): void;
  /** Changes a value with an immer recipe; the draft starts from the current value. */
  update<T = unknown>(key: string, recipe: (draft: Draft<T>) => void | T): void;
}

/** A question to the outside, waiting for an answer; plain JSON so that it survives checkpoints. */
export interface PendingRequest<TPayload = unknown> {
  readonly id: string;
  /** The executor whose `onResponse` receives the answer. */
  readonly executorId: string;
  /** Ids from the outermost workflow down to the asking executor. */
  readonly path: readonly string[];
  readonly payload: TPayload;
  /** The superstep in which it was asked. */
  readonly superstep: number;
}

/** Options of `ctx.request`. */
export interface RequestOptions {
  /** Validates the answer; defaults to the executor's `response` schema. Declare it on the executor for runs that resume in another process. */
  readonly response?: Schema;
}

/** Options of `approve` (a `withApproval` request): a reason for the audit trail, and a modified input to run with (validated by the executor's input schema). */
export interface ApproveOptions<TInput = unknown> {
  readonly reason?: string;
  readonly input?: TInput;
}

/** Options of `reject` (a `withApproval` request): a reason, kept for the audit trail and passed on with the rejection. */
export interface RejectOptions {
  readonly reason?: string;
}

/** A run's token account: what was allowed (`null`: no limit) and what was charged. Plain JSON, kept in checkpoints. */
export interface BudgetLedger {
  readonly limit: number | null;
  readonly spent: number;
}

/** The run-wide token budget as a handler sees it (`ctx.budget`), shared by nested workflows and every branch. */
export interface Budget {
  readonly limit: number | null;
  readonly spent: number;
  /** Tokens left (Infinity without a limit). */
  readonly remaining: number;
  /** Records usage; throws BudgetExceededError (and emits `budget.exceeded`) once nothing remains. A soft cap: a charge made while something remains is accepted in full. */
  charge(usage: { readonly tokens: number }): void;
  /** Records usage of work that started before the budget ran out (an agent call in flight): never refused. */
  record(usage: { readonly tokens: number }): void;
  /**
   * Holds tokens for a call about to start, so that calls started together cannot spend far past the limit: waits
   * while calls in flight hold what remains, and refuses (BudgetExceededError, `budget.exceeded`) once nothing
   * remains. Without `tokens` it holds the largest usage settled in this run so far, or, before any, all that
   * remains (the first call goes alone). Settle the hold with the real usage, or release it.
   */
  reserve(usage?: { readonly tokens?: number }, options?: { readonly signal?: AbortSignal }): Promise<BudgetReservation>;
}

/** Tokens held by {@link Budget.reserve} for one call in flight. */
export interface BudgetReservation {
  /** What is held. */
  readonly tokens: number;
  /** Charges the real usage (never refused: the call was allowed to start) and frees the hold. */
  settle(usage: { readonly tokens: number }): void;
  /** Frees the hold without charging anything (the call failed before it used tokens). */
  release(): void;
}

/** Shared by runs and executors to cap calls to a provider; see `createLimiter`. */
export interface LimiterLike {
  acquire(): Promise<void> | undefined;
  release(): void;
}

/** Graph-wide executor policies, used where an executor sets none (`builder.setDefaults`). */
export interface ExecutorDefaults {
  readonly retry?: RetryPolicy;
  readonly timeoutMs?: number;
}

/** Options of `ctx.emit`. */
export interface EmitOptions {
  /** Live only: the event reaches subscribers but a runtime does not store it (e.g. token deltas). */
  readonly transient?: boolean;
}

/**
 * What a handler receives besides its message: `TOutput` is what `send` takes, `TYields` what `output` takes (the
 * executor's `yields` schema; anything when it declares none).
 */
export interface ExecutorContext<TOutput = unknown, TState = unknown, TYields = unknown> {
  readonly runId: string;
  readonly superstep: number;
  readonly executorId: string;
  /**
   * This delivery's id, the same for every retry of it and when it runs again after a crash: use it as the
   * idempotency key of an external side effect. Handlers run at least once; a finished invocation's writes are
   * recorded exactly once (see the checkpoints concept page).
   */
  readonly invocationId: string;
  /** Ids from the outermost workflow down to this executor. */
  readonly path: readonly string[];
  /** Aborted when the run is cancelled or this invocation times out. */
  readonly signal: AbortSignal;
  /** This executor's state, with its own writes of this superstep applied. */
  readonly state: TState;
  readonly shared: SharedState;
  /** The run's token budget, shared by nested workflows and every branch. */
  readonly budget: Budget;
  /**
   * Runs `work` as a named phase: `phase.started` before, `phase.completed` after (with `ok: false` if it
   * threw), so a UI can show where a long handler is. Returns what `work` returns.
   */
  phase<T>(name: string, work: () => T | Promise<T>): Promise<T>;
  /** Queues a message for the next superstep along this executor's outgoing edges. */
  // A property, not a method: method parameters are checked both ways, which would let wider messages through.
  readonly send: (message: TOutput, options?: SendOptions) => void;
  /** Adds a value to the run's outputs (committed at the end of the superstep). */
  output(value: TYields): void;
  /** Emits a `custom` event at once, for progress and logs. */
  emit(name: string, data?: unknown, options?: EmitOptions): void;
  /** Changes this executor's state with an immer recipe; return a value to replace the state. */
  setState(recipe: (draft: Draft<TState>) => void | TState): void;
  /**
   * Asks the outside a question; the run goes `waiting` once nothing else is left, and the answer reaches this
   * executor's `onResponse` in the superstep after it is given. Returns the request id.
   */
  request(payload: unknown, options?: RequestOptions): string;
}

/** The kinds of executor, as shown by `describe()` and in the signature. */
export type ExecutorKind = 'executor' | 'function' | 'adapter' | 'workflow';

/**
 * A node of a workflow: an id, an input schema and a handler.
 * `TInput` is what its handler receives (after parsing), `TOutput` what it sends, and `TAccepts` what its
 * schema accepts before parsing (they differ with defaults and transforms); `TOutput` and `TAccepts` type the edges.
 * `TYields` is what it passes to `ctx.output` and `TResponse` the answers to its requests; `any` where it declares
 * no schema for them.
 */
export interface Executor<TInput = any, TOutput = any, TState = any, TAccepts = TInput, TYields = any, TResponse = any> {
  /** Type-only: what the input schema accepts. Never set at run time. */
  readonly '~accepts'?: (message: TAccepts) => void;
  readonly id: string;
  readonly kind: ExecutorKind;
  readonly input: Schema | undefined;
  readonly output: Schema | undefined;
  /** Validates, and types, what this executor passes to `ctx.output` (the run's outputs). */
  readonly yields: Schema<TYields> | undefined;
  readonly handle: (message: TInput, context: ExecutorContext<TOutput, TState, TYields>) => void | Promise<void>;
  /** Receives the answer to a request this executor made with `ctx.request`. */
  readonly onResponse:
    | ((response: any, request: PendingRequest, context: ExecutorContext<TOutput, TState, TYields>) => void | Promise<void>)
    | undefined;
  /** Validates answers to this executor's requests. */
  readonly response: Schema<TResponse> | undefined;
  readonly initialState: TState;
  /** How many messages this executor may handle at once within a superstep (default 1). */
  readonly concurrency: number;
  readonly retry: RetryPolicy | undefined;
  readonly timeoutMs: number | undefined;
  /** A limiter every invocation of this executor must hold, in any run (a provider's rate limit). */
  readonly limiter: LimiterLike | undefined;
  /** The nested workflow, for executors of kind `'workflow'`. */
  readonly workflow: WorkflowDefinition | undefined;
}

/** An executor of any type, for code that does not care about message types. */
export type AnyExecutor = Executor<any, any, any, any, any, any>;

/** The message type an executor's handler receives. */
export type InputOf<T> = T extends Executor<infer TInput, any, any, any> ? TInput : any;
/** The message type an executor sends. */
export type OutputOf<T> = T extends Executor<any, infer TOutput, any, any> ? TOutput : any;
/** What an executor passes to `ctx.output`, from its `yields` schema; `unknown` when it declares none. */
export type YieldsOf<T> = T extends Executor<any, any, any, any, infer TYields, any> ? (0 extends 1 & TYields ? unknown : TYields) : unknown;
/**
 * The answer an executor's requests take, from its `response` schema (`unknown` without one): the type argument of
 * `respond`, as in `client.runs.respond<ResponseOf<typeof ask>>(runId, requestId, answer)`.
 */
export type ResponseOf<T> = T extends Executor<any, any, any, any, any, infer TResponse> ? (0 extends 1 & TResponse ? unknown : TResponse) : unknown;
/** The value a `respond` takes when given a type argument: an executor's {@link ResponseOf}, or the type itself. */
export type AnswerOf<T> = T extends Executor<any, any, any, any, any, any> ? ResponseOf<T> : T;

/** A direct edge, conditional when `when` is set. */
export interface DirectEdgeDefinition {
  readonly kind: 'direct';
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly when: ((message: unknown) => boolean) | undefined;
}

/** One source to many targets: all of them, or those `select` picks. */
export interface FanOutEdgeDefinition {
  readonly kind: 'fan-out';
  readonly id: string;
  readonly source: string;
  readonly targets: readonly string[];
  readonly select: ((message: unknown, targets: readonly string[]) => string | readonly string[]) | undefined;
}

/** Many sources to one target, which receives one array once every source has sent. */
export interface FanInEdgeDefinition {
  readonly kind: 'fan-in';
  readonly id: string;
  readonly sources: readonly string[];
  readonly target: string;
}

/** The first case whose predicate holds wins; otherwise the default target. */
export interface SwitchEdgeDefinition {
  readonly kind: 'switch';
  readonly id: string;
  readonly source: string;
  readonly cases: readonly { readonly when: (message: unknown) => boolean; readonly target: string }[];
  readonly otherwise: string;
}

export type EdgeDefinition = DirectEdgeDefinition | FanOutEdgeDefinition | FanInEdgeDefinition | SwitchEdgeDefinition;

/** How much runtime validation of messages a workflow does. */
export type ValidationMode = 'all' | 'edges-only';

/** The frozen graph and options of a workflow. */
export interface WorkflowDefinition {
  readonly name: string;
  readonly start: string;
  /** Executors in graph order (the order they were added). */
  readonly executors: readonly AnyExecutor[];
  readonly edges: readonly EdgeDefinition[];
  readonly maxSupersteps: number;
  readonly maxConcurrency: number;
  readonly validate: ValidationMode;
  /** Validates every value passed to `ctx.output` when set. */
  readonly outputSchema: Schema | undefined;
  /** The executors where a graph that inlines this one continues: declared, or those with no outgoing edge. */
  readonly exits: readonly string[];
  /** Executors whose sends become run outputs when no edge leaves them (the last step of a SequentialBuilder, say). */
  readonly outputIfUnconnected: readonly string[];
  /** Retry and timeout for executors that set none. */
  readonly defaults: ExecutorDefaults;
  readonly signature: string;
}
