// weft: every scenario as a workflow, run with `workflow.run()` and the defaults (validate: 'all', no events
// built because nothing subscribes). The weft module is passed in, so the runner can measure src/ or the bundle.
import { z } from 'zod';
import type { Checkpoint, Executor } from '../../src/index.js';
import { delay, InFlight, single, sum, zeroes, type CheckpointRun, type Engine, type Run } from './engine.js';

/** The weft API: '../../src/index.js', or a tsup bundle of it (see bench/scenarios.ts `loadWeft`). */
export type Weft = typeof import('../../src/index.js');

const num = z.number();

export function createWeftEngine(weft: Weft, version = 'src/'): Engine {
  const { executor, WorkflowBuilder, MemoryCheckpointStore, loadCheckpoint } = weft;

  /** `length` executors in a line (`addEdge`), each n → n + 1; the last one outputs. */
  const buildChain = (length: number) => {
    const steps = Array.from({ length: length - 1 }, (_, i) =>
      executor({ id: `step-${i}`, input: num, output: num, handle: (n, ctx) => ctx.send(n + 1) }),
    );
    const last = executor({ id: `step-${length - 1}`, input: num, handle: (n, ctx) => ctx.output(n + 1) });
    const builder = new WorkflowBuilder({ name: 'chain', start: steps[0] ?? last, maxSupersteps: length + 10 });
    for (let i = 1; i < steps.length; i++) builder.addEdge(steps[i - 1] as (typeof steps)[number], steps[i] as (typeof steps)[number]);
    if (steps.length > 0) builder.addEdge(steps[steps.length - 1] as (typeof steps)[number], last);
    else builder.addExecutor(last);
    return builder.build();
  };

  const chain = (length: number): Run<{ count: number }> => {
    const workflow = buildChain(length);
    return async () => ({ count: single((await workflow.run(0)).outputs) });
  };

  /** start sends 0 … width−1; a selecting fan-out delivers i to worker i; worker i sends 2i; a fan-in hands the aggregator all of them. */
  const fanout = (width: number): Run<{ sum: number }> => {
    const start = executor({
      id: 'start',
      input: num,
      output: num,
      handle: (n, ctx) => {
        for (let i = 0; i < n; i++) ctx.send(i);
      },
    });
    const workers = Array.from({ length: width }, (_, k) =>
      executor({ id: `worker-${k}`, input: num, output: num, handle: (i, ctx) => ctx.send(2 * i) }),
    );
    const aggregate = executor({ id: 'aggregate', input: z.array(num), handle: (values, ctx) => ctx.output(sum(values)) });
    const workflow = new WorkflowBuilder({ name: 'fanout', start })
      .addFanOut(start, workers, { select: (i: number, targets) => targets[i] as string })
      .addFanIn(workers, aggregate)
      .build();
    return async () => ({ sum: single((await workflow.run(width)).outputs) });
  };

  /** A (n → n + 1, unless another A is given) ⇄ B (back to A while n < limit, else output). */
  const buildLoop = (
    limit: number,
    maxSupersteps: number,
    a: Executor<number, number, any> = executor({ id: 'a', input: num, output: num, handle: (n, ctx) => ctx.send(n + 1) }),
    name = 'loop',
  ) => {
    const b = executor({
      id: 'b',
      input: num,
      output: num,
      handle: (n, ctx) => {
        if (n < limit) ctx.send(n);
        else ctx.output(n);
      },
    });
    return new WorkflowBuilder({ name, start: a, maxSupersteps }).addEdge(a, b).addEdge(b, a).build();
  };

  const loop = (limit: number): Run<{ count: number }> => {
    const workflow = buildLoop(limit, 2 * limit + 10);
    return async () => ({ count: single((await workflow.run(0)).outputs) });
  };

  /**
   * The loop with an object of `keys` keys in state; A sets values[counter % keys] = counter. Delta checkpoints
   * (the default). `executor`: A's own state `{ values }`, `ctx.setState`; `shared`: the shared key `values`,
   * set by A's first invocation, then `ctx.shared.update`.
   */
  const checkpointOf = (kind: 'executor' | 'shared', limit: number, keys: number): Run<CheckpointRun> => {
    const a =
      kind === 'executor'
        ? executor({
            id: 'a',
            input: num,
            output: num,
            initialState: { values: zeroes(keys) },
            handle: (n, ctx) => {
              const counter = n + 1;
              ctx.setState((state) => {
                state.values[String(counter % keys)] = counter;
              });
              ctx.send(counter);
            },
          })
        : executor({
            id: 'a',
            input: num,
            output: num,
            handle: (n, ctx) => {
              const counter = n + 1;
              if (!ctx.shared.has('values')) ctx.shared.set('values', zeroes(keys));
              ctx.shared.update<Record<string, number>>('values', (values) => {
                values[String(counter % keys)] = counter;
              });
              ctx.send(counter);
            },
          });
    const workflow = buildLoop(limit, 2 * limit + 10, a, 'checkpoint');
    const valuesOf = (checkpoint: Checkpoint): Record<string, number> =>
      kind === 'executor'
        ? (checkpoint.executorStates['a'] as { values: Record<string, number> }).values
        : (checkpoint.shared['values'] as Record<string, number>);
    return async () => {
      const store = new MemoryCheckpointStore();
      const result = await workflow.run(0, { checkpoints: store });
      return {
        counter: single(result.outputs),
        inspect: async () => {
          const kept = await store.list(result.runId);
          let loaded = 0;
          for (const stored of kept) if ((await loadCheckpoint(store, stored.id)).superstep === stored.superstep) loaded++;
          const last = await loadCheckpoint(store, result.checkpointId as string);
          const middle = await loadCheckpoint(store, (kept[kept.length >> 1] ?? kept[0])?.id as string);
          const resumed = await workflow.resume(middle); // no store: the fork is not saved
          return { checkpoints: kept.length, loaded, sum: sum(Object.values(valuesOf(last))), resumedCounter: single(resumed.outputs) };
        },
      };
    };
  };

  const checkpoint = (limit: number, keys: number): Run<CheckpointRun> => checkpointOf('executor', limit, keys);
  const checkpointShared = (limit: number, keys: number): Run<CheckpointRun> => checkpointOf('shared', limit, keys);

  /** start sends `tasks` ids to one executor with `concurrency: cap`; each invocation awaits a timer and outputs its id. */
  const concurrency = (tasks: number, cap: number, delayMs: number): Run<{ sum: number; maxInFlight: number }> => {
    const inFlight = new InFlight();
    const start = executor({
      id: 'start',
      input: num,
      output: num,
      handle: (n, ctx) => {
        for (let id = 0; id < n; id++) ctx.send(id);
      },
    });
    const task = executor({
      id: 'task',
      input: num,
      concurrency: cap,
      handle: async (id, ctx) => {
        inFlight.enter();
        await delay(delayMs);
        inFlight.leave();
        ctx.output(id);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'concurrency', start }).addEdge(start, task).build();
    return async () => {
      inFlight.reset();
      const result = await workflow.run(tasks);
      return { sum: sum(result.outputs.map((o) => (typeof o === 'number' ? o : Number.NaN))), maxInFlight: inFlight.max };
    };
  };

  const longLoop = (supersteps: number): Run<{ count: number; supersteps: number }> => {
    const workflow = buildLoop(supersteps / 2, supersteps + 10);
    return async () => {
      const result = await workflow.run(0);
      return { count: single(result.outputs), supersteps: result.supersteps };
    };
  };

  const soak = (runs: number, length: number): Run<{ runs: number; total: number }> => {
    const workflow = buildChain(length);
    return async () => {
      let total = 0;
      for (let r = 0; r < runs; r++) total += single((await workflow.run(0)).outputs);
      return { runs, total };
    };
  };

  return { name: 'weft', version, chain, fanout, loop, checkpoint, checkpointShared, concurrency, longLoop, soak };
}
