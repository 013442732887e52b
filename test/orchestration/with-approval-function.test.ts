// withApproval around a fromFunction executor: once approved, the function's return value goes on as it does without
// the approval (along an edge, or as the run's output where the builder makes the last step's sends outputs).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryRunStore, SequentialBuilder, WorkflowBuilder, createRuntime, executor, fromFunction, withApproval } from 'weft';
import { until } from '../support/async.js';

const double = () => fromFunction('double', (n: number) => n * 2, { input: z.number(), output: z.number() });
const doubleAsync = () => fromFunction('double', async (n: number) => n * 2, { input: z.number(), output: z.number() });
const sink = () => executor({ id: 'sink', input: z.number(), handle: (value, ctx) => ctx.output(value) });

describe('withApproval(fromFunction(...))', () => {
  for (const [name, make] of [
    ['a synchronous function', double],
    ['an async function', doubleAsync],
  ] as const) {
    it(`${name} followed by an edge: once approved, its value reaches the next executor and the run's output`, async () => {
      const approved = withApproval(make(), { describe: (n) => `Double ${n}?` });
      const out = sink();
      const workflow = new WorkflowBuilder({ name: 'approve-double', start: approved }).addEdge(approved, out).build();
      const run = workflow.start(21);
      await until(() => run.pendingRequests.length === 1);
      await run.respond(run.pendingRequests[0]?.id as string, { approved: true });
      const done = await run.result;
      expect(done.status).toBe('completed');
      expect(done.outputs).toEqual([42]);
    });

    it(`${name} as the last step of a SequentialBuilder: once approved, its value is the run's output`, async () => {
      const workflow = new SequentialBuilder({
        name: 'approve-last',
        participants: [
          fromFunction('plus-one', (n: number) => n + 1, { input: z.number(), output: z.number() }),
          withApproval(make(), { describe: (n) => `Double ${n}?` }),
        ],
      }).build();
      const run = workflow.start(20);
      await until(() => run.pendingRequests.length === 1);
      await run.respond(run.pendingRequests[0]?.id as string, { approved: true });
      expect(await run.result).toMatchObject({ status: 'completed', outputs: [42] });
    });

    it(`${name} approved with a modified input: the function runs on it`, async () => {
      const approved = withApproval(make(), { describe: (n) => `Double ${n}?` });
      const workflow = new WorkflowBuilder({ name: 'approve-modified', start: approved }).addEdge(approved, sink()).build();
      const run = workflow.start(21);
      await until(() => run.pendingRequests.length === 1);
      await run.respond(run.pendingRequests[0]?.id as string, { approved: true, input: 5 });
      expect(await run.result).toMatchObject({ status: 'completed', outputs: [10] });
    });
  }

  it('in a durable runtime over a MemoryRunStore (checkpoints, the answer resumes the run): once approved, the run completes with the value', async () => {
    for (const make of [double, doubleAsync]) {
      const approved = withApproval(make(), { describe: (n) => `Double ${n}?` });
      const workflow = new WorkflowBuilder({ name: 'approve-double', start: approved }).addEdge(approved, sink()).build();
      const runtime = createRuntime({ workflows: { 'approve-double': workflow }, store: new MemoryRunStore() });
      try {
        const { runId, run } = await runtime.invoke('approve-double', 21, { wait: true });
        expect(run.status).toBe('waiting');
        expect(run.outputs).toEqual([]);
        const requestId = run.pendingRequests[0]?.id as string;
        const completed = new Promise<void>((resolve, reject) =>
          runtime.events(runId).subscribe({ next: (event) => event.type === 'run.completed' && resolve(), error: reject }),
        );
        await runtime.respond(runId, requestId, { approved: true });
        await completed;
        expect(await runtime.getRun(runId)).toMatchObject({ status: 'completed', outputs: [42] });
      } finally {
        await runtime.close();
      }
    }
  });

  it('alone in a workflow (no edge out), once approved: no output and a message.dropped, exactly as the function without approval', async () => {
    // What the report saw: a function's return value is a message, which needs an edge (or ctx.output) to become an output.
    const seen = async (approval: boolean) => {
      const workflow = new WorkflowBuilder({
        name: 'alone',
        start: approval ? withApproval(double(), { describe: (n) => `Double ${n}?` }) : double(),
      }).build();
      const run = workflow.start(21);
      const dropped: unknown[] = [];
      run.events$.subscribe((event) => event.type === 'message.dropped' && dropped.push({ message: event.message, reason: event.reason }));
      if (approval) {
        await until(() => run.pendingRequests.length === 1);
        await run.respond(run.pendingRequests[0]?.id as string, { approved: true });
      }
      const { status, outputs } = await run.result;
      return { status, outputs, dropped };
    };
    const expected = { status: 'completed', outputs: [], dropped: [{ message: 42, reason: 'no-edge' }] };
    expect(await seen(false)).toEqual(expected);
    expect(await seen(true)).toEqual(expected);
  });
});
