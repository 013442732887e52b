// LangGraph.js (@langchain/langgraph, pinned in bench/package.json): every scenario as a StateGraph, run with
// `graph.invoke()`. No checkpointer except in the checkpoint scenario, which uses MemorySaver.
// `createLangGraphEngine` takes the module, so the Node 24 bench (bench/node24) runs the same code on its own copy.
import * as langgraph from '@langchain/langgraph';
import { createRequire } from 'node:module';
import { delay, InFlight, sum, zeroes, type CheckpointRun, type Engine, type Run } from './engine.js';

/** The LangGraph module the engine runs on. */
export type LangGraph = typeof langgraph;

/** The LangGraph engine on a given copy of `@langchain/langgraph`; `version` is what the table shows. */
export function createLangGraphEngine(module: LangGraph, version: string): Engine {
  const { Annotation, END, MemorySaver, Send, START, StateGraph } = module;

  const CountState = Annotation.Root({ count: Annotation<number> });
  type Count = typeof CountState.State;

  /** `length` nodes in a line, each count → count + 1. */
  function buildChain(length: number) {
    // Node names are only known at run time, so the graph is built through a loosely typed view of the builder.
    const graph = new StateGraph(CountState) as unknown as langgraph.StateGraph<typeof CountState.spec, Count, Partial<Count>, string>;
    for (let i = 0; i < length; i++) graph.addNode(`step-${i}`, (state: Count) => ({ count: state.count + 1 }));
    graph.addEdge(START, 'step-0');
    for (let i = 1; i < length; i++) graph.addEdge(`step-${i - 1}`, `step-${i}`);
    graph.addEdge(`step-${length - 1}`, END);
    return graph.compile();
  }

  function chain(length: number): Run<{ count: number }> {
    const graph = buildChain(length);
    return async () => ({ count: (await graph.invoke({ count: 0 }, { recursionLimit: length + 10 })).count });
  }

  const FanoutState = Annotation.Root({
    width: Annotation<number>,
    doubled: Annotation<number[]>({ reducer: (all, more) => all.concat(more), default: () => [] }),
    sum: Annotation<number>,
  });

  /** LangGraph's map-reduce: START sends one `Send('worker', { i })` per item; the reducer collects 2i; the aggregator sums. */
  function fanout(width: number): Run<{ sum: number }> {
    const graph = new StateGraph(FanoutState)
      .addNode('worker', (input: { i: number }) => ({ doubled: [2 * input.i] }))
      .addNode('aggregate', (state) => ({ sum: sum(state.doubled) }))
      .addConditionalEdges(START, (state) => Array.from({ length: state.width }, (_, i) => new Send('worker', { i })))
      .addEdge('worker', 'aggregate')
      .addEdge('aggregate', END)
      .compile();
    return async () => ({ sum: (await graph.invoke({ width })).sum });
  }

  /** A increments; B is a node whose conditional edge routes back to A until the limit. */
  function loop(limit: number): Run<{ count: number }> {
    const graph = new StateGraph(CountState)
      .addNode('a', (state) => ({ count: state.count + 1 }))
      .addNode('b', () => ({}))
      .addEdge(START, 'a')
      .addEdge('a', 'b')
      .addConditionalEdges('b', (state) => (state.count < limit ? 'a' : END))
      .compile();
    return async () => ({ count: (await graph.invoke({ count: 0 }, { recursionLimit: 2 * limit + 10 })).count });
  }

  const CheckpointState = Annotation.Root({ counter: Annotation<number>, values: Annotation<Record<string, number>> });

  /** The loop with `values` in state, a MemorySaver checkpointer (one checkpoint per superstep, all kept). */
  function checkpoint(limit: number, keys: number): Run<CheckpointRun> {
    const initial = Object.freeze(zeroes(keys));
    const recursionLimit = 2 * limit + 10;
    let thread = 0;
    const build = (saver: langgraph.MemorySaver) =>
      new StateGraph(CheckpointState)
        .addNode('a', (state) => {
          const counter = state.counter + 1;
          // State is immutable between steps (checkpoints hold it): a new object with one key changed.
          return { counter, values: { ...state.values, [String(counter % keys)]: counter } };
        })
        .addNode('b', () => ({}))
        .addEdge(START, 'a')
        .addEdge('a', 'b')
        .addConditionalEdges('b', (state) => (state.counter < limit ? 'a' : END))
        .compile({ checkpointer: saver });
    return async () => {
      const saver = new MemorySaver();
      const graph = build(saver);
      const config = { configurable: { thread_id: `thread-${thread++}` }, recursionLimit };
      const result = await graph.invoke({ counter: 0, values: initial }, config);
      return {
        counter: result.counter,
        inspect: async () => {
          const ids: string[] = [];
          let loaded = 0;
          for await (const tuple of saver.list(config)) {
            const id = tuple.config.configurable?.['checkpoint_id'] as string;
            ids.push(id);
            const again = await saver.getTuple({ configurable: { ...config.configurable, checkpoint_id: id } });
            if (again?.checkpoint.id === id) loaded++;
          }
          const last = await graph.getState(config);
          const middle = ids[ids.length >> 1] as string; // list() is newest first
          const resumed = await graph.invoke(null, { configurable: { ...config.configurable, checkpoint_id: middle }, recursionLimit });
          return {
            checkpoints: ids.length,
            loaded,
            sum: sum(Object.values((last.values as typeof CheckpointState.State).values)),
            resumedCounter: resumed.counter,
          };
        },
      };
    };
  }

  const TaskState = Annotation.Root({
    tasks: Annotation<number>,
    ids: Annotation<number[]>({ reducer: (all, more) => all.concat(more), default: () => [] }),
  });

  /** One `Send` per task to one async node; `maxConcurrency` caps the tasks LangGraph runs at once. */
  function concurrency(tasks: number, cap: number, delayMs: number): Run<{ sum: number; maxInFlight: number }> {
    const inFlight = new InFlight();
    const graph = new StateGraph(TaskState)
      .addNode('task', async (input: { id: number }) => {
        inFlight.enter();
        await delay(delayMs);
        inFlight.leave();
        return { ids: [input.id] };
      })
      .addConditionalEdges(START, (state) => Array.from({ length: state.tasks }, (_, id) => new Send('task', { id })))
      .addEdge('task', END)
      .compile();
    return async () => {
      inFlight.reset();
      const result = await graph.invoke({ tasks }, { maxConcurrency: cap });
      return { sum: sum(result.ids), maxInFlight: inFlight.max };
    };
  }

  function soak(runs: number, length: number): Run<{ runs: number; total: number }> {
    const graph = buildChain(length);
    return async () => {
      let total = 0;
      for (let r = 0; r < runs; r++) total += (await graph.invoke({ count: 0 }, { recursionLimit: length + 10 })).count;
      return { runs, total };
    };
  }

  return {
    name: 'langgraph',
    version: `@langchain/langgraph ${version}`,
    chain,
    fanout,
    loop,
    checkpoint,
    concurrency,
    longLoop: () => ({ notRun: 'the long loop is defined for weft and raw only' }),
    soak,
  };
}

export const engine: Engine = createLangGraphEngine(
  langgraph,
  (createRequire(import.meta.url)('@langchain/langgraph/package.json') as { version: string }).version,
);
