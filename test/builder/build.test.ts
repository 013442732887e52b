import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConcurrentBuilder,
  executor,
  fromFunction,
  isWeftError,
  SequentialBuilder,
  WeftError,
  Workflow,
  WorkflowBuilder,
  type AnyExecutor,
} from 'weft';
import { node } from './helpers.js';

function calc() {
  const parse = executor({ id: 'parse', input: z.string(), output: z.number(), handle: (text, ctx) => ctx.send(Number(text)) });
  const double = fromFunction('double', (n: number) => n * 2);
  const sink = executor({ id: 'sink', input: z.number(), handle: (n, ctx) => ctx.output(n) });
  return { parse, double, sink, builder: new WorkflowBuilder({ name: 'calc', start: parse }).addEdge(parse, double).addEdge(double, sink) };
}

/** Assigns through the readonly types; in an ES module (strict mode) this throws on a frozen object. */
const assign = (target: object, key: string, value: unknown): void => {
  (target as Record<string, unknown>)[key] = value;
};

describe('WorkflowBuilder.build()', () => {
  it('returns a Workflow that runs', async () => {
    const workflow = calc().builder.build();
    expect(workflow).toBeInstanceOf(Workflow);
    expect(workflow.name).toBe('calc');
    await expect(workflow.run('21')).resolves.toMatchObject({ status: 'completed', outputs: [42] });
  });

  it('can be called many times, each time returning a new, equal Workflow', async () => {
    const { builder } = calc();
    const first = builder.build();
    const second = builder.build();
    expect(second).not.toBe(first);
    expect(second.definition).not.toBe(first.definition);
    expect(second.signature).toBe(first.signature);
    expect(second.describe()).toEqual(first.describe());
    expect((await first.run('1')).outputs).toEqual([2]);
    expect((await second.run('2')).outputs).toEqual([4]);
  });

  it('does not change an earlier Workflow when edges and executors are added afterwards', async () => {
    const { builder } = calc();
    const before = builder.build();
    const extra = executor({ id: 'extra', input: z.number(), handle: (n, ctx) => ctx.output(-n) });
    builder.addEdge(builder.get('parse'), extra).addEdge('sink', 'extra');

    expect(before.definition.edges.map((e) => e.id)).toEqual(['direct:parse->double', 'direct:double->sink']);
    expect(before.definition.executors.map((e) => e.id)).toEqual(['parse', 'double', 'sink']);
    expect((await before.run('5')).outputs).toEqual([10]);
    expect(builder.build().definition.edges).toHaveLength(4);
  });

  it('sees executors added later in the next build', async () => {
    const { builder } = calc();
    const before = builder.build();
    const extra = executor({ id: 'extra', input: z.number(), handle: (n, ctx) => ctx.output(-n) });
    builder.addEdge(builder.get('parse'), extra);
    const after = builder.build();
    expect(after.definition.executors.map((e) => e.id)).toEqual(['parse', 'double', 'sink', 'extra']);
    expect(after.signature).not.toBe(before.signature);
    expect((await after.run('5')).outputs).toEqual([-5, 10]);
  });

  it('accepts the same executor object added twice and keeps it once', () => {
    const { parse, double, sink, builder } = calc();
    builder.addExecutor(parse).addExecutor(double).addExecutor(sink);
    expect(builder.build().definition.executors).toEqual([parse, double, sink]);
  });

  it('keeps executors in the order they were first added', () => {
    const a = node('a');
    const [b, c, d] = [node('b'), node('c'), node('d')];
    const workflow = new WorkflowBuilder({ name: 'order', start: a }).addExecutor(d).addEdge(a, c).addEdge(c, b).addEdge(b, d).build();
    expect(workflow.definition.executors.map((e) => e.id)).toEqual(['a', 'd', 'c', 'b']);
    expect(workflow.definition.start).toBe('a');
  });
});

