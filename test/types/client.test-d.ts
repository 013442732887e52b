// weft/client: the workflow types flow into invoke's input and the runs' outputs.
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { MemoryRunStore, WorkflowBuilder, createRuntime, executor, type EventStream, type ResponseOf, type SerializedEvent } from 'weft';
import { createClient, type ClientRun, type WorkflowInput, type WorkflowOutput } from 'weft/client';

const triage = new WorkflowBuilder({
  name: 'triage',
  start: executor({
    id: 'classify',
    input: z.object({ title: z.string(), body: z.string() }),
    handle: (ticket, ctx) => ctx.output({ queue: ticket.title }),
  }),
  output: z.object({ queue: z.string() }),
}).build();
const count = new WorkflowBuilder({
  name: 'count',
  start: executor({ id: 'count', input: z.string(), handle: (text, ctx) => ctx.output(text.length) }),
  output: z.number(),
}).build();

type Ticket = { title: string; body: string };

describe('createClient<{ … }>', () => {
  const client = createClient<{ triage: typeof triage; count: typeof count }>({ baseUrl: 'http://127.0.0.1:8787' });

  it('reads input and output types off the workflow types', () => {
    expectTypeOf<WorkflowInput<typeof triage>>().toEqualTypeOf<Ticket>();
    expectTypeOf<WorkflowOutput<typeof triage>>().toEqualTypeOf<{ queue: string }>();
    expectTypeOf<WorkflowInput<typeof count>>().toEqualTypeOf<string>();
  });

  it('requires the input type of the named workflow', () => {
    expectTypeOf(client.workflows.invoke('triage', { title: 't', body: 'b' })).resolves.toEqualTypeOf<{ readonly runId: string }>();
    // @ts-expect-error: count takes a string
    void client.workflows.invoke('count', 42);
    // @ts-expect-error: body is missing
    void client.workflows.invoke('triage', { title: 't' });
    // @ts-expect-error: no such workflow
    void client.workflows.invoke('nope', {});
  });

  it('types the run that wait: true answers with', () => {
    const waited = client.workflows.invoke('triage', { title: 't', body: 'b' }, { wait: true });
    expectTypeOf(waited).resolves.toEqualTypeOf<{ readonly runId: string; readonly run: ClientRun<'triage', Ticket, { queue: string }> }>();
    type Outputs = Awaited<typeof waited>['run']['outputs'];
    expectTypeOf<Outputs>().toEqualTypeOf<readonly { queue: string }[]>();
  });

  it('types a run read by id as a union discriminated on workflow', async () => {
    const run = await client.runs.get('id');
    expectTypeOf(run).toEqualTypeOf<ClientRun<'triage', Ticket, { queue: string }> | ClientRun<'count', string, number>>();
    if (run.workflow === 'count') expectTypeOf(run.outputs).toEqualTypeOf<readonly number[]>();
    const page = await client.runs.list({ workflow: 'count' });
    expectTypeOf(page.runs).toEqualTypeOf<readonly ClientRun<'count', string, number>[]>();
    expectTypeOf(page.nextCursor).toEqualTypeOf<string | undefined>();
    // @ts-expect-error: no such workflow
    void client.runs.list({ workflow: 'nope' });
  });

  it('streams serialized events, Observable and async-iterable', () => {
    expectTypeOf(client.runs.events('id', { after: 3 })).toEqualTypeOf<EventStream<SerializedEvent>>();
    expectTypeOf(client.runs.events('id')).toMatchTypeOf<AsyncIterable<SerializedEvent>>();
    expectTypeOf(client.runs.respond).parameters.toEqualTypeOf<[runId: string, requestId: string, value: unknown]>();
  });
});

describe('createClient without workflow types', () => {
  it('takes any name and any input', async () => {
    const client = createClient({ baseUrl: new URL('http://127.0.0.1:8787') });
    void client.workflows.invoke('anything', { any: 'input' });
    const { run } = await client.workflows.invoke('anything', 1, { wait: true });
    expectTypeOf(run.workflow).toEqualTypeOf<'anything'>();
    expectTypeOf((await client.runs.get('id')).workflow).toEqualTypeOf<string>();
    expectTypeOf(run.outputs).toEqualTypeOf<readonly any[]>();
  });
});

describe('typed answers', () => {
  const ask = executor({
    id: 'ask',
    input: z.string(),
    response: z.object({ score: z.number() }),
    handle: (text, ctx) => void ctx.request(text),
    onResponse: (answer, _request, ctx) => ctx.output(answer.score),
  });
  const scored = new WorkflowBuilder({ name: 'scored', start: ask, output: z.number() }).build();
  const client = createClient<{ scored: typeof scored }>({ baseUrl: 'http://127.0.0.1:8787' });

  it('types respond by the asking executor or by the answer type, and leaves it open without a type argument', () => {
    expectTypeOf<ResponseOf<typeof ask>>().toEqualTypeOf<{ score: number }>();
    void client.runs.respond<typeof ask>('run', 'request', { score: 1 });
    // @ts-expect-error — the answer to ask is { score: number }
    void client.runs.respond<typeof ask>('run', 'request', { score: 'high' });
    void client.runs.respond<ResponseOf<typeof ask>>('run', 'request', { score: 1 });
    // @ts-expect-error — a string is not the type argument's type
    void client.runs.respond<number>('run', 'request', 'one');
    void client.runs.respond('run', 'request', { anything: true });
  });

  it('approves with a reason and a typed modified input, and rejects with a reason', () => {
    void client.runs.approve('run', 'request');
    void client.runs.approve<{ amount: number }>('run', 'request', { reason: 'ok', input: { amount: 1 } });
    // @ts-expect-error — the modified input is not an { amount: number }
    void client.runs.approve<{ amount: number }>('run', 'request', { input: { amount: '1' } });
    void client.runs.reject('run', 'request', { reason: 'no' });
    // @ts-expect-error — a rejection carries no input
    void client.runs.reject('run', 'request', { input: 1 });
    expectTypeOf(client.runs.reject).returns.toEqualTypeOf<Promise<void>>();
  });

  it('types the run handle and the runtime respond the same way', () => {
    const run = scored.start('text');
    void run.respond<typeof ask>('request', { score: 2 });
    // @ts-expect-error — the answer to ask is { score: number }
    void run.respond<typeof ask>('request', 'two');
    void run.approve<{ amount: number }>('request', { input: { amount: 1 }, reason: 'ok' });
    // @ts-expect-error — the modified input is not an { amount: number }
    void run.approve<{ amount: number }>('request', { input: 1 });
    void run.reject('request', { reason: 'no' });
    const runtime = createRuntime({ workflows: { scored }, store: new MemoryRunStore() });
    void runtime.respond<typeof ask>('run', 'request', { score: 3 });
    // @ts-expect-error — the answer to ask is { score: number }
    void runtime.respond<typeof ask>('run', 'request', { score: null });
    void runtime.approve<{ amount: number }>('run', 'request', { input: { amount: 1 } });
    // @ts-expect-error — a rejection carries no input
    void runtime.reject('run', 'request', { input: 1 });
  });
});
