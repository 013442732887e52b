// `yields` types ctx.output, and the builder refuses an executor whose yields its workflow's output type does not cover.
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  WorkflowBuilder,
  executor,
  fromFunction,
  fromWorkflow,
  withApproval,
  type ApprovalDecision,
  type ApprovalRejection,
  type ExecutorContext,
  type ResponseOf,
  type YieldsOf,
} from 'weft';

const parse = executor({ id: 'parse', input: z.string(), output: z.number(), handle: (text, ctx) => ctx.send(Number(text)) });
const label = executor({ id: 'label', input: z.number(), yields: z.string(), handle: (n, ctx) => ctx.output(`#${n}`) });
const count = executor({ id: 'count', input: z.number(), yields: z.number(), handle: (n, ctx) => ctx.output(n) });
const pair = executor({ id: 'pair', input: z.tuple([z.number(), z.number()]), yields: z.number(), handle: ([a, b], ctx) => ctx.output(a + b) });
const loose = executor({ id: 'loose', input: z.number(), handle: (n, ctx) => ctx.output(n) });

describe('executor({ yields })', () => {
  it('types ctx.output by the yields schema, and keeps it open without one', () => {
    executor({
      id: 'typed',
      input: z.string(),
      yields: z.object({ text: z.string() }),
      handle: (text, ctx) => {
        expectTypeOf(ctx).toEqualTypeOf<ExecutorContext<never, undefined, { text: string }>>();
        ctx.output({ text });
        // @ts-expect-error — a string is not what this executor yields
        ctx.output(text);
      },
      onResponse: (_answer, _request, ctx) => {
        // @ts-expect-error — onResponse outputs the same type
        ctx.output(1);
      },
    });
    executor({
      id: 'open',
      input: z.string(),
      handle: (text, ctx) => {
        expectTypeOf(ctx.output).parameter(0).toEqualTypeOf<unknown>();
        ctx.output(text);
        ctx.output(1);
      },
    });
  });

  it('reads YieldsOf and ResponseOf off an executor: unknown where nothing is declared', () => {
    expectTypeOf<YieldsOf<typeof label>>().toEqualTypeOf<string>();
    expectTypeOf<YieldsOf<typeof loose>>().toEqualTypeOf<unknown>();
    const ask = executor({ id: 'ask', input: z.string(), response: z.object({ ok: z.boolean() }), handle: (text, ctx) => void ctx.request(text) });
    expectTypeOf<ResponseOf<typeof ask>>().toEqualTypeOf<{ ok: boolean }>();
    expectTypeOf<ResponseOf<typeof loose>>().toEqualTypeOf<unknown>();
  });

  it('types fromFunction ctx.output by its yields option', () => {
    const tagged = fromFunction('tagged', (n: number, ctx) => ctx.output(n > 1), { yields: z.boolean() });
    expectTypeOf<YieldsOf<typeof tagged>>().toEqualTypeOf<boolean>();
    // @ts-expect-error — a number is not a boolean
    fromFunction('mistyped', (n: number, ctx) => ctx.output(n), { yields: z.boolean() });
  });
});

describe('the builder checks yields against the workflow output type', () => {
  it('accepts executors whose yields fit, and those that declare none', () => {
    new WorkflowBuilder({ name: 'ok', start: parse, output: z.string() }).addEdge(parse, label);
    new WorkflowBuilder({ name: 'wide', start: parse, output: z.union([z.string(), z.number()]) }).addEdge(parse, label).addEdge(parse, count);
    new WorkflowBuilder({ name: 'open', start: parse, output: z.string() }).addEdge(parse, loose);
    new WorkflowBuilder({ name: 'no-output', start: parse }).addEdge(parse, count);
  });

  it('refuses, on every method that adds executors, one whose yields the output type does not cover', () => {
    const builder = new WorkflowBuilder({ name: 'strict', start: parse, output: z.string() });
    // @ts-expect-error — count yields numbers
    builder.addEdge(parse, count);
    // @ts-expect-error — count yields numbers
    builder.addExecutor(count);
    // @ts-expect-error — count yields numbers
    builder.addChain([parse, count]);
    // @ts-expect-error — count yields numbers
    builder.addFanOut(parse, [label, count]);
    // @ts-expect-error — count yields numbers
    builder.addFanIn([parse, parse], pair);
    // @ts-expect-error — count yields numbers
    builder.addSwitch(parse, [{ when: (n) => n > 1, to: count }, { otherwise: label }]);
    // @ts-expect-error — count yields numbers
    builder.addAdapter(parse, count, (n) => n);
    // @ts-expect-error — count yields numbers
    new WorkflowBuilder({ name: 'start', start: count, output: z.string() });
  });

  it('carries yields through withApproval (a rejection without onReject joins them) and nested workflows', () => {
    const refund = withApproval(label, { describe: (n) => `Label ${n}?` });
    expectTypeOf<YieldsOf<typeof refund>>().toEqualTypeOf<string | ApprovalRejection<number>>();
    expectTypeOf<ResponseOf<typeof refund>>().toEqualTypeOf<ApprovalDecision<number>>();
    // @ts-expect-error — a rejection would reach the string outputs
    new WorkflowBuilder({ name: 'approve', start: parse, output: z.string() }).addEdge(parse, refund);
    const handled = withApproval(label, { describe: (n) => `Label ${n}?`, onReject: (rejection, ctx) => ctx.output(`no ${rejection.input}`) });
    expectTypeOf<YieldsOf<typeof handled>>().toEqualTypeOf<string>();
    new WorkflowBuilder({ name: 'approve', start: parse, output: z.string() }).addEdge(parse, handled);

    const child = new WorkflowBuilder({ name: 'child', start: count, output: z.number() }).build();
    expectTypeOf<YieldsOf<ReturnType<typeof fromWorkflow<number, number, { id: 'c'; outputs: 'output' }>>>>().toEqualTypeOf<number>();
    // @ts-expect-error — the child's outputs become parent outputs, and they are numbers
    new WorkflowBuilder({ name: 'parent', start: parse, output: z.string() }).addEdge(parse, fromWorkflow(child, { id: 'c', outputs: 'output' }));
    // Sent on (the default), they are messages, not outputs.
    new WorkflowBuilder({ name: 'parent', start: parse, output: z.string() }).addEdge(parse, fromWorkflow(child, { id: 'c' }));
  });
});
