// The three overhead scenarios, shared by bench/overhead.ts (timing) and bench/profile.ts (CPU profiles).
// Every handler is synchronous and trivial, so what is measured is weft's own per-superstep cost.
import { z } from 'zod';
import type { RunOptions, ValidationMode, Workflow, WorkflowEvent } from '../src/index.js';

/** The weft API the scenarios use: the TypeScript sources (through tsx) or a production bundle of them. */
export type Weft = typeof import('../src/index.js');

/**
 * `src`: '../src/index.js', transformed on the fly by tsx. Note that tsx compiles with esbuild's `keepNames`,
 * which wraps every function expression in a `__name(fn, "name")` call (an Object.defineProperty per closure
 * created), so closures allocated per invocation cost far more than in the published build.
 * `dist`: src/index.ts bundled by tsup the way the package ships (ESM, node20, no keepNames) into
 * bench/results/weft-dist/, then imported.
 */
export async function loadWeft(target: 'src' | 'dist'): Promise<Weft> {
  if (target === 'src') return import('../src/index.js');
  const { build } = await import('tsup');
  const outDir = new URL('./results/weft-dist/', import.meta.url);
  await build({
    config: false,
    entry: { index: new URL('../src/index.ts', import.meta.url).pathname },
    format: ['esm'],
    target: 'node20',
    treeshake: true,
    sourcemap: true,
    dts: false,
    clean: true,
    silent: true,
    outDir: outDir.pathname,
  });
  return (await import(new URL('index.js', outDir).href)) as Weft;
}

export const CHAIN_LENGTH = 1_000;
export const FANOUT_WIDTH = 1_000;
export const LOOP_LIMIT = 2_000;

export interface Scenario {
  readonly name: 'chain' | 'fanout' | 'loop';
  readonly description: string;
  readonly input: number;
  /** The one output every variant must produce. */
  readonly expected: number;
  /** Supersteps weft needs (the per-superstep cost divides by this). */
  readonly supersteps: number;
  /** Handler invocations weft makes. */
  readonly invocations: number;
  /** Builds the workflow (not timed by the run measurements). */
  readonly build: () => Workflow<number, unknown>;
  /** The same work as a hand-written synchronous loop. */
  readonly raw: (input: number) => number;
  /** The same work as hand-written Promise code: every step is an awaited async function. */
  readonly rawAsync: (input: number) => Promise<number>;
}

const num = z.number();

// Hand-written baselines: one closure per step, called through arrays, so the JIT cannot fold them away.
const FANOUT_INPUT = 3;
const rawChainSteps = Array.from(
  { length: CHAIN_LENGTH },
  () =>
    (n: number): number =>
      n + 1,
);
const rawChainStepsAsync = Array.from(
  { length: CHAIN_LENGTH },
  () =>
    async (n: number): Promise<number> =>
      n + 1,
);
const rawWorkers = Array.from(
  { length: FANOUT_WIDTH },
  (_, k) =>
    (n: number): number =>
      n * k,
);
const rawWorkersAsync = Array.from(
  { length: FANOUT_WIDTH },
  (_, k) =>
    async (n: number): Promise<number> =>
      n * k,
);
const rawA = (n: number): number => n + 1;
const rawB = (n: number): number | undefined => (n < LOOP_LIMIT ? n : undefined);
const rawAAsync = async (n: number): Promise<number> => n + 1;
const rawBAsync = async (n: number): Promise<number | undefined> => (n < LOOP_LIMIT ? n : undefined);

