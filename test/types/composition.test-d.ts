// Composition keeps edges type-checked: inlined handles, connections, adapters, prebuilt and nested graphs.
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  ConcurrentBuilder,
  SequentialBuilder,
  WorkflowBuilder,
  adapter,
  executor,
  fromFunction,
  fromWorkflow,
  type Executor,
  type InputOf,
  type OutputOf,
  type Workflow,
  type WorkflowConnection,
  type WorkflowHandle,
} from 'weft';

const intake = executor({ id: 'intake', input: z.string(), output: z.string(), handle: (text, ctx) => ctx.send(text) });
const numberSink = executor({ id: 'number-sink', input: z.number(), handle: () => undefined });
const stringSink = executor({ id: 'string-sink', input: z.string(), handle: () => undefined });
const count = fromFunction('count', (text: string) => text.length);
const shout = fromFunction('shout', (text: string) => text.toUpperCase());

/** What a workflow's run takes. */
type RunInput<T> = T extends Workflow<infer TInput, any, any> ? TInput : never;
/** What a workflow's runs output. */
type RunOutput<T> = T extends Workflow<any, infer TOutput, any> ? TOutput : never;

describe('addWorkflow handles', () => {
  const analysis = () => new ConcurrentBuilder({ name: 'analysis', participants: [count, shout], aggregate: ([n, text]) => ({ n, text }) });
  type Aggregator = Executor<[number, string], { n: number; text: string }, undefined>;

  it("types exit as a ConcurrentBuilder's aggregator", () => {
    const builder = new WorkflowBuilder({ name: 'parent', start: intake });
    const handle = builder.addWorkflow(analysis(), { prefix: 'analysis' });
    expectTypeOf(handle).toEqualTypeOf<WorkflowHandle<string, Aggregator>>();
    expectTypeOf(handle.exit).toEqualTypeOf<Aggregator>();
    expectTypeOf<OutputOf<typeof handle.exit>>().toEqualTypeOf<{ n: number; text: string }>();
    expectTypeOf(handle.exits).toEqualTypeOf<readonly Aggregator[]>();
  });

  it('accepts a matching exit → executor edge and rejects a mismatched one', () => {
    const builder = new WorkflowBuilder({ name: 'parent', start: intake });
    const handle = builder.addWorkflow(analysis(), { prefix: 'analysis' });
    const report = executor({ id: 'report', input: z.object({ n: z.number(), text: z.string() }), handle: () => undefined });
    builder.addEdge(intake, handle.entry).addEdge(handle.exit, report);
    // @ts-expect-error — the aggregate is { n, text }, not a number
    builder.addEdge(handle.exit, numberSink);
  });

  it("types entry by the inlined graph's input: an edge into it that sends the wrong type does not compile", () => {
    const builder = new WorkflowBuilder({ name: 'parent', start: count });
    const handle = builder.addWorkflow(analysis(), { prefix: 'analysis' });
    builder.addEdge(intake, handle.entry);
    // @ts-expect-error — count sends a number; the analysis takes a string
    builder.addEdge(count, handle.entry);
  });

  it('types entry the same from a builder, a workflow and a connection', () => {
    const graph = new WorkflowBuilder({ name: 'g', start: stringSink });
    const builder = new WorkflowBuilder({ name: 'parent', start: count });
    const handles = [
      builder.addWorkflow(graph, { prefix: 'a' }),
      builder.addWorkflow(graph.build(), { prefix: 'b' }),
      builder.addWorkflow(graph.asConnection(), { prefix: 'c' }),
    ] as const;
    expectTypeOf(handles[0]).toEqualTypeOf(handles[1]);
    expectTypeOf(handles[0]).toEqualTypeOf(handles[2]);
    builder.addEdge(intake, handles[0].entry);
    // @ts-expect-error — count sends a number; g takes a string
    builder.addEdge(count, handles[1].entry);
    // @ts-expect-error — the same through a connection
    builder.addEdge(count, handles[2].entry);
  });

  it('types the exits option: exit is the executor passed', () => {
    const graph = new WorkflowBuilder({ name: 'g', start: intake }).addFanOut(intake, [count, shout]);
    const builder = new WorkflowBuilder({ name: 'parent', start: intake });
    const handle = builder.addWorkflow(graph, { prefix: 'g', exits: [count] });
    expectTypeOf(handle.exit).toEqualTypeOf<typeof count>();
    builder.addEdge(handle.exit, numberSink);
    // @ts-expect-error — count sends a number
    builder.addEdge(handle.exit, stringSink);
  });

  it('requires a prefix', () => {
    const builder = new WorkflowBuilder({ name: 'parent', start: intake });
    // @ts-expect-error — no prefix
    builder.addWorkflow(analysis(), {});
  });
});

