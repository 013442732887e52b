// SequentialBuilder and ConcurrentBuilder: prebuilt graphs that stay WorkflowBuilders.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConcurrentBuilder, SequentialBuilder, WorkflowBuilder, executor, fromFunction, type Workflow } from 'weft';
import { deferred, ofType, record, sink, tag, until } from './helpers.js';

const ids = (workflow: Workflow<any, any, any>): string[] => workflow.describe().executors.map((e) => e.id);
const kinds = (workflow: Workflow<any, any, any>): [string, string][] => workflow.describe().executors.map((e) => [e.id, e.kind]);

const upper = fromFunction('upper', (text: string) => text.toUpperCase());
const length = fromFunction('length', (text: string) => text.length);

describe('ConcurrentBuilder', () => {
  it('standalone, outputs the results as one array in participant order', async () => {
    const workflow = new ConcurrentBuilder({
      name: 'analysis',
      participants: [upper, length, (text: string) => text.split('').reverse().join('')],
    }).build();
    expect(ids(workflow)).toEqual(['dispatcher', 'upper', 'length', 'step-3', 'aggregator']);
    const result = await workflow.run('abc');
    expect(result.outputs).toEqual([['ABC', 3, 'cba']]);
    expect(result.supersteps).toBe(3);
  });

  it('keeps participant order when participants finish in another order', async () => {
    const gates = [deferred(), deferred(), deferred()];
    let entered = 0;
    const slow = (index: number) =>
      fromFunction(`p${index}`, async (n: number) => {
        entered++;
        await gates[index]?.promise;
        return n * 10 + index;
      });
    const workflow = new ConcurrentBuilder({ name: 'race', participants: [slow(0), slow(1), slow(2)] }).build();
    const run = workflow.run(1);
    await until(() => entered === 3); // all three run at once
    gates[2]?.resolve();
    gates[0]?.resolve();
    gates[1]?.resolve();
    expect((await run).outputs).toEqual([[10, 11, 12]]);
  });

  it('exposes dispatcher, participants and aggregator as executors', () => {
    const builder = new ConcurrentBuilder({ name: 'analysis', participants: [upper, length] });
    expect(builder.dispatcher.id).toBe('dispatcher');
    expect(builder.participants).toEqual([upper, length]);
    expect(builder.aggregator.id).toBe('aggregator');
    expect(builder.get('aggregator')).toBe(builder.aggregator);
  });

  it('combines the results with a custom aggregate, sync or async', async () => {
    const sync = new ConcurrentBuilder({ name: 'sync', participants: [upper, length], aggregate: ([text, n]) => `${text}:${n}` }).build();
    expect((await sync.run('abc')).outputs).toEqual(['ABC:3']);
    const async = new ConcurrentBuilder({
      name: 'async',
      participants: [length, fromFunction('twice', (t: string) => t.length * 2)],
      aggregate: async ([a, b]) => a + b,
    }).build();
    expect((await async.run('abc')).outputs).toEqual([9]);
  });

  it('with one participant, still passes an array of one to the aggregator', async () => {
    const workflow = new ConcurrentBuilder({ name: 'solo', participants: [length] }).build();
    expect(kinds(workflow)).toEqual([
      ['dispatcher', 'function'],
      ['length', 'function'],
      ['collect', 'adapter'],
      ['aggregator', 'function'],
    ]);
    expect((await workflow.run('abcd')).outputs).toEqual([[4]]);
    const custom = new ConcurrentBuilder({ name: 'solo', participants: [length], aggregate: ([n]) => n + 1 }).build();
    expect((await custom.run('abcd')).outputs).toEqual([5]);
  });

  it('needs at least one participant', () => {
    // @ts-expect-error — an empty tuple is not a participant list
    expect(() => new ConcurrentBuilder({ name: 'none', participants: [] })).toThrow(/needs at least one participant/);
  });

  it('accepts whole workflows as participants, nested under their names', async () => {
    const words = new SequentialBuilder({
      name: 'words',
      participants: [(text: string) => text.split(' '), (list: string[]) => list.length],
    }).build();
    const workflow = new ConcurrentBuilder({ name: 'mixed', participants: [words, length] }).build();
    expect(kinds(workflow)).toContainEqual(['words', 'workflow']);
    expect((await workflow.run('a b c')).outputs).toEqual([[3, 5]]);
  });

  describe('extended after the fact', () => {
    it("after addEdge(builder.aggregator, review), the review's output is the result and the array is no longer one", async () => {
      const review = executor({
        id: 'review',
        input: z.tuple([z.string(), z.number()]),
        handle: ([text, n], ctx) => ctx.output({ text, long: n > 3 }),
      });
      const builder = new ConcurrentBuilder({ name: 'analysis', participants: [upper, length] });
      expect((await builder.build().run('abcd')).outputs).toEqual([['ABCD', 4]]);

      builder.addEdge(builder.aggregator, review);
      const { events } = await record(builder.build().stream('abcd'));
      expect(ofType(events, 'run.completed')[0]?.outputs).toEqual([{ text: 'ABCD', long: true }]);
      expect(ofType(events, 'output').map((e) => e.executorId)).toEqual(['review']);
      expect(ofType(events, 'message.dropped')).toEqual([]);
    });

    it('a conditional edge after the aggregator also stops its sends from being outputs', async () => {
      const builder = new ConcurrentBuilder({ name: 'analysis', participants: [upper, length] });
      builder.addEdge(builder.aggregator, sink('long', z.tuple([z.string(), z.number()])), { when: ([, n]) => n > 3 });
      const { events } = await record(builder.build().stream('ab'));
      expect(ofType(events, 'run.completed')[0]?.outputs).toEqual([]);
      expect(ofType(events, 'message.dropped').map((e) => [e.sourceId, e.reason])).toEqual([['aggregator', 'not-accepted']]);
    });

    it('the same by id once merged under a prefix, and through an addWorkflow handle', async () => {
      const review = fromFunction('review', ([text, n]: [string, number]) => `${text}/${n}`);
      const out = sink('out', z.string());
      const start = fromFunction('start', (text: string) => text);
      const merged = new WorkflowBuilder({ name: 'merged', start })
        .merge(new ConcurrentBuilder({ name: 'analysis', participants: [upper, length] }), { prefix: 'analysis' })
        .addEdge(start, 'analysis/dispatcher')
        .addEdge('analysis/aggregator', review)
        .addEdge(review, out)
        .build();
      expect((await merged.run('ab')).outputs).toEqual(['AB/2']);

      const builder = new WorkflowBuilder({ name: 'inlined', start });
      const analysis = builder.addWorkflow(new ConcurrentBuilder({ name: 'analysis', participants: [upper, length] }), { prefix: 'analysis' });
      const inlined = builder.addEdge(start, analysis.entry).addEdge(analysis.exit, review).addEdge(review, out).build();
      expect((await inlined.run('ab')).outputs).toEqual(['AB/2']);
      expect(inlined.signature).toBe(merged.signature); // merge and addWorkflow make the same graph
    });

    it('nested as one node, its array is sent along the parent edge', async () => {
      const analysis = new ConcurrentBuilder({ name: 'analysis', participants: [upper, length] }).build().asExecutor({ id: 'analysis' });
      const start = fromFunction('start', (text: string) => text);
      const out = sink('out', z.tuple([z.string(), z.number()]));
      // a built prebuilt graph outputs `unknown` to the type system (see test/types/composition.test-d.ts), hence the cast
      const workflow = new WorkflowBuilder({ name: 'parent', start })
        .addEdge(start, analysis)
        .addEdge(analysis as never, out)
        .build();
      expect((await workflow.run('abc')).outputs).toEqual([['ABC', 3]]);
    });
  });
});

