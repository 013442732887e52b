// builder.merge(other, { prefix? }): copy another graph's executors and edges, optionally under `prefix/`.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConcurrentBuilder, GraphValidationError, WorkflowBuilder, executor, fromFunction, type Workflow } from 'weft';
import { caught, sink, tag } from './helpers.js';

/** sentiment and length in parallel, aggregated into one array. */
const analysis = () =>
  new ConcurrentBuilder({
    name: 'analysis',
    participants: [
      fromFunction('sentiment', (text: string) => (text.includes('good') ? 'positive' : 'negative')),
      fromFunction('length', (text: string) => text.length),
    ],
  });

/** a → b, outputting what b sends. */
function pair(name: string, ids: readonly [string, string] = ['a', 'b']) {
  const [first, second] = [tag(ids[0]), tag(ids[1])];
  return new WorkflowBuilder({ name, start: first }).addEdge(first, second);
}

const ids = (workflow: Workflow<any, any, any>): string[] => workflow.describe().executors.map((e) => e.id);
/** Each edge as [kind, sources, targets]. */
const edges = (workflow: Workflow<any, any, any>): [string, string[], string[]][] =>
  workflow.describe().edges.map((e) => {
    switch (e.kind) {
      case 'direct':
        return [e.kind, [e.source], [e.target]];
      case 'fan-out':
        return [e.kind, [e.source], [...e.targets]];
      case 'fan-in':
        return [e.kind, [...e.sources], [e.target]];
      case 'switch':
        return [e.kind, [e.source], [...e.cases, e.otherwise]];
    }
  });

describe('merge without a prefix', () => {
  it('copies executors and edges under their own ids; connect to them by object or id', async () => {
    const intake = tag('intake');
    const report = sink('report', z.string());
    const builder = new WorkflowBuilder({ name: 'parent', start: intake }).merge(pair('pair')).addEdge(intake, 'a').addEdge('b', report);
    const workflow = builder.build();
    expect(ids(workflow)).toEqual(['intake', 'a', 'b', 'report']);
    expect(edges(workflow)).toEqual([
      ['direct', ['a'], ['b']],
      ['direct', ['intake'], ['a']],
      ['direct', ['b'], ['report']],
    ]);
    expect((await workflow.run('x')).outputs).toEqual(['x>intake>a>b']);
  });

  it('shares, rather than duplicates, an executor object both graphs already hold', () => {
    const shared = sink('report', z.string());
    const a = tag('a');
    const other = new WorkflowBuilder({ name: 'other', start: a }).addEdge(a, shared);
    const intake = tag('intake');
    const workflow = new WorkflowBuilder({ name: 'parent', start: intake }).addEdge(intake, shared).merge(other).addEdge(intake, a).build();
    expect(ids(workflow)).toEqual(['intake', 'report', 'a']);
  });

  it('leaves the merged builder untouched', () => {
    const other = pair('pair');
    const before = other.build().signature;
    new WorkflowBuilder({ name: 'parent', start: tag('intake') }).merge(other, { prefix: 'p' }).addEdge('intake', 'p/a').addEdge('p/b', tag('c'));
    expect(other.build().signature).toBe(before);
    expect(ids(other.build())).toEqual(['a', 'b']);
  });
});