/** The scenarios, built with the given weft module. */
export function createScenarios({ executor, WorkflowBuilder }: Weft): readonly Scenario[] {
  /** chain: 1,000 executors in a line, each n → n + 1; the last one outputs. 0 → 1000, 1,000 supersteps. */
  const chain: Scenario = {
    name: 'chain',
    description: `${CHAIN_LENGTH} executors in a line, each n → n + 1 (0 → ${CHAIN_LENGTH})`,
    input: 0,
    expected: CHAIN_LENGTH,
    supersteps: CHAIN_LENGTH,
    invocations: CHAIN_LENGTH,
    build: () => {
      const steps = Array.from({ length: CHAIN_LENGTH - 1 }, (_, i) =>
        executor({ id: `step-${i}`, input: num, output: num, handle: (n, ctx) => ctx.send(n + 1) }),
      );
      const last = executor({ id: `step-${CHAIN_LENGTH - 1}`, input: num, handle: (n, ctx) => ctx.output(n + 1) });
      const first = steps[0];
      if (first === undefined) throw new Error('CHAIN_LENGTH must be at least 2');
      const builder = new WorkflowBuilder({ name: 'bench-chain', start: first, maxSupersteps: CHAIN_LENGTH + 10 });
      for (let i = 1; i < steps.length; i++) builder.addEdge(steps[i - 1] as (typeof steps)[number], steps[i] as (typeof steps)[number]);
      builder.addEdge(steps[steps.length - 1] as (typeof steps)[number], last);
      return builder.build();
    },
    raw: (input) => {
      // One closure per step, called through an array so the loop is not folded into one addition.
      const steps = rawChainSteps;
      let n = input;
      for (let i = 0; i < steps.length; i++) n = (steps[i] as (n: number) => number)(n);
      return n;
    },
    rawAsync: async (input) => {
      const steps = rawChainStepsAsync;
      let n = input;
      for (let i = 0; i < steps.length; i++) n = await (steps[i] as (n: number) => Promise<number>)(n);
      return n;
    },
  };

  /**
   * fanout: start → addFanOut to 1,000 workers (all receive the same number x) → worker k sends x·k →
   * addFanIn into one aggregator, which outputs the sum. 3 supersteps, 1,002 invocations.
   */
  const fanout: Scenario = {
    name: 'fanout',
    description: `start → fan-out to ${FANOUT_WIDTH} workers (worker k: x → x·k) → fan-in → sum (x = ${FANOUT_INPUT})`,
    input: FANOUT_INPUT,
    expected: (FANOUT_INPUT * FANOUT_WIDTH * (FANOUT_WIDTH - 1)) / 2,
    supersteps: 3,
    invocations: FANOUT_WIDTH + 2,
    build: () => {
      const start = executor({ id: 'start', input: num, output: num, handle: (n, ctx) => ctx.send(n) });
      const workers = Array.from({ length: FANOUT_WIDTH }, (_, k) =>
        executor({ id: `worker-${k}`, input: num, output: num, handle: (n, ctx) => ctx.send(n * k) }),
      );
      const aggregate = executor({
        id: 'aggregate',
        input: z.array(num),
        handle: (values, ctx) => {
          let sum = 0;
          for (const v of values) sum += v;
          ctx.output(sum);
        },
      });
      return new WorkflowBuilder({ name: 'bench-fanout', start }).addFanOut(start, workers).addFanIn(workers, aggregate).build();
    },
    raw: (input) => {
      const values: number[] = [];
      for (let k = 0; k < rawWorkers.length; k++) values.push((rawWorkers[k] as (n: number) => number)(input));
      let sum = 0;
      for (const v of values) sum += v;
      return sum;
    },
    rawAsync: async (input) => {
      const start = async (n: number): Promise<number> => n;
      const x = await start(input);
      const values = await Promise.all(rawWorkersAsync.map((worker) => worker(x)));
      let sum = 0;
      for (const v of values) sum += v;
      return sum;
    },
  };

  /** loop: A (n → n + 1) and B (sends back to A while n < 2,000, else outputs) alternate. 4,000 supersteps. */
  const loop: Scenario = {
    name: 'loop',
    description: `A: n → n + 1, B: back to A while n < ${LOOP_LIMIT}, else output (0 → ${LOOP_LIMIT})`,
    input: 0,
    expected: LOOP_LIMIT,
    supersteps: 2 * LOOP_LIMIT,
    invocations: 2 * LOOP_LIMIT,
    build: () => {
      const a = executor({ id: 'a', input: num, output: num, handle: (n, ctx) => ctx.send(n + 1) });
      const b = executor({
        id: 'b',
        input: num,
        output: num,
        handle: (n, ctx) => {
          if (n < LOOP_LIMIT) ctx.send(n);
          else ctx.output(n);
        },
      });
      return new WorkflowBuilder({ name: 'bench-loop', start: a, maxSupersteps: 2 * LOOP_LIMIT + 10 }).addEdge(a, b).addEdge(b, a).build();
    },
    raw: (input) => {
      let n = input;
      for (;;) {
        n = rawA(n);
        const back = rawB(n);
        if (back === undefined) return n;
        n = back;
      }
    },
    rawAsync: async (input) => {
      let n = input;
      for (;;) {
        n = await rawAAsync(n);
        const back = await rawBAsync(n);
        if (back === undefined) return n;
        n = back;
      }
    },
  };

  return [chain, fanout, loop];
}

/** What one weft run reports back, for the correctness check. */
export interface WeftOutcome {
  readonly outputs: readonly unknown[];
  readonly supersteps: number;
  /** Events received (stream only). */
  readonly events: number;
}

/** `workflow.run()`: no event subscriber, so the engine builds no events at all. */
export async function runOnce(workflow: Workflow<number, unknown>, input: number, validate: ValidationMode): Promise<WeftOutcome> {
  const result = await workflow.run(input, { validate });
  return { outputs: result.outputs, supersteps: result.supersteps, events: 0 };
}

/** `workflow.stream()`, every event consumed by a subscriber. */
export function streamOnce(workflow: Workflow<number, unknown>, input: number, validate: ValidationMode): Promise<WeftOutcome> {
  const options: RunOptions = { validate };
  return new Promise((resolve, reject) => {
    let events = 0;
    let outputs: readonly unknown[] = [];
    let supersteps = 0;
    workflow.stream(input, options).subscribe({
      next: (event: WorkflowEvent) => {
        events++;
        if (event.type === 'superstep.completed') supersteps = event.superstep;
        else if (event.type === 'run.completed') outputs = event.outputs;
      },
      error: reject,
      complete: () => resolve({ outputs, supersteps, events }),
    });
  });
}