describe('SequentialBuilder', () => {
  it('chains executor, function and workflow participants', async () => {
    const parse = executor({ id: 'parse', input: z.string(), output: z.number(), handle: (text, ctx) => ctx.send(Number(text)) });
    const double = (n: number) => n * 2;
    const inner = new WorkflowBuilder({ name: 'format', start: fromFunction('label', (n: number) => `n=${n}`), output: z.string() })
      .addEdge('label', executor({ id: 'emit', input: z.string(), handle: (text, ctx) => ctx.output(text) }))
      .build();
    const workflow = new SequentialBuilder({ name: 'pipeline', participants: [parse, double, inner, async (text: string) => `${text}!`] }).build();
    expect(kinds(workflow)).toEqual([
      ['parse', 'executor'],
      ['double', 'function'],
      ['format', 'workflow'],
      ['step-4', 'function'],
    ]);
    const result = await workflow.run('21');
    expect(result.outputs).toEqual(['n=42!']);
    expect(result.supersteps).toBe(4);
  });

  it("exposes its steps; the last step's sends are outputs only while nothing follows it", async () => {
    const builder = new SequentialBuilder({ name: 'write', participants: [tag('draft'), tag('edit')] });
    expect(builder.steps.map((s) => s.id)).toEqual(['draft', 'edit']);
    expect((await builder.build().run('x')).outputs).toEqual(['x>draft>edit']);

    builder.addEdge('edit', executor({ id: 'publish', input: z.string(), handle: (text, ctx) => ctx.output(text.length) }));
    expect((await builder.build().run('x')).outputs).toEqual([12]);
  });

  it('with one participant is a one-node workflow', async () => {
    const workflow = new SequentialBuilder({ name: 'one', participants: [tag('only')] }).build();
    expect((await workflow.run('x')).outputs).toEqual(['x>only']);
  });

  it('needs at least one participant, and every participant must be an executor, a function or a workflow', () => {
    // @ts-expect-error — an empty tuple is not a participant list
    expect(() => new SequentialBuilder({ name: 'none', participants: [] })).toThrow(/needs at least one participant/);
    // @ts-expect-error — a string is not a participant
    expect(() => new SequentialBuilder({ name: 'bad', participants: [tag('a'), 'b'] })).toThrow(/Participant 2 is not an executor/);
  });

  it('can be inlined, merged and nested like any builder', async () => {
    const write = () => new SequentialBuilder({ name: 'write', participants: [tag('draft'), tag('edit')] });
    const start = tag('start');
    const builder = new WorkflowBuilder({ name: 'parent', start });
    const handle = builder.addWorkflow(write(), { prefix: 'w' });
    const nested = write().build().asExecutor({ id: 'nested' });
    const out = sink('out', z.string());
    const workflow = builder
      .addEdge(start, handle.entry)
      .addEdge(handle.exit, nested)
      .addEdge(nested as never, out)
      .build();
    expect(ids(workflow)).toEqual(['start', 'w/draft', 'w/edit', 'nested', 'out']);
    expect((await workflow.run('x')).outputs).toEqual(['x>start>draft>edit>draft>edit']);
  });
});
