// adapter(id, fn) and builder.addAdapter(from, to, fn): a typed pure transform between executors that do not fit.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GraphValidationError, MessageValidationError, WorkflowBuilder, adapter, executor } from 'weft';
import { caught, ofType, record } from './helpers.js';

const classify = executor({
  id: 'classify',
  input: z.string(),
  output: z.object({ label: z.string(), confidence: z.number() }),
  handle: (text, ctx) => ctx.send({ label: text.includes('!') ? 'urgent' : 'normal', confidence: 0.9 }),
});
const report = executor({
  id: 'report',
  input: z.object({ title: z.string() }),
  handle: (message, ctx) => ctx.output(message.title),
});
const count = executor({ id: 'count', input: z.number(), handle: (n, ctx) => ctx.output(n) });

describe('adapter()', () => {
  it('makes an executor of kind "adapter" that sends what the transform returns', async () => {
    const toTitle = adapter('to-title', (label: { label: string }) => ({ title: label.label.toUpperCase() }));
    expect(toTitle.kind).toBe('adapter');
    expect(toTitle.id).toBe('to-title');
    expect(Object.isFrozen(toTitle)).toBe(true);
    const workflow = new WorkflowBuilder({ name: 'w', start: classify }).addChain([classify, toTitle, report]).build();
    expect((await workflow.run('fire!')).outputs).toEqual(['URGENT']);
    expect(workflow.describe().executors.map((e) => [e.id, e.kind])).toEqual([
      ['classify', 'executor'],
      ['to-title', 'adapter'],
      ['report', 'executor'],
    ]);
  });

  it('validates its input when given a schema', async () => {
    // claims to send numbers but passes on anything, so only the adapter's schema stands in the way
    const start = executor({ id: 'start', input: z.unknown(), output: z.custom<number>(), handle: (value, ctx) => ctx.send(value as number) });
    const strict = adapter('strict', (n: number) => n + 1, { input: z.number() });
    const workflow = new WorkflowBuilder({ name: 'w', start }).addChain([start, strict, count]).build();
    expect((await workflow.run(1)).outputs).toEqual([2]);
    expect(await caught(() => workflow.run('one'))).toBeInstanceOf(MessageValidationError);
  });

  it('an async transform sends the resolved value', async () => {
    const later = adapter('later', async (label: { label: string }) => ({ title: `${label.label}…` }));
    const workflow = new WorkflowBuilder({ name: 'w', start: classify })
      .addEdge(classify, later)
      .addEdge(later as never, report)
      .build();
    expect((await workflow.run('calm')).outputs).toEqual(['normal…']);
  });
});

describe('builder.addAdapter', () => {
  it('fixes a type mismatch between two executors, end to end', async () => {
    const workflow = new WorkflowBuilder({ name: 'triage', start: classify })
      .addAdapter(classify, report, (result) => ({ title: `${result.label} (${Math.round(result.confidence * 100)}%)` }))
      .build();
    expect(workflow.describe().executors.map((e) => [e.id, e.kind])).toEqual([
      ['classify', 'executor'],
      ['classify->report', 'adapter'],
      ['report', 'executor'],
    ]);
    const { events, error } = await record(workflow.stream('server down!'));
    expect(error).toBeUndefined();
    expect(ofType(events, 'run.completed')[0]?.outputs).toEqual(['urgent (90%)']);
    expect(ofType(events, 'executor.invoked').map((e) => e.executorId)).toEqual(['classify', 'classify->report', 'report']);
  });

  it('without it, the same edge fails the build-time schema check', () => {
    const builder = new WorkflowBuilder({ name: 'triage', start: classify }).addEdge(classify, count as never);
    expect(() => builder.build()).toThrow(GraphValidationError);
    expect(() => builder.build()).toThrow(/insert an adapter/);
  });

  it('takes an id, and works between executors referred to by (prefixed) id', async () => {
    const inner = new WorkflowBuilder({ name: 'inner', start: classify });
    const builder = new WorkflowBuilder({ name: 'outer', start: 'in/classify' })
      .merge(inner, { prefix: 'in' })
      .addAdapter('in/classify', count, (result: { confidence: number }) => result.confidence * 10, { id: 'confidence' });
    const workflow = builder.build();
    expect(workflow.describe().executors.map((e) => e.id)).toEqual(['in/classify', 'confidence', 'count']);
    expect((await workflow.run('x')).outputs).toEqual([9]);
  });

  it('two adapters between the same pair need distinct ids', () => {
    const builder = new WorkflowBuilder({ name: 'w', start: classify })
      .addAdapter(classify, count, (result) => result.confidence)
      .addAdapter(classify, count, (result) => result.label.length);
    expect(() => builder.build()).toThrow(/share the id "classify->count"/);
  });
});