describe('merge with a prefix', () => {
  it('puts every id under prefix/ and keeps the edges between the copies', async () => {
    const intake = tag('intake');
    const workflow = new WorkflowBuilder({ name: 'parent', start: intake })
      .merge(pair('pair'), { prefix: 'left' })
      .merge(pair('pair'), { prefix: 'right' })
      .addFanOut(intake, ['left/a', 'right/a'])
      .build();
    expect(ids(workflow)).toEqual(['intake', 'left/a', 'left/b', 'right/a', 'right/b']);
    expect(edges(workflow)).toEqual([
      ['direct', ['left/a'], ['left/b']],
      ['direct', ['right/a'], ['right/b']],
      ['fan-out', ['intake'], ['left/a', 'right/a']],
    ]);
    // the copies share the handlers: ids change, behaviour does not
    const out = sink('out', z.string());
    const runnable = new WorkflowBuilder({ name: 'runnable', start: intake })
      .merge(workflow, { prefix: 'w' })
      .addEdge(intake, 'w/intake')
      .addEdge('w/left/b', out)
      .build();
    expect((await runnable.run('x')).outputs).toEqual(['x>intake>intake>a>b']);
  });

  it("after merging a ConcurrentBuilder, addEdge('analysis/aggregator', report) continues from its aggregator", async () => {
    const intake = fromFunction('intake', (text: string) => text.trim());
    const report = executor({
      id: 'report',
      input: z.tuple([z.string(), z.number()]),
      handle: ([sentiment, length], ctx) => ctx.output(`${sentiment} (${length} chars)`),
    });
    const workflow = new WorkflowBuilder({ name: 'review', start: intake })
      .merge(analysis(), { prefix: 'analysis' })
      .addEdge(intake, 'analysis/dispatcher')
      .addEdge('analysis/aggregator', report)
      .build();
    expect(ids(workflow)).toEqual(['intake', 'analysis/dispatcher', 'analysis/sentiment', 'analysis/length', 'analysis/aggregator', 'report']);
    // the aggregator has an edge after it now, so its array is passed on, not output
    expect((await workflow.run('  a good day ')).outputs).toEqual(['positive (10 chars)']);
  });

  it('without anything after it, a merged aggregator still yields its results as outputs', async () => {
    const intake = fromFunction('intake', (text: string) => text);
    const workflow = new WorkflowBuilder({ name: 'review', start: intake })
      .merge(analysis(), { prefix: 'analysis' })
      .addEdge(intake, 'analysis/dispatcher')
      .build();
    expect((await workflow.run('good')).outputs).toEqual([['positive', 4]]);
  });

  it('nests prefixes when a prefixed graph is merged under another prefix', () => {
    const inner = new WorkflowBuilder({ name: 'inner', start: tag('start') }).merge(pair('pair'), { prefix: 'p' }).addEdge('start', 'p/a');
    const outer = new WorkflowBuilder({ name: 'outer', start: tag('go') }).merge(inner, { prefix: 'q' }).addEdge('go', 'q/start').build();
    expect(ids(outer)).toEqual(['go', 'q/start', 'q/p/a', 'q/p/b']);
  });

  it.each(['', '/a', 'a/', 42])('rejects the prefix %j', (prefix) => {
    const builder = new WorkflowBuilder({ name: 'parent', start: tag('intake') });
    expect(() => builder.merge(pair('pair'), { prefix: prefix as string })).toThrow(TypeError);
  });

  it("makes the prefixed ids part of the workflow's signature", () => {
    const build = (prefix: string): Workflow<any, any, any> =>
      new WorkflowBuilder({ name: 'parent', start: tag('intake') }).merge(pair('pair'), { prefix }).addEdge('intake', `${prefix}/a`).build();
    expect(build('x').signature).toBe(build('x').signature);
    expect(build('x').signature).not.toBe(build('y').signature);
  });
});

