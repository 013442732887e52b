import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  createApprovalGate,
  executor,
  fromFunction,
  WorkflowBuilder,
  type ResumedRun,
  type RunResult,
  type Workflow,
  type WorkflowEvent,
  type WorkflowRun,
} from 'weft';
import type { Observable } from 'rxjs';

const parse = executor({ id: 'parse', input: z.string(), output: z.number(), handle: (text, ctx) => ctx.send(Number(text)) });
const double = fromFunction('double', (n: number) => n * 2);
const sink = executor({ id: 'sink', input: z.number(), handle: (n, ctx) => ctx.output(n) });

describe('Workflow types', () => {
  it('builds a Workflow<input of the start, type of the output schema>', () => {
    const workflow = new WorkflowBuilder({ name: 'calc', start: parse, output: z.number() }).addEdge(parse, double).addEdge(double, sink).build();
    expectTypeOf(workflow).toExtend<Workflow<string, number>>();
    expectTypeOf(workflow.run).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(workflow.run('21')).resolves.toEqualTypeOf<RunResult<number>>();
    expectTypeOf<Awaited<ReturnType<typeof workflow.run>>['outputs']>().toEqualTypeOf<number[]>();
  });

  it('requires a run input the start executor accepts', () => {
    const workflow = new WorkflowBuilder({ name: 'calc', start: parse, output: z.number() }).addEdge(parse, sink).build();
    void workflow.run('21');
    // @ts-expect-error parse takes a string
    void workflow.run(21);
    // @ts-expect-error nor can it be left out
    void workflow.run();
    // @ts-expect-error stream is typed the same way
    workflow.stream(21);
    expectTypeOf(workflow.start('1')).toEqualTypeOf<WorkflowRun<number>>();
    // @ts-expect-error and start too
    workflow.start(21);
  });

  it('types outputs as unknown without an output schema', () => {
    const workflow = new WorkflowBuilder({ name: 'untyped', start: parse }).addEdge(parse, sink).build();
    expectTypeOf(workflow.run).parameter(0).toEqualTypeOf<string>();
    expectTypeOf<Awaited<ReturnType<typeof workflow.run>>['outputs']>().toEqualTypeOf<unknown[]>();
  });

  it('accepts any input when the start is given by id', () => {
    const workflow = new WorkflowBuilder({ name: 'by-id', start: 'parse' }).addExecutor(parse).build();
    expectTypeOf(workflow.run).parameter(0).toEqualTypeOf<unknown>();
    void workflow.run(21);
  });

  it('types the start by its parsed input', () => {
    const start = executor({ id: 'start', input: z.object({ question: z.string(), limit: z.number().optional() }), handle: () => undefined });
    const workflow = new WorkflowBuilder({ name: 'ask', start }).build();
    void workflow.run({ question: 'why?' });
    // @ts-expect-error question is required
    void workflow.run({ limit: 1 });
  });

  it('types the run input by what the start schema accepts, before its transforms', () => {
    const measure = executor({ id: 'measure', input: z.string().transform((s) => s.length), handle: () => undefined });
    const workflow = new WorkflowBuilder({ name: 'measure', start: measure }).build();
    expectTypeOf(workflow.run).parameter(0).toEqualTypeOf<string>();
    void workflow.run('abc');
    // @ts-expect-error the start schema rejects numbers
    void workflow.run(3);
  });

  it('rejects an output schema that is not a schema', () => {
    // @ts-expect-error output must be a Standard Schema
    new WorkflowBuilder({ name: 'bad', start: parse, output: 'number' });
  });
});

describe('resume()', () => {
  const workflow = new WorkflowBuilder({ name: 'calc', start: parse, output: z.number() }).addEdge(parse, sink).build();

  it("returns a handle like start()'s, awaitable for the typed result", async () => {
    const run = workflow.resume('checkpoint-id');
    expectTypeOf(run).toEqualTypeOf<ResumedRun<number>>();
    expectTypeOf(run.events$).toEqualTypeOf<Observable<WorkflowEvent>>();
    expectTypeOf(run.result).toEqualTypeOf<Promise<RunResult<number>>>();
    expectTypeOf(await run).toEqualTypeOf<RunResult<number>>();
    expectTypeOf(run.runId).toEqualTypeOf<string | undefined>(); // known once the checkpoint is loaded
    expectTypeOf(run).toExtend<Omit<WorkflowRun<number>, 'runId'>>();
  });

  it('takes responses and approvals; start() takes approvals', () => {
    const gate = createApprovalGate({ onRequest: () => ({ approved: true }) });
    void workflow.resume('id', { responses: { r: { approved: true } }, approvals: gate });
    void workflow.start('1', { approvals: gate });
    // @ts-expect-error approvals is a gate, not a flag
    void workflow.start('1', { approvals: true });
  });
});

describe('run events', () => {
  it('give run.started an input and run.resumed a resumedFrom, not the other way round', () => {
    type Started = Extract<WorkflowEvent, { type: 'run.started' }>;
    type Resumed = Extract<WorkflowEvent, { type: 'run.resumed' }>;
    expectTypeOf<Started['input']>().toEqualTypeOf<unknown>();
    expectTypeOf<Resumed['resumedFrom']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<'input' extends keyof Resumed ? true : false>().toEqualTypeOf<false>();
    expectTypeOf<'resumedFrom' extends keyof Started ? true : false>().toEqualTypeOf<false>();
  });
});
