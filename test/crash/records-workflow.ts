// The workflows of the invocation-record crash test (records.test.ts), shared by the test (for the uninterrupted
// reference run) and the child process (records-worker.ts). Every side effect goes through `hooks.effect`, and one
// chosen invocation hangs while `hooks.hang` says so: the child is killed while it hangs.
import { z } from 'zod';
import { WorkflowBuilder, executor, loop, parallel, pipeline, type StageContext, type Workflow } from 'weft';

/** Set by the child process: where side effects go, and which invocation never finishes in the killed run. */
export const hooks: { effect: (line: string) => void; hang: (what: string) => boolean } = {
  effect: () => undefined,
  hang: () => false,
};

/** Never settles, but keeps the process alive until it is killed. */
const forever = (): Promise<never> => new Promise(() => setInterval(() => undefined, 60_000));
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const num = z.number();

/** A step with an external side effect, written with its invocation id (the idempotency key a real step would use). */
const effectful = (id: string, transform: (n: number) => number) =>
  executor({
    id,
    input: num,
    output: num,
    handle: async (n, ctx) => {
      await turn();
      if (hooks.hang(`${id}:${n}`)) await forever();
      hooks.effect(`${id} ${n} ${ctx.invocationId}`);
      // One key per executor: a replayed update applies the patches it made (see docs/concepts/checkpoints.md).
      ctx.shared.update<number[]>(`seen-${id}`, (seen) => [...(seen ?? []), n]);
      ctx.send(transform(n));
    },
  });

const begin = executor({ id: 'begin', input: num, output: num, handle: (n, ctx) => ctx.send(n) });
const finish = executor({ id: 'finish', input: z.unknown(), handle: (value, ctx) => ctx.output(value) });

/** begin → four workers at once (broadcast) → a fan-in → finish. */
function fanOut(): Workflow<number, unknown> {
  const workers = [1, 2, 3, 4].map((k) => effectful(`worker-${k}`, (n) => n * 10 + k));
  return new WorkflowBuilder({ name: 'records-fanout', start: begin }).addFanOut(begin, workers).addFanIn(workers, finish).build() as Workflow<
    number,
    unknown
  >;
}

/** begin → parallel(four branches) → finish. */
function parallelBranches(): Workflow<number, unknown> {
  const node = parallel(
    [1, 2, 3, 4].map((k) => effectful(`branch-${k}`, (n) => n * 10 + k)) as [ReturnType<typeof effectful>, ...ReturnType<typeof effectful>[]],
    { id: 'branches' },
  );
  return new WorkflowBuilder({ name: 'records-parallel', start: begin }).addEdge(begin, node).addEdge(node, finish).build() as unknown as Workflow<
    number,
    unknown
  >;
}

/** begin → loop(body, 10 iterations) → finish; the body adds one and writes a side effect. */
function tenIterations(): Workflow<number, unknown> {
  const node = loop(
    effectful('body', (n) => n + 1),
    { id: 'ten', until: () => false, maxIterations: 10 },
  );
  return new WorkflowBuilder({ name: 'records-loop', start: begin }).addEdge(begin, node).addEdge(node, finish).build() as unknown as Workflow<
    number,
    unknown
  >;
}

/** spread n into four items → pipeline(two stages, the first with a side effect) → finish. */
function pipelineItems(): Workflow<number, unknown> {
  const spread = executor({
    id: 'spread',
    input: num,
    output: z.array(num),
    handle: (n, ctx) => ctx.send([1, 2, 3, 4].map((k) => n + k)),
  });
  const node = pipeline(
    [
      async function fetch(n: number, ctx: StageContext) {
        await turn();
        if (hooks.hang(`item:${n}`)) await forever();
        hooks.effect(`item-${ctx.index} ${n} ${ctx.invocationId}`);
        return n * 10;
      },
      (n: number) => n + 1,
    ],
    { id: 'items' },
  );
  return new WorkflowBuilder({ name: 'records-pipeline', start: spread }).addEdge(spread, node).addEdge(node, finish).build() as unknown as Workflow<
    number,
    unknown
  >;
}

export type RecordsCase = 'fanout' | 'parallel' | 'loop' | 'pipeline';

/** Each case: its workflow, and the invocation that hangs in the killed run (the others finish). */
export const recordsCases: Record<RecordsCase, { readonly workflow: Workflow<number, unknown>; readonly hangs: string }> = {
  fanout: { workflow: fanOut(), hangs: 'worker-4:0' },
  parallel: { workflow: parallelBranches(), hangs: 'branch-4:0' },
  // The body's input at iteration i is i − 1: iterations 1–7 finish, the 8th hangs.
  loop: { workflow: tenIterations(), hangs: 'body:7' },
  // Items 1–4: the fourth (index 3) hangs.
  pipeline: { workflow: pipelineItems(), hangs: 'item:4' },
};