describe('merge collisions', () => {
  it('throws a GraphValidationError naming both graphs and every shared id, and suggesting a prefix', () => {
    const parent = pair('parent');
    const error = (() => {
      try {
        parent.merge(pair('other'));
      } catch (caughtError) {
        return caughtError;
      }
      throw new Error('merge should have thrown');
    })();
    expect(error).toBeInstanceOf(GraphValidationError);
    const graphError = error as GraphValidationError;
    expect(graphError.code).toBe('graph_invalid');
    expect(graphError.issues.map((i) => [i.code, i.executorIds])).toEqual([
      ['duplicate_executor', ['a']],
      ['duplicate_executor', ['b']],
    ]);
    expect(graphError.message).toContain('"parent"');
    expect(graphError.message).toContain('"other"');
    expect(graphError.message).toContain('{ prefix: "other" }');
  });

  it('adds nothing of the other graph when it throws: the builder still builds as before', async () => {
    const c = tag('c');
    const other = new WorkflowBuilder({ name: 'other', start: tag('a') }).addEdge('a', c); // "a" collides, "c" does not
    const parent = pair('parent');
    const before = parent.build();

    await caught(() => parent.merge(other));
    const after = parent.build();
    expect(after.signature).toBe(before.signature);
    expect(ids(after)).toEqual(['a', 'b']);
    expect(() => parent.get('c')).toThrow(/no executor "c"/);
    expect((await after.run('x')).outputs).toEqual([]); // b's send goes nowhere, as before
  });

  it('names the prefix when the prefixed ids collide too', () => {
    const parent = new WorkflowBuilder({ name: 'parent', start: tag('intake') }).merge(pair('pair'), { prefix: 'p' });
    expect(() => parent.merge(pair('pair'), { prefix: 'p' })).toThrow(/Choose another prefix than "p"/);
    parent.merge(pair('pair'), { prefix: 'q' }).addFanOut('intake', ['p/a', 'q/a']);
    expect(ids(parent.build())).toEqual(['intake', 'p/a', 'p/b', 'q/a', 'q/b']);
  });
});

describe('merge sources', () => {
  it('merges a built Workflow with every kind of edge, and the copy behaves like the original', async () => {
    const split = fromFunction('split', (n: number) => n);
    const [inc, dbl] = [fromFunction('inc', (n: number) => n + 1), fromFunction('dbl', (n: number) => n * 2)];
    const join = fromFunction('join', ([x, y]: [number, number]) => x + y);
    const [big, small] = [sink('big', z.number()), sink('small', z.number())];
    const original = new WorkflowBuilder({ name: 'math', start: split })
      .addFanOut(split, [inc, dbl])
      .addFanIn([inc, dbl], join)
      .addSwitch(join, [{ when: (n) => n > 10, to: big }, { otherwise: small }])
      .build();

    const start = fromFunction('start', (n: number) => n);
    const merged = new WorkflowBuilder({ name: 'outer', start }).merge(original, { prefix: 'm' }).addEdge(start, 'm/split').build();
    expect(edges(merged).map(([kind]) => kind)).toEqual(['fan-out', 'fan-in', 'switch', 'direct']);
    for (const n of [1, 5]) {
      expect((await merged.run(n)).outputs).toEqual((await original.run(n)).outputs);
    }
    expect((await merged.run(5)).outputs).toEqual([16]);
  });

  it('keeps conditional edges conditional', async () => {
    const start = fromFunction('start', (n: number) => n);
    const [even, odd] = [sink('even', z.number()), sink('odd', z.number())];
    const original = new WorkflowBuilder({ name: 'parity', start })
      .addEdge(start, even, { when: (n) => n % 2 === 0 })
      .addEdge(start, odd, { when: (n) => n % 2 === 1 })
      .build();
    const merged = new WorkflowBuilder({ name: 'outer', start: fromFunction('go', (n: number) => n) })
      .merge(original, { prefix: 'p' })
      .addEdge('go', 'p/start')
      .build();
    expect((await merged.run(3)).outputs).toEqual([3]);
    expect(merged.describe().edges.filter((e) => e.kind === 'direct' && e.conditional).length).toBe(2);
  });

  it('merges a connection, made from a builder or a workflow', async () => {
    const fromBuilder = pair('pair').asConnection();
    const fromWorkflow = pair('pair', ['c', 'd']).build().asConnection({ prefix: 'w' });
    const intake = tag('intake');
    const out = sink('out', z.string());
    const workflow = new WorkflowBuilder({ name: 'parent', start: intake })
      .merge(fromBuilder)
      .merge(fromWorkflow)
      .addEdge(intake, 'a')
      .addEdge('b', 'w/c')
      .addEdge('w/d', out)
      .build();
    expect(ids(workflow)).toEqual(['intake', 'a', 'b', 'w/c', 'w/d', 'out']);
    expect((await workflow.run('x')).outputs).toEqual(['x>intake>a>b>c>d']);
  });
});