describe('Workflow immutability', () => {
  function everyKind(): Workflow {
    const start = executor({
      id: 'start',
      input: z.unknown(),
      output: z.unknown(),
      initialState: { nested: { count: 0 }, list: [1, 2] },
      retry: { attempts: 2, backoff: { initialMs: 1 } },
      handle: () => undefined,
    });
    const [a, b, c, d] = [node('a'), node('b'), node('c'), node('d')];
    const joined = node('joined', z.array(z.unknown()));
    return new WorkflowBuilder({ name: 'frozen', start })
      .addFanOut(start, [a, b], { select: (_, targets) => targets })
      .addFanIn([a, b], joined)
      .addSwitch(joined, [{ when: () => true, to: c }, { otherwise: d }])
      .addEdge(c, d, { when: () => true })
      .build();
  }

  it('freezes the workflow, its definition, the executors array and every edge, deeply', () => {
    const workflow = everyKind();
    const { definition } = workflow;
    expect(Object.isFrozen(workflow)).toBe(true);
    expect(Object.isFrozen(definition)).toBe(true);
    expect(Object.isFrozen(definition.executors)).toBe(true);
    expect(Object.isFrozen(definition.edges)).toBe(true);
    for (const edge of definition.edges) {
      expect(Object.isFrozen(edge)).toBe(true);
      if (edge.kind === 'fan-out') expect(Object.isFrozen(edge.targets)).toBe(true);
      if (edge.kind === 'fan-in') expect(Object.isFrozen(edge.sources)).toBe(true);
      if (edge.kind === 'switch') {
        expect(Object.isFrozen(edge.cases)).toBe(true);
        for (const branch of edge.cases) expect(Object.isFrozen(branch)).toBe(true);
      }
    }
    expect(definition.edges.map((e) => e.kind).sort()).toEqual(['direct', 'fan-in', 'fan-out', 'switch']);
    for (const e of definition.executors) expect(Object.isFrozen(e)).toBe(true);
    const start = definition.executors[0] as AnyExecutor;
    expect(Object.isFrozen(start.retry)).toBe(true);
    expect(Object.isFrozen(start.initialState)).toBe(true);
    expect(Object.isFrozen((start.initialState as { nested: object }).nested)).toBe(true);
    expect(Object.isFrozen((start.initialState as { list: number[] }).list)).toBe(true);
  });

  it('throws on any assignment (strict mode)', () => {
    const workflow = everyKind();
    const { definition } = workflow;
    const edge = definition.edges[0] as object;
    const start = definition.executors[0] as AnyExecutor;
    expect(() => assign(workflow, 'name', 'other')).toThrow(TypeError);
    expect(() => assign(workflow, 'definition', {})).toThrow(TypeError);
    expect(() => assign(definition, 'maxSupersteps', 1)).toThrow(TypeError);
    expect(() => assign(definition, 'start', 'a')).toThrow(TypeError);
    expect(() => (definition.edges as unknown[]).push(edge)).toThrow(TypeError);
    expect(() => (definition.executors as unknown[]).pop()).toThrow(TypeError);
    expect(() => assign(edge, 'kind', 'direct')).toThrow(TypeError);
    expect(() => assign(start, 'handle', () => undefined)).toThrow(TypeError);
    expect(() => assign(start.retry as object, 'attempts', 9)).toThrow(TypeError);
    expect(() => assign((start.initialState as { nested: object }).nested, 'count', 1)).toThrow(TypeError);
    expect(definition.maxSupersteps).toBe(100);
    expect(definition.edges).toHaveLength(4);
  });
});

describe('WorkflowBuilder.get()', () => {
  it('returns the executor registered under an id, whether added directly or by an edge', () => {
    const { parse, double, builder } = calc();
    expect(builder.get('parse')).toBe(parse);
    expect(builder.get('double')).toBe(double);
  });

  it('throws a WeftError listing the known ids for an unknown id', () => {
    const { builder } = calc();
    let caught: unknown;
    try {
      builder.get('dobule');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WeftError);
    expect(isWeftError(caught) && caught.code).toBe('unknown_executor');
    expect((caught as Error).message).toBe('Workflow "calc" has no executor "dobule". Known executors: "parse", "double", "sink".');
  });

  it('says "none" when nothing is registered yet', () => {
    expect(() => new WorkflowBuilder({ name: 'empty', start: 'later' }).get('later')).toThrow(/Known executors: none\./);
  });
});

