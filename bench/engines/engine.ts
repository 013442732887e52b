// What every engine of the peer benchmark implements: the same scenario functions, each building its graph
// once and returning a `Run` that does the work once and resolves with the values to check.
// The runner times `run()` only; building the graph is not part of a sample.

export type EngineName = 'raw' | 'weft' | 'langgraph' | 'mastra' | 'adk';

/** One complete execution of a prepared scenario. */
export type Run<TResult> = () => Promise<TResult>;

/** A scenario this engine does not run, and why (shown as n/a in the table). */
export interface NotRun {
  readonly notRun: string;
}

export interface ChainResult {
  readonly count: number;
}

export interface FanoutResult {
  readonly sum: number;
}

export interface LoopResult {
  readonly count: number;
}

/** What the timed checkpoint run returns: the counter, and a way to look at the checkpoints it kept (not timed). */
export interface CheckpointRun {
  readonly counter: number;
  /** Loads every kept checkpoint and resumes from one in the middle. */
  readonly inspect: () => Promise<CheckpointInspection>;
}

export interface CheckpointInspection {
  /** Checkpoints the run kept. */
  readonly checkpoints: number;
  /** How many of them loaded back (every one must). */
  readonly loaded: number;
  /** Sum of the object's values in the last checkpoint. */
  readonly sum: number;
  /** The counter at the end of a run resumed from the middle checkpoint. */
  readonly resumedCounter: number;
}

export interface ConcurrencyResult {
  /** Sum of the task ids. */
  readonly sum: number;
  readonly maxInFlight: number;
}

export interface LongLoopResult {
  readonly count: number;
  readonly supersteps: number;
}

export interface SoakResult {
  readonly runs: number;
  /** Sum of every run's result. */
  readonly total: number;
}

export interface Engine {
  readonly name: EngineName;
  /** What was measured: a package version, or how weft was loaded. */
  readonly version: string;
  /** `length` executors in a line, each count → count + 1, from 0. */
  chain(length: number): Run<ChainResult>;
  /** One start sends 0..width−1, `width` workers map i → 2i, one aggregator sums. */
  fanout(width: number): Run<FanoutResult>;
  /** A and B alternate; A increments a counter; B routes back to A until `limit`. */
  loop(limit: number): Run<LoopResult>;
  /** The loop to `limit` with an object of `keys` numeric keys in state, a checkpoint after every superstep, all kept in memory. */
  checkpoint(limit: number, keys: number): Run<CheckpointRun> | NotRun;
  /** `checkpoint` with the object in state every executor shares (weft: `ctx.shared.update`); absent where an engine has one kind of state. */
  checkpointShared?(limit: number, keys: number): Run<CheckpointRun> | NotRun;
  /** `tasks` tasks, each awaiting a `delayMs` timer, at most `cap` in flight. */
  concurrency(tasks: number, cap: number, delayMs: number): Run<ConcurrencyResult>;
  /** The loop for `supersteps` supersteps (A and B each count one). */
  longLoop(supersteps: number): Run<LongLoopResult> | NotRun;
  /** `runs` runs of a chain of `length`, one after another. */
  soak(runs: number, length: number): Run<SoakResult>;
}

export const isNotRun = (value: unknown): value is NotRun => typeof value === 'object' && value !== null && 'notRun' in value;

/** Sums numbers without allocating. */
export function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** The one element of a list that must hold exactly one; a wrong count becomes NaN, which fails the check. */
export function single(values: readonly unknown[]): number {
  return values.length === 1 && typeof values[0] === 'number' ? values[0] : Number.NaN;
}

/** The object of the checkpoint scenario: keys "0" … "keys−1", all 0. */
export function zeroes(keys: number): Record<string, number> {
  const values: Record<string, number> = {};
  for (let k = 0; k < keys; k++) values[String(k)] = 0;
  return values;
}

/** Counts handlers in flight and remembers the most at once. */
export class InFlight {
  current = 0;
  max = 0;
  enter(): void {
    if (++this.current > this.max) this.max = this.current;
  }
  leave(): void {
    this.current--;
  }
  reset(): void {
    this.current = 0;
    this.max = 0;
  }
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
