// Google's ADK-TS (@google/adk 2.x, pinned in bench/node24/package.json): every scenario it can express as a graph
// `Workflow` of `FunctionNode`s, run with an `InMemoryRunner` (`runEphemeral`: a throwaway in-memory session per
// run). Chains are edges `['START', a, b, …]`; the map-reduce is a `ParallelWorker` (one inner node run per list
// item, bounded by `maxParallelWorkers`); the loop is a routing map (`ctx.route`) from B back to A.
import { FunctionNode, InMemoryRunner, LogLevel, ParallelWorker, setLogLevel, Workflow, type Event, type NodeContext } from '@google/adk';
import { createRequire } from 'node:module';
import { delay, InFlight, sum, type Engine, type Run } from '../../engines/engine.js';

// ADK warns at every Workflow built that the class is experimental; the bench prints errors only.
setLogLevel(LogLevel.ERROR);

const version = (createRequire(import.meta.url)('@google/adk/package.json') as { version: string }).version;

/** Node inputs: the first node of a run gets the user's message, every later one the previous node's output. */
const asCount = (input: unknown): number => (typeof input === 'number' ? input : 0);

/**
 * Runs the workflow once in a fresh in-memory session and returns the output of the node named `last`; a node
 * error event, or no output from `last`, fails the run.
 */
async function start(runner: InMemoryRunner, last: string): Promise<unknown> {
  let output: unknown;
  let seen = false;
  const events: AsyncGenerator<Event> = runner.runEphemeral({ userId: 'bench', newMessage: { role: 'user', parts: [{ text: 'start' }] } });
  for await (const event of events) {
    if (event.errorCode !== undefined || event.errorMessage !== undefined)
      throw new Error(`ADK node ${event.author ?? '?'} failed: ${event.errorCode ?? ''} ${event.errorMessage ?? ''}`);
    if (event.author === last && event.output !== undefined) {
      output = event.output;
      seen = true;
    }
  }
  if (!seen) throw new Error(`ADK run ended without an output from ${last}`);
  return output;
}

const workflow = (name: string, edges: ConstructorParameters<typeof Workflow>[0]['edges']): InMemoryRunner =>
  new InMemoryRunner({ agent: new Workflow({ name, edges: edges ?? [] }), appName: `bench_${name}` });

const increment = (name: string): FunctionNode => new FunctionNode(name, (_ctx: NodeContext, input: unknown) => asCount(input) + 1);

/** `length` function nodes in a line (`['START', step_0, …]`), each count → count + 1. */
function buildChain(length: number): InMemoryRunner {
  const steps = Array.from({ length }, (_, i) => increment(`step_${i}`));
  return workflow(`chain_${length}`, [['START', ...steps]]);
}

function chain(length: number): Run<{ count: number }> {
  const runner = buildChain(length);
  return async () => ({ count: asCount(await start(runner, `step_${length - 1}`)) });
}

/** A start node returns 0 … width−1; a ParallelWorker runs the worker on every item at once; the aggregator sums. */
function fanout(width: number): Run<{ sum: number }> {
  const items = new FunctionNode('start', () => Array.from({ length: width }, (_, i) => i));
  const workers = new ParallelWorker(new FunctionNode('worker', (_ctx: NodeContext, i: unknown) => 2 * asCount(i)), {
    maxParallelWorkers: Number.POSITIVE_INFINITY,
  });
  const aggregate = new FunctionNode('aggregate', (_ctx: NodeContext, outputs: unknown) => sum(outputs as number[]));
  const runner = workflow('fanout', [['START', items, workers, aggregate]]);
  return async () => ({ sum: asCount(await start(runner, 'aggregate')) });
}

/** A increments; B sets the route: `again` back to A until the limit, then `done` to a node that outputs the count. */
function loop(limit: number): Run<{ count: number }> {
  const a = increment('a');
  const b = new FunctionNode('b', (ctx: NodeContext, input: unknown) => {
    const count = asCount(input);
    ctx.route = count < limit ? 'again' : 'done';
    return count;
  });
  const done = new FunctionNode('done', (_ctx: NodeContext, input: unknown) => asCount(input));
  const runner = workflow('loop', [
    ['START', a, b],
    [b, { again: a, done }],
  ]);
  return async () => ({ count: asCount(await start(runner, 'done')) });
}

/** The map-reduce with `maxParallelWorkers: cap`; each task awaits a timer. */
function concurrency(tasks: number, cap: number, delayMs: number): Run<{ sum: number; maxInFlight: number }> {
  const inFlight = new InFlight();
  const items = new FunctionNode('start', () => Array.from({ length: tasks }, (_, i) => i));
  const pool = new ParallelWorker(
    new FunctionNode('task', async (_ctx: NodeContext, id: unknown) => {
      inFlight.enter();
      await delay(delayMs);
      inFlight.leave();
      return asCount(id);
    }),
    { maxParallelWorkers: cap },
  );
  const aggregate = new FunctionNode('aggregate', (_ctx: NodeContext, outputs: unknown) => sum(outputs as number[]));
  const runner = workflow('concurrency', [['START', items, pool, aggregate]]);
  return async () => {
    inFlight.reset();
    const total = asCount(await start(runner, 'aggregate'));
    return { sum: total, maxInFlight: inFlight.max };
  };
}

function soak(runs: number, length: number): Run<{ runs: number; total: number }> {
  const runner = buildChain(length);
  return async () => {
    let total = 0;
    for (let r = 0; r < runs; r++) total += asCount(await start(runner, `step_${length - 1}`));
    return { runs, total };
  };
}

export const engine: Engine = {
  name: 'adk',
  version: `@google/adk ${version}`,
  chain,
  fanout,
  loop,
  checkpoint: () => ({
    notRun:
      "ADK 2.0's Workflow keeps a session's events and resumes after a human-input interrupt; it has no checkpoint per superstep to load back or resume from",
  }),
  concurrency,
  longLoop: () => ({ notRun: 'the long loop is defined for weft and raw only' }),
  soak,
};