describe('connections', () => {
  it('types entry and explicit exits', () => {
    const graph = new WorkflowBuilder({ name: 'g', start: intake }).addFanOut(intake, [count, shout]);
    const connection = graph.asConnection({ exits: [count] });
    expectTypeOf(connection).toEqualTypeOf<WorkflowConnection<string, typeof count>>();
    expectTypeOf(connection.exit).toEqualTypeOf<typeof count>();

    const builder = new WorkflowBuilder({ name: 'parent', start: intake });
    const handle = builder.addWorkflow(connection, { prefix: 'one' });
    expectTypeOf(handle.exit).toEqualTypeOf<typeof count>();
    builder.addEdge(intake, handle.entry).addEdge(handle.exit, numberSink);
    // @ts-expect-error — count sends a number, not a string
    builder.addEdge(handle.exit, stringSink);
  });

  it("keeps a ConcurrentBuilder's typed exit through asConnection and build().asConnection", () => {
    const analysis = new ConcurrentBuilder({ name: 'analysis', participants: [count, shout] });
    expectTypeOf(analysis.asConnection().exit).toEqualTypeOf<Executor<[number, string], [number, string], undefined>>();
    expectTypeOf(analysis.build().asConnection().exit).toEqualTypeOf<Executor<[number, string], [number, string], undefined>>();
    const builder = new WorkflowBuilder({ name: 'parent', start: intake });
    // @ts-expect-error — the aggregator sends [number, string]
    builder.addEdge(analysis.asConnection().exit, stringSink);
  });

  it("types exits declared on a built workflow's connection, like a builder's", () => {
    const graph = new WorkflowBuilder({ name: 'g', start: intake }).addFanOut(intake, [count, shout]);
    expectTypeOf(graph.asConnection({ exits: [shout] }).exit).toEqualTypeOf<typeof shout>();
    const connection = graph.build().asConnection({ exits: [shout] });
    expectTypeOf<OutputOf<typeof connection.exit>>().toEqualTypeOf<string>();
  });
});

describe('adapters', () => {
  const classify = executor({
    id: 'classify',
    input: z.string(),
    output: z.object({ label: z.string(), confidence: z.number() }),
    handle: () => undefined,
  });
  const report = executor({ id: 'report', input: z.object({ title: z.string() }), handle: () => undefined });

  it('addAdapter types the transform by both ends', () => {
    const builder = new WorkflowBuilder({ name: 'w', start: classify });
    builder.addAdapter(classify, report, (result) => {
      expectTypeOf(result).toEqualTypeOf<{ label: string; confidence: number }>();
      return { title: result.label };
    });
    // @ts-expect-error — the transform must return what report accepts
    builder.addAdapter(classify, report, (result) => ({ name: result.label }));
    // @ts-expect-error — nor a bare string
    builder.addAdapter(classify, report, (result) => result.label);
    // @ts-expect-error — without an adapter the edge does not fit
    builder.addEdge(classify, report);
  });

  it('adapter() is an executor of what the transform takes and returns', () => {
    const toTitle = adapter('to-title', (result: { label: string }) => ({ title: result.label }));
    expectTypeOf<InputOf<typeof toTitle>>().toEqualTypeOf<{ label: string }>();
    expectTypeOf<OutputOf<typeof toTitle>>().toEqualTypeOf<{ title: string }>();
    const builder = new WorkflowBuilder({ name: 'w', start: classify });
    builder.addChain([classify, toTitle, report]);
    // @ts-expect-error — to-title sends { title }, not a number
    builder.addEdge(toTitle, numberSink);
  });

  it('an async adapter sends the resolved value, like fromFunction', () => {
    const later = adapter('later', async (text: string) => text.length);
    expectTypeOf<OutputOf<typeof later>>().toEqualTypeOf<number>();
  });
});

