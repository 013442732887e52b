import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { executor, fromFunction, WorkflowBuilder, type WorkflowDescription } from 'weft';

function describeEveryKind(): { description: WorkflowDescription; signature: string } {
  const start = executor({
    id: 'start',
    input: z.object({ text: z.string() }),
    output: z.string(),
    concurrency: 3,
    handle: (m, ctx) => ctx.send(m.text),
  });
  const upper = fromFunction('upper', (s: string) => s.toUpperCase(), { input: z.string(), output: z.string() });
  const length = fromFunction('length', (s: string) => s.length);
  const joined = executor({ id: 'joined', input: z.tuple([z.string(), z.number()]), output: z.number(), handle: (pair, ctx) => ctx.send(pair[1]) });
  const big = executor({ id: 'big', input: z.number().int(), handle: () => undefined });
  const small = executor({ id: 'small', input: z.custom<number>(), handle: () => undefined });
  const log = executor({ id: 'log', input: z.unknown(), handle: () => undefined });
  const workflow = new WorkflowBuilder({ name: 'described', start })
    .addFanOut(start, [upper, length])
    .addFanIn([upper, length], joined)
    .addSwitch(joined, [{ when: (n) => n > 3, to: big }, { otherwise: small }])
    // big and small send nothing (no output schema), so they are sources by id only.
    .addEdge('big', log, { when: () => true })
    .addEdge('small', log)
    .addFanOut(upper, [log, 'small'], { select: (_, targets) => targets })
    .build();
  return { description: workflow.describe(), signature: workflow.signature };
}

describe('Workflow.describe()', () => {
  it('is plain JSON: it survives a JSON round trip unchanged', () => {
    const { description } = describeEveryKind();
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
  });

  it('names the workflow, its start and its signature', () => {
    const { description, signature } = describeEveryKind();
    expect(description).toMatchObject({ name: 'described', start: 'start', signature });
  });

  it('lists executors in graph order with kind and concurrency', () => {
    const { description } = describeEveryKind();
    expect(description.executors.map(({ id, kind, concurrency }) => ({ id, kind, concurrency }))).toEqual([
      { id: 'start', kind: 'executor', concurrency: 3 },
      { id: 'upper', kind: 'function', concurrency: 1 },
      { id: 'length', kind: 'function', concurrency: 1 },
      { id: 'joined', kind: 'executor', concurrency: 1 },
      { id: 'big', kind: 'executor', concurrency: 1 },
      { id: 'small', kind: 'executor', concurrency: 1 },
      { id: 'log', kind: 'executor', concurrency: 1 },
    ]);
  });

  it('gives the JSON Schema of inputs and outputs where zod can produce one', () => {
    const { description } = describeEveryKind();
    const byId = new Map(description.executors.map((e) => [e.id, e]));
    expect(byId.get('start')?.input).toMatchObject({ type: 'object', properties: { text: { type: 'string' } }, required: ['text'] });
    expect(byId.get('start')?.output).toMatchObject({ type: 'string' });
    expect(byId.get('upper')?.input).toMatchObject({ type: 'string' });
    expect(byId.get('joined')?.input).toMatchObject({ type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] });
    expect(byId.get('big')?.input).toMatchObject({ type: 'integer' });
    expect(byId.get('log')?.input).toEqual(expect.objectContaining({ $schema: expect.stringContaining('json-schema.org') }));
  });

  it('leaves out schemas that are missing or cannot be expressed as JSON Schema', () => {
    const { description } = describeEveryKind();
    const byId = new Map(description.executors.map((e) => [e.id, e]));
    expect(byId.get('length')).not.toHaveProperty('input');
    expect(byId.get('length')).not.toHaveProperty('output');
    expect(byId.get('small')).not.toHaveProperty('input');
    expect(byId.get('big')).not.toHaveProperty('output');
  });

  it('describes the output side of an output schema: what the executor sends', () => {
    const parse = executor({ id: 'parse', input: z.string(), output: z.string().pipe(z.coerce.number()), handle: (_, ctx) => ctx.send(1) });
    const description = new WorkflowBuilder({ name: 'sides', start: parse }).build().describe();
    expect(description.executors[0]?.input).toMatchObject({ type: 'string' });
    expect(description.executors[0]?.output).toMatchObject({ type: 'number' });
  });

  it('describes every edge kind with its ends and flags', () => {
    const { description } = describeEveryKind();
    expect(description.edges).toEqual([
      { kind: 'fan-out', id: 'fan-out:start->upper,length', source: 'start', targets: ['upper', 'length'], selective: false },
      { kind: 'fan-in', id: 'fan-in:upper,length->joined', sources: ['upper', 'length'], target: 'joined' },
      { kind: 'switch', id: 'switch:joined->big,small', source: 'joined', cases: ['big'], otherwise: 'small' },
      { kind: 'direct', id: 'direct:big->log', source: 'big', target: 'log', conditional: true },
      { kind: 'direct', id: 'direct:small->log', source: 'small', target: 'log', conditional: false },
      { kind: 'fan-out', id: 'fan-out:upper->log,small', source: 'upper', targets: ['log', 'small'], selective: true },
    ]);
  });
});
