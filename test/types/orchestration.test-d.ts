// The orchestration helpers infer their message types: they connect to typed edges like any executor.
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  WorkflowBuilder,
  agentStep,
  createApprovalGate,
  executor,
  fromFunction,
  loop,
  parallel,
  pipeline,
  withApproval,
  type Agent,
  type ApprovalDecision,
  type ApprovalRejection,
  type InputOf,
  type LoopResult,
  type OutputOf,
  type Workflow,
} from 'weft';

const count = fromFunction('count', (text: string) => text.length);
const shout = fromFunction('shout', (text: string) => text.toUpperCase());
const isLong = fromFunction('is-long', async (text: string) => text.length > 10);
const numberSink = executor({ id: 'number-sink', input: z.number(), handle: () => undefined });
const intake = executor({ id: 'intake', input: z.string(), output: z.string(), handle: (text, ctx) => ctx.send(text) });

describe('parallel', () => {
  it('sends a tuple of the branch outputs, in branch order', () => {
    const fan = parallel([count, shout, isLong]);
    expectTypeOf<OutputOf<typeof fan>>().toEqualTypeOf<[number, string, boolean]>();
    expectTypeOf<InputOf<typeof fan>>().toEqualTypeOf<string>();
  });

  it("allows null per branch in 'settled' mode", () => {
    const fan = parallel([count, shout], { mode: 'settled' });
    expectTypeOf<OutputOf<typeof fan>>().toEqualTypeOf<[number | null, string | null]>();
  });

  it('takes functions and workflows as branches', () => {
    const sub = new WorkflowBuilder({ name: 'sub', start: count, output: z.number() }).build();
    const fan = parallel([(text: string) => text.split(' '), sub]);
    expectTypeOf<OutputOf<typeof fan>>().toEqualTypeOf<[string[], number]>();
  });

  it('connects with type-checked edges, and its graph runs on its own', () => {
    const fan = parallel([count, shout]);
    const pick = fromFunction('pick', ([n]: [number, string]) => n);
    new WorkflowBuilder({ name: 'host', start: intake }).addEdge(intake, fan).addEdge(fan, pick).addEdge(pick, numberSink);
    // @ts-expect-error — the tuple is not a number
    new WorkflowBuilder({ name: 'host', start: intake }).addEdge(fan, numberSink);
    expectTypeOf(fan.toWorkflow()).toEqualTypeOf<Workflow<string, [number, string]>>();
  });
});

describe('pipeline', () => {
  it('takes an array of what its first stage accepts and sends an array of what its last stage returns', () => {
    const node = pipeline([(text: string) => text.trim(), (text: string) => text.length, async (n: number) => (n > 2 ? `${n}` : undefined)]);
    expectTypeOf<InputOf<typeof node>>().toEqualTypeOf<string[]>();
    expectTypeOf<OutputOf<typeof node>>().toEqualTypeOf<string[]>();
  });

  it('infers a stage’s item from the previous stage', () => {
    const node = pipeline([(text: string) => text.length, (n) => (n > 0 ? n * 2 : undefined)]);
    expectTypeOf<OutputOf<typeof node>>().toEqualTypeOf<number[]>();
    const withContext = pipeline([(text: string) => text.length, (n, ctx) => `${ctx.stage}: ${n}`]);
    expectTypeOf<OutputOf<typeof withContext>>().toEqualTypeOf<string[]>();
    // Beyond the stage after an annotated one (and in async arrows) TypeScript needs the annotation.
    const annotated = pipeline([(text: string) => text.length, (n: number) => n * 2, async (n: number) => [n]]);
    expectTypeOf<OutputOf<typeof annotated>>().toEqualTypeOf<number[][]>();
  });

  it('rejects a stage that does not accept what the previous one returns', () => {
    // @ts-expect-error — the second stage takes a number, the first returns a string
    pipeline([(text: string) => text.trim(), (n: number) => n + 1]);
  });
});

describe('loop', () => {
  it('sends a LoopResult of the body output, and takes what the body takes', () => {
    const body = fromFunction('grow', (text: string) => `${text}!`);
    const node = loop(body, { until: (text) => text.length > 5, maxIterations: 3 });
    expectTypeOf<OutputOf<typeof node>>().toEqualTypeOf<LoopResult<string>>();
    expectTypeOf<InputOf<typeof node>>().toEqualTypeOf<string>();
    expectTypeOf<LoopResult<string>['reason']>().toEqualTypeOf<'until' | 'maxIterations'>();
  });

  it('requires maxIterations', () => {
    // @ts-expect-error — maxIterations is mandatory
    loop((n: number) => n + 1, { until: (n) => n > 3 });
  });

  it('types the until callback by the body output', () => {
    loop((n: number) => n + 1, {
      until: (n, iteration) => {
        expectTypeOf(n).toEqualTypeOf<number>();
        expectTypeOf(iteration).toEqualTypeOf<number>();
        return n > 3;
      },
      maxIterations: 5,
    });
  });
});

describe('withApproval', () => {
  const refund = executor({ id: 'refund', input: z.object({ amount: z.number() }), output: z.string(), handle: (r, ctx) => ctx.send(`${r.amount}`) });

  it('keeps the wrapped executor’s types', () => {
    const approved = withApproval(refund, { describe: (r) => `Refund ${r.amount}?` });
    expectTypeOf<InputOf<typeof approved>>().toEqualTypeOf<{ amount: number }>();
    expectTypeOf<OutputOf<typeof approved>>().toEqualTypeOf<string>();
  });

  it('types describe and onReject', () => {
    withApproval(refund, {
      describe: (r) => {
        expectTypeOf(r).toEqualTypeOf<{ amount: number }>();
        return 'ok?';
      },
      onReject: (rejection, ctx) => {
        expectTypeOf(rejection).toEqualTypeOf<ApprovalRejection<{ amount: number }>>();
        ctx.send('declined');
        // @ts-expect-error — the executor sends strings
        ctx.send(1);
      },
    });
  });

  it('types a gate’s decisions', () => {
    createApprovalGate({ onRequest: () => ({ approved: false, reason: 'no' }) });
    // @ts-expect-error — a rejection carries no input
    const bad: ApprovalDecision = { approved: false, input: 1 };
    void bad;
  });
});

describe('agentStep', () => {
  const agent: Agent = { run: async (input) => ({ text: input }) };

  it('takes what the prompt takes and sends text', () => {
    const step = agentStep({ id: 'a', agent, prompt: (ticket: { body: string }) => ticket.body });
    expectTypeOf<InputOf<typeof step>>().toEqualTypeOf<{ body: string }>();
    expectTypeOf<OutputOf<typeof step>>().toEqualTypeOf<string>();
  });

  it('takes the agent’s input without a prompt, and sends what reply returns', () => {
    const step = agentStep({ id: 'a', agent, reply: (reply) => reply.text.length });
    expectTypeOf<InputOf<typeof step>>().toEqualTypeOf<string>();
    expectTypeOf<OutputOf<typeof step>>().toEqualTypeOf<number>();
  });

  it('types the agent input by its run method', () => {
    const chat: Agent<{ role: string; content: string }[]> = { run: async (messages) => ({ text: messages.map((m) => m.content).join() }) };
    // @ts-expect-error — the prompt must build the chat agent's input
    agentStep({ id: 'chat', agent: chat, prompt: (text: string) => text });
    agentStep({ id: 'chat', agent: chat, prompt: (text: string) => [{ role: 'user', content: text }] });
  });
});