describe('string ids as an escape hatch', () => {
  it('runs a graph built entirely from configuration', async () => {
    const registry: readonly AnyExecutor[] = [
      executor({
        id: 'split',
        input: z.string(),
        output: z.number(),
        handle: (text, ctx) => text.split(',').forEach((part) => ctx.send(Number(part))),
      }),
      fromFunction('inc', (n: number) => n + 1),
      fromFunction('tenfold', (n: number) => n * 10),
      fromFunction('sum', (pair: [number, number]) => pair[0] + pair[1]),
      executor({ id: 'big', input: z.number(), handle: (n, ctx) => ctx.output(`big ${n}`) }),
      executor({ id: 'small', input: z.number(), handle: (n, ctx) => ctx.output(`small ${n}`) }),
    ];
    const config = {
      start: 'split',
      fanOut: [['split', ['inc', 'tenfold']]] as const,
      fanIn: [[['inc', 'tenfold'], 'sum']] as const,
      switches: [['sum', 'big', 'small']] as const,
    };

    const builder = new WorkflowBuilder({ name: 'from-config', start: config.start });
    for (const e of registry) builder.addExecutor(e);
    for (const [from, to] of config.fanOut) builder.addFanOut(from, to);
    for (const [from, to] of config.fanIn) builder.addFanIn(from, to);
    for (const [from, high, low] of config.switches) builder.addSwitch(from, [{ when: (n) => (n as number) > 50, to: high }, { otherwise: low }]);
    const workflow = builder.build();

    expect(workflow.definition.start).toBe('split');
    const result = await workflow.run('3,7');
    expect(result.outputs).toEqual(['big 78', 'small 34']);
  });

  it('validates the run input against a start given by id', async () => {
    const workflow = new WorkflowBuilder({ name: 'by-id', start: 'echo' })
      .addExecutor(executor({ id: 'echo', input: z.string(), handle: (s, ctx) => ctx.output(s) }))
      .build();
    await expect(workflow.run('hi')).resolves.toMatchObject({ outputs: ['hi'] });
    await expect(workflow.run(42)).rejects.toMatchObject({ code: 'workflow_input_invalid' });
  });

  it('mixes objects and ids referring to the same executor', async () => {
    const { parse, double, sink } = calc();
    const workflow = new WorkflowBuilder({ name: 'mixed', start: 'parse' })
      .addExecutor(parse)
      .addEdge('parse', double)
      .addEdge(double, 'sink')
      .addExecutor(sink)
      .build();
    expect((await workflow.run('4')).outputs).toEqual([8]);
  });
});

describe('builder.has and prebuilt names', () => {
  it('has(id) tells whether the graph holds an executor, where get(id) throws', () => {
    const a = executor({ id: 'a', input: z.string(), output: z.string(), handle: () => undefined });
    const b = executor({ id: 'b', input: z.string(), handle: () => undefined });
    const builder = new WorkflowBuilder({ name: 'has', start: a }).addEdge(a, b);
    expect([builder.has('a'), builder.has('b'), builder.has('c')]).toEqual([true, true, false]);
  });

  it('names a SequentialBuilder or ConcurrentBuilder by default', () => {
    const double = fromFunction('double', (n: number) => n * 2);
    const inc = fromFunction('inc', (n: number) => n + 1);
    expect(new SequentialBuilder({ participants: [double, inc] }).build().name).toBe('sequential');
    expect(new ConcurrentBuilder({ participants: [double, inc] }).build().name).toBe('concurrent');
  });
});
