// The peer scenarios: their sizes, and the exact result every engine must produce before any time counts.
// Used by bench/run.ts (full sizes) and test/bench/scenarios.test.ts (small sizes).
import type {
  ChainResult,
  CheckpointInspection,
  ConcurrencyResult,
  EngineName,
  FanoutResult,
  LongLoopResult,
  LoopResult,
  SoakResult,
} from '../engines/engine.js';

export type ScenarioName = 'chain' | 'fanout' | 'loop' | 'checkpoint' | 'checkpoint shared' | 'concurrency' | 'long loop' | 'soak';

export interface Sizes {
  readonly chain: { readonly length: number };
  readonly fanout: { readonly width: number };
  readonly loop: { readonly limit: number };
  readonly checkpoint: { readonly limit: number; readonly keys: number };
  readonly concurrency: { readonly tasks: number; readonly cap: number; readonly delayMs: number };
  readonly longLoop: { readonly supersteps: number };
  readonly soak: { readonly runs: number; readonly length: number };
}

/** The sizes of the issue. */
export const FULL: Sizes = {
  chain: { length: 1_000 },
  fanout: { width: 1_000 },
  loop: { limit: 2_000 },
  checkpoint: { limit: 500, keys: 10_000 },
  concurrency: { tasks: 500, cap: 50, delayMs: 2 },
  longLoop: { supersteps: 100_000 },
  soak: { runs: 10_000, length: 10 },
};

/** Small sizes, so the tests check every scenario of every engine in seconds. */
export const SMALL: Sizes = {
  chain: { length: 20 },
  fanout: { width: 20 },
  loop: { limit: 40 },
  checkpoint: { limit: 10, keys: 100 },
  concurrency: { tasks: 20, cap: 5, delayMs: 1 },
  longLoop: { supersteps: 1_000 },
  soak: { runs: 20, length: 10 },
};

export const expectChain = ({ length }: Sizes['chain']): ChainResult => ({ count: length });

/** Σ 2i for i < width. */
export const expectFanout = ({ width }: Sizes['fanout']): FanoutResult => ({ sum: width * (width - 1) });

export const expectLoop = ({ limit }: Sizes['loop']): LoopResult => ({ count: limit });

/**
 * Checkpoints each engine keeps for a loop to `limit` (2·limit supersteps):
 * weft saves one before the first superstep and one after each; the hand-written loop does the same;
 * LangGraph saves one for the input (step −1), one for its START step and one after each node step.
 */
export function expectedCheckpoints(engine: EngineName, limit: number): number {
  switch (engine) {
    case 'weft':
    case 'raw':
      return 2 * limit + 1;
    case 'langgraph':
      return 2 * limit + 2;
    case 'mastra':
    case 'adk':
      return Number.NaN; // not run: one snapshot per run (Mastra), no per-superstep checkpoint (ADK)
  }
}

/** The object starts all 0; A sets key counter % keys = counter for counter = 1 … limit. */
export function checkpointSum({ limit, keys }: Sizes['checkpoint']): number {
  const values = new Map<number, number>();
  for (let counter = 1; counter <= limit; counter++) values.set(counter % keys, counter);
  let total = 0;
  for (const v of values.values()) total += v;
  return total;
}

export interface CheckpointCheck extends CheckpointInspection {
  readonly counter: number;
}

export const expectCheckpoint = (engine: EngineName, size: Sizes['checkpoint']): CheckpointCheck => {
  const checkpoints = expectedCheckpoints(engine, size.limit);
  return { counter: size.limit, checkpoints, loaded: checkpoints, sum: checkpointSum(size), resumedCounter: size.limit };
};

/** Σ ids, and the cap reached but never exceeded. */
export const expectConcurrency = ({ tasks, cap }: Sizes['concurrency']): ConcurrencyResult => ({
  sum: (tasks * (tasks - 1)) / 2,
  maxInFlight: Math.min(tasks, cap),
});

export const expectLongLoop = ({ supersteps }: Sizes['longLoop']): LongLoopResult => ({ count: supersteps / 2, supersteps });

export const expectSoak = ({ runs, length }: Sizes['soak']): SoakResult => ({ runs, total: runs * length });

/** The differences between what an engine produced and what it must, field by field; empty when exact. */
export function differences(actual: object, expected: object): string[] {
  const problems: string[] = [];
  for (const [key, want] of Object.entries(expected)) {
    const got = (actual as Record<string, unknown>)[key];
    if (!Object.is(got, want)) problems.push(`${key} = ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
  return problems;
}