describe('prebuilt builders', () => {
  it('SequentialBuilder types its input by the first step and its exit by the last', () => {
    const toText = (n: number) => `${n}`;
    const workflow = new SequentialBuilder({ name: 's', participants: [intake, count, toText] }).build();
    expectTypeOf<RunInput<typeof workflow>>().toEqualTypeOf<string>();
    const handle = new WorkflowBuilder({ name: 'parent', start: intake }).addWorkflow(workflow, { prefix: 's' });
    expectTypeOf<OutputOf<typeof handle.exit>>().toEqualTypeOf<string>();
  });

  it('SequentialBuilder rejects a participant that cannot accept what the previous one sends', () => {
    new SequentialBuilder({
      name: 's',
      participants: [
        count,
        // @ts-expect-error — count sends a number; shout takes a string
        shout,
      ],
    });
    new SequentialBuilder({
      name: 's',
      participants: [
        intake,
        // @ts-expect-error — a function participant is checked by its parameter too
        (n: number) => n + 1,
      ],
    });
  });

  it('SequentialBuilder accepts function expressions, not only arrows, as participants', () => {
    // a `function` expression has an implicit `this`, which makes it context-sensitive for inference
    const workflow = new SequentialBuilder({
      name: 's',
      participants: [
        function trim(text: string) {
          return text.trim();
        },
        function exclaim(text: string) {
          return `${text}!`;
        },
      ],
    }).build();
    expectTypeOf<RunInput<typeof workflow>>().toEqualTypeOf<string>();
  });

  it('SequentialBuilder checks a whole-workflow participant by its input', () => {
    const numbers = new WorkflowBuilder({ name: 'numbers', start: numberSink }).build();
    new SequentialBuilder({ name: 's', participants: [count, numbers] });
    new SequentialBuilder({
      name: 's',
      participants: [
        intake,
        // @ts-expect-error — numbers takes a number; intake sends a string
        numbers,
      ],
    });
  });

  it("ConcurrentBuilder's aggregator takes the tuple of participant outputs", () => {
    const builder = new ConcurrentBuilder({ name: 'c', participants: [count, shout, (text: string) => text.includes('!')] });
    expectTypeOf<InputOf<typeof builder.aggregator>>().toEqualTypeOf<[number, string, boolean]>();
    expectTypeOf<OutputOf<typeof builder.aggregator>>().toEqualTypeOf<[number, string, boolean]>();
    new ConcurrentBuilder({
      name: 'c',
      participants: [count, shout],
      aggregate: (results) => {
        expectTypeOf(results).toEqualTypeOf<[number, string]>();
        return results[0];
      },
    });
    const summed = new ConcurrentBuilder({ name: 'c', participants: [count, count], aggregate: async ([a, b]) => a + b });
    expectTypeOf<OutputOf<typeof summed.aggregator>>().toEqualTypeOf<number>();
  });

  it('ConcurrentBuilder takes what every participant accepts, not what any one does', () => {
    // the dispatcher sends the same input to all of them
    const wide = fromFunction('wide', (value: string | number) => String(value));
    const builder = new ConcurrentBuilder({ name: 'c', participants: [count, wide] });
    expectTypeOf<RunInput<ReturnType<typeof builder.build>>>().toEqualTypeOf<string>();
    const half = fromFunction('half', (n: number) => n / 2);
    const mixed = new ConcurrentBuilder({ name: 'c', participants: [count, half] }).build();
    // @ts-expect-error — a string would reach half, a number would reach count
    void mixed.run('text');
  });

  it('a post-step after the aggregator is type-checked', () => {
    const builder = new ConcurrentBuilder({ name: 'c', participants: [count, shout] });
    const review = fromFunction('review', ([n, text]: [number, string]) => `${text}:${n}`);
    builder.addEdge(builder.aggregator, review);
    // @ts-expect-error — the aggregator sends [number, string]
    builder.addEdge(builder.aggregator, numberSink);
  });

  it('a built prebuilt graph, nested, sends what it outputs', () => {
    const analysis = new ConcurrentBuilder({ name: 'c', participants: [count, shout] }).build();
    const node = analysis.asExecutor({ id: 'analysis' });
    expectTypeOf<OutputOf<typeof node>>().toEqualTypeOf<[number, string]>();
    const pair = fromFunction('pair', ([n, text]: [number, string]) => `${text}:${n}`);
    new WorkflowBuilder({ name: 'parent', start: intake }).addEdge(intake, node).addEdge(node, pair);
  });
});

describe('nested workflows', () => {
  it('asExecutor gives Executor<TInput, TOutput> of a workflow built with output: z.number()', () => {
    const workflow = new WorkflowBuilder({ name: 'calc', start: intake, output: z.number() }).addEdge(intake, count).build();
    expectTypeOf<RunInput<typeof workflow>>().toEqualTypeOf<string>();
    expectTypeOf<RunOutput<typeof workflow>>().toEqualTypeOf<number>();
    const node = workflow.asExecutor({ id: 'calc' });
    expectTypeOf(node).toMatchTypeOf<Executor<string, number, any>>();
    expectTypeOf<InputOf<typeof node>>().toEqualTypeOf<string>();
    expectTypeOf<OutputOf<typeof node>>().toEqualTypeOf<number>();
    expectTypeOf(fromWorkflow(workflow, { id: 'calc' })).toEqualTypeOf(node);

    const parent = new WorkflowBuilder({ name: 'parent', start: intake });
    parent.addEdge(intake, node).addEdge(node, numberSink);
    // @ts-expect-error — the nested workflow outputs numbers
    parent.addEdge(node, stringSink);
    // @ts-expect-error — and takes a string
    parent.addEdge(count, node);
  });

  it("only accepts 'send' or 'output' for outputs", () => {
    const workflow = new WorkflowBuilder({ name: 'calc', start: intake }).build();
    workflow.asExecutor({ id: 'a', outputs: 'output' });
    // @ts-expect-error — not an outputs mode
    workflow.asExecutor({ id: 'a', outputs: 'emit' });
  });
});
