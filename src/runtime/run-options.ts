import type { CheckpointStore } from '../checkpoint/store.js';
import type { WorkflowEvent } from '../events/events.js';
import { limitProblem } from '../internal/limits.js';
import type { BudgetLedger, LimiterLike, PendingRequest, ValidationMode } from '../model/types.js';
import type { RunBudget } from './budget.js';
import type { Durability } from './checkpointer.js';
import type { InvocationRecords } from './invocation-records.js';
import { checkPlacement, type Placement } from './placement.js';
import type { Semaphore } from './semaphore.js';

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
  /**
   * Where handlers run: without one, in this process (the fast path); with one, every invocation (nested workflows'
   * included) is handed to `placement.invoke` and its record committed when it comes back.
   */
  readonly placement?: Placement;
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
  /** The outermost run's placement. */
  readonly placement: Placement | undefined;
  /** The outermost workflow's name (what a worker looks the workflow up by). */
  readonly workflow: string;
  /** The outermost workflow's graph signature (what a worker checks its build of the workflow against). */
  readonly signature: string;
}

/** Throws a TypeError naming the first run option that is out of range. */
export function checkRunOptions(options: RunOptions): void {
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
  const tokens = options.budget?.tokens;
  if (tokens !== undefined && !(Number.isFinite(tokens) && tokens >= 0))
    throw new TypeError(`Run option budget.tokens must be a finite number ≥ 0, got ${tokens}.`);
  checkPlacement(options.placement, 'Run option');
}
