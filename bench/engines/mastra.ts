// Mastra (@mastra/core workflows, pinned in bench/package.json): createStep / createWorkflow, `.then`,
// `.foreach`, `.dountil`; a run is `(await workflow.createRunAsync()).start({ inputData })` (1.x: `createRun()`). No Mastra instance,
// so no storage: nothing is persisted in any scenario.
//
// @mastra/core 0.24.x is the last line whose `engines` allows Node 20 (1.x needs Node ≥ 22.13): the Node 24 bench
// (bench/node24) runs this same code on Mastra 1.x through `createMastraEngine`, whose run is `createRun()`.
import * as workflows from '@mastra/core/workflows';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { delay, InFlight, sum, type Engine, type Run } from './engine.js';

/** What the engine uses of `@mastra/core/workflows` (0.24's types; 1.x has the same shape for these two). */
export type MastraWorkflows = Pick<typeof workflows, 'createStep' | 'createWorkflow'>;

/** A committed workflow: 0.24 creates a run with `createRunAsync()`, 1.x with `createRun()`. */
interface Committed {
  createRunAsync?(): unknown;
  createRun?(): unknown;
}

/** Runs a committed workflow once and returns its result, failing on any other status. */
async function start<T, TInput>(workflow: Committed, inputData: TInput): Promise<T> {
  const create = workflow.createRunAsync ?? workflow.createRun;
  if (create === undefined) throw new Error('Mastra workflow has neither createRunAsync() nor createRun()');
  const run = (await create.call(workflow)) as { start(args: { inputData?: TInput }): Promise<unknown> };
  const outcome = (await run.start({ inputData })) as { status: string; result?: unknown; error?: unknown };
  if (outcome.status !== 'success') throw new Error(`Mastra run ended ${outcome.status}: ${String(outcome.error)}`);
  return outcome.result as T;
}

/** The Mastra engine on a given copy of `@mastra/core/workflows`; `version` is what the table shows. */
export function createMastraEngine(module: MastraWorkflows, version: string): Engine {
  const { createStep, createWorkflow } = module;

  const count = z.object({ count: z.number() });

  const increment = (id: string) =>
    createStep({ id, inputSchema: count, outputSchema: count, execute: async ({ inputData }) => ({ count: inputData.count + 1 }) });

  /** `length` steps chained with `.then`, each count → count + 1. */
  function buildChain(length: number) {
    // The step list is built at run time, so the fluent builder is used through its loosest type.
    let workflow = createWorkflow({ id: `chain-${length}`, inputSchema: count, outputSchema: count }) as unknown as {
      then(step: unknown): typeof workflow;
      commit(): unknown;
    };
    for (let i = 0; i < length; i++) workflow = workflow.then(increment(`step-${i}`));
    return workflow.commit() as Committed;
  }

  function chain(length: number): Run<{ count: number }> {
    const workflow = buildChain(length);
    return async () => ({ count: (await start<{ count: number }, { count: number }>(workflow, { count: 0 })).count });
  }

  const listIds = createStep({
    id: 'start',
    inputSchema: z.object({ n: z.number() }),
    outputSchema: z.array(z.number()),
    execute: async ({ inputData }) => Array.from({ length: inputData.n }, (_, i) => i),
  });
  // `.foreach` in 0.24.9 keeps an item's output only when it is truthy (`if (result?.output)`), so a bare 0 would
  // become a hole in the array: items come back wrapped in an object.
  const item = z.object({ value: z.number() });
  const aggregate = createStep({
    id: 'aggregate',
    inputSchema: z.array(item),
    outputSchema: z.object({ sum: z.number() }),
    execute: async ({ inputData }) => ({ sum: sum(inputData.map((i) => i.value)) }),
  });

  /** Mastra's map-reduce: a start step returns 0 … width−1, `.foreach` runs the worker on each (all at once), then the aggregator sums. */
  function fanout(width: number): Run<{ sum: number }> {
    const worker = createStep({
      id: 'worker',
      inputSchema: z.number(),
      outputSchema: item,
      execute: async ({ inputData }) => ({ value: 2 * inputData }),
    });
    const workflow = createWorkflow({ id: 'fanout', inputSchema: z.object({ n: z.number() }), outputSchema: aggregate.outputSchema })
      .then(listIds)
      .foreach(worker, { concurrency: width })
      .then(aggregate)
      .commit();
    return async () => ({ sum: (await start<{ sum: number }, { n: number }>(workflow, { n: width })).sum });
  }

  /**
   * `.dountil` over a nested workflow of two steps, A (count + 1) then B (passes the count on); the loop
   * condition routes back until the limit. (A `.dountil` over A alone, with the condition playing B, runs half
   * the steps: see bench/README.md.)
   */
  function loop(limit: number): Run<{ count: number }> {
    const a = increment('a');
    const b = createStep({ id: 'b', inputSchema: count, outputSchema: count, execute: async ({ inputData }) => inputData });
    const body = createWorkflow({ id: 'a-then-b', inputSchema: count, outputSchema: count }).then(a).then(b).commit();
    const workflow = createWorkflow({ id: 'loop', inputSchema: count, outputSchema: count })
      .dountil(
        // @ts-expect-error Mastra's types are not written for exactOptionalPropertyTypes: a Workflow's optional `description` does not fit Step's.
        body,
        async ({ inputData }) => inputData.count >= limit,
      )
      .commit();
    return async () => ({ count: (await start<{ count: number }, { count: number }>(workflow, { count: 0 })).count });
  }

  /** `.foreach` with `{ concurrency: cap }` over the task ids; each step awaits a timer. */
  function concurrency(tasks: number, cap: number, delayMs: number): Run<{ sum: number; maxInFlight: number }> {
    const inFlight = new InFlight();
    const task = createStep({
      id: 'task',
      inputSchema: z.number(),
      outputSchema: item,
      execute: async ({ inputData }) => {
        inFlight.enter();
        await delay(delayMs);
        inFlight.leave();
        return { value: inputData };
      },
    });
    const workflow = createWorkflow({ id: 'concurrency', inputSchema: z.object({ n: z.number() }), outputSchema: aggregate.outputSchema })
      .then(listIds)
      .foreach(task, { concurrency: cap })
      .then(aggregate)
      .commit();
    return async () => {
      inFlight.reset();
      const result = await start<{ sum: number }, { n: number }>(workflow, { n: tasks });
      return { sum: result.sum, maxInFlight: inFlight.max };
    };
  }

  function soak(runs: number, length: number): Run<{ runs: number; total: number }> {
    const workflow = buildChain(length);
    return async () => {
      let total = 0;
      for (let r = 0; r < runs; r++) total += (await start<{ count: number }, { count: number }>(workflow, { count: 0 })).count;
      return { runs, total };
    };
  }

  return {
    name: 'mastra',
    version: `@mastra/core ${version}`,
    chain,
    fanout,
    loop,
    checkpoint: () => ({
      notRun: 'Mastra keeps one snapshot per run (storage upserts it by workflow and run id after each step), so it cannot keep every checkpoint',
    }),
    concurrency,
    longLoop: () => ({ notRun: 'the long loop is defined for weft and raw only' }),
    soak,
  };
}

export const engine: Engine = createMastraEngine(
  workflows,
  (createRequire(import.meta.url)('@mastra/core/package.json') as { version: string }).version,
);
