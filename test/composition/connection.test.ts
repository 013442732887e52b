// asConnection() → an immutable, reusable fragment; addWorkflow() inlines it (or a builder, or a workflow)
// under a prefix and returns its typed ends.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConcurrentBuilder, SequentialBuilder, WeftError, WorkflowBuilder, WorkflowConnection, executor, fromFunction, type Workflow } from 'weft';
import { caught, sink, tag } from './helpers.js';

const ids = (workflow: Workflow<any, any, any>): string[] => workflow.describe().executors.map((e) => e.id);

/** clean → score, counting how often score ran in its state. */
function scoring() {
  const clean = fromFunction('clean', (text: string) => text.trim().toLowerCase());
  const score = executor({
    id: 'score',
    input: z.string(),
    output: z.number(),
    initialState: { calls: 0 },
    handle: (text, ctx) => {
      ctx.setState((draft) => {
        draft.calls++;
      });
      ctx.send(text.length * 10 + ctx.state.calls);
    },
  });
  return new WorkflowBuilder({ name: 'scoring', start: clean }).addEdge(clean, score);
}

/** a → b, with b → a while the count is low: every executor has an outgoing edge, so there is no exit. */
function loop() {
  const a = fromFunction('a', (n: number) => n + 1);
  const b = fromFunction('b', (n: number) => n);
  return new WorkflowBuilder({ name: 'loop', start: a }).addEdge(a, b).addEdge(b, a, { when: (n) => n < 3 });
}

/** start fans out to two sinks: two exits. */
function forked() {
  const start = fromFunction('start', (text: string) => text);
  return new WorkflowBuilder({ name: 'forked', start }).addFanOut(start, [tag('left'), tag('right')]);
}

describe('asConnection', () => {
  it('is a frozen WorkflowConnection with its entry and exits', () => {
    const connection = scoring().asConnection();
    expect(connection).toBeInstanceOf(WorkflowConnection);
    expect(Object.isFrozen(connection)).toBe(true);
    expect(connection.name).toBe('scoring');
    expect(connection.entry.id).toBe('clean');
    expect(connection.exit.id).toBe('score');
    expect(connection.exits.map((e) => e.id)).toEqual(['score']);
    expect(Object.isFrozen(connection.exits)).toBe(true);
  });

  it('with a prefix, its ids are already prefixed, and a further prefix goes in front', () => {
    const connection = scoring().asConnection({ prefix: 'inner' });
    expect([connection.entry.id, connection.exit.id]).toEqual(['inner/clean', 'inner/score']);
    const handle = new WorkflowBuilder({ name: 'outer', start: tag('go') }).addWorkflow(connection, { prefix: 'outer' });
    expect([handle.entry.id, handle.exit.id]).toEqual(['outer/inner/clean', 'outer/inner/score']);
  });

  it('used twice under two prefixes, makes two independent copies that both run', async () => {
    const connection = scoring().asConnection();
    const intake = fromFunction('intake', (text: string) => text);
    const builder = new WorkflowBuilder({ name: 'twice', start: intake });
    const first = builder.addWorkflow(connection, { prefix: 'first' });
    const second = builder.addWorkflow(connection, { prefix: 'second' });
    const both = executor({ id: 'both', input: z.tuple([z.number(), z.number()]), handle: (pair, ctx) => ctx.output(pair) });
    builder.addFanOut(intake, [first.entry, second.entry]).addFanIn([first.exit, second.exit], both);
    const workflow = builder.build();

    expect(ids(workflow)).toEqual(['intake', 'first/clean', 'first/score', 'second/clean', 'second/score', 'both']);
    expect(first.exit).not.toBe(second.exit);
    // each copy has its own state: both scored once in this run
    expect((await workflow.run(' Hi ')).outputs).toEqual([[21, 21]]);
    // the connection itself still has its own ids
    expect([connection.entry.id, connection.exit.id]).toEqual(['clean', 'score']);
  });

  it('does not change when the builder it came from changes later', async () => {
    const source = scoring();
    const connection = source.asConnection();
    const later = sink('later', z.number());
    source.addEdge('score', later); // score is no longer a sink of the source builder

    expect(connection.exits.map((e) => e.id)).toEqual(['score']);
    const builder = new WorkflowBuilder({ name: 'user', start: tag('go') });
    const handle = builder.addWorkflow(connection, { prefix: 's' });
    const out = sink('out', z.number());
    const workflow = builder.addEdge('go', handle.entry).addEdge(handle.exit, out).build();
    expect(ids(workflow)).toEqual(['go', 's/clean', 's/score', 'out']);
    expect((await workflow.run('ab')).outputs).toEqual([51]); // 'ab>go' has 5 characters
    expect(ids(source.build())).toEqual(['clean', 'score', 'later']);
  });

  it('from a built workflow, too', async () => {
    const connection = scoring().build().asConnection({ prefix: 'w' });
    expect([connection.entry.id, connection.exit.id]).toEqual(['w/clean', 'w/score']);
    const out = sink('out', z.number());
    const workflow = new WorkflowBuilder({ name: 'user', start: connection.entry }).merge(connection).addEdge(connection.exit, out).build();
    expect((await workflow.run('Hey')).outputs).toEqual([31]);
  });
});

describe('addWorkflow handles', () => {
  it('inlines a builder and returns typed ends to connect to', async () => {
    const intake = tag('intake');
    const builder = new WorkflowBuilder({ name: 'parent', start: intake });
    const handle = builder.addWorkflow(scoring(), { prefix: 'scoring' });
    const report = sink('report', z.number());
    const workflow = builder.addEdge(intake, handle.entry).addEdge(handle.exit, report).build();
    expect(ids(workflow)).toEqual(['intake', 'scoring/clean', 'scoring/score', 'report']);
    expect((await workflow.run('ab')).outputs).toEqual([91]);
  });

  it('needs a prefix', () => {
    const builder = new WorkflowBuilder({ name: 'parent', start: tag('intake') });
    // @ts-expect-error — the prefix is required
    expect(() => builder.addWorkflow(scoring(), {})).toThrow(/needs a prefix/);
  });

  it('throws on a collision like merge, naming both sides', () => {
    const builder = new WorkflowBuilder({ name: 'parent', start: tag('intake') });
    builder.addWorkflow(scoring(), { prefix: 's' });
    expect(() => builder.addWorkflow(scoring(), { prefix: 's' })).toThrow(/"s\/clean" exists both in "parent" and in "scoring"/);
  });

  it('handle.exit with no exit throws, saying there are none', async () => {
    const handle = new WorkflowBuilder({ name: 'parent', start: tag('go') }).addWorkflow(loop(), { prefix: 'loop' });
    expect(handle.exits).toEqual([]);
    const error = await caught(() => handle.exit);
    expect(error).toBeInstanceOf(WeftError);
    expect((error as Error).message).toMatch(/"loop" has 0 exits \(none\)/);
    expect((error as Error).message).toMatch(/exits: \[/);
  });

  it('handle.exit with two exits throws, listing them', async () => {
    const handle = new WorkflowBuilder({ name: 'parent', start: tag('go') }).addWorkflow(forked(), { prefix: 'f' });
    expect(handle.exits.map((e) => e.id)).toEqual(['f/left', 'f/right']);
    const error = await caught(() => handle.exit);
    expect((error as Error).message).toContain('"forked" has 2 exits ("f/left", "f/right")');
    // the same on a connection
    expect(() => forked().asConnection().exit).toThrow('"forked" has 2 exits ("left", "right")');
  });

  it('the exits option picks the exits, by object or by id before the prefix', () => {
    const graph = forked();
    const right = graph.get('right');
    const builder = new WorkflowBuilder({ name: 'parent', start: tag('go') });
    expect(builder.addWorkflow(graph, { prefix: 'a', exits: [right] }).exit.id).toBe('a/right');
    expect(builder.addWorkflow(graph, { prefix: 'b', exits: ['left'] }).exit.id).toBe('b/left');
    expect(builder.addWorkflow(graph, { prefix: 'c', exits: ['right', 'left'] }).exits.map((e) => e.id)).toEqual(['c/right', 'c/left']);
    expect(graph.asConnection({ exits: ['left'] }).exit.id).toBe('left');
    expect(graph.build().asConnection({ prefix: 'd', exits: [right] }).exit.id).toBe('d/right');
  });

  it('the exits option gives an exit to a graph that has none', async () => {
    const builder = new WorkflowBuilder({ name: 'parent', start: fromFunction('go', (n: number) => n) });
    const handle = builder.addWorkflow(loop(), { prefix: 'loop', exits: ['b'] });
    const out = sink('out', z.number());
    const workflow = builder
      .addEdge('go', handle.entry)
      .addEdge(handle.exit, out, { when: (n) => n >= 3 })
      .build();
    expect((await workflow.run(0)).outputs).toEqual([3]);
  });

  it('rejects exits that are not executors of that graph, before inlining anything', () => {
    const builder = new WorkflowBuilder({ name: 'parent', start: tag('go') });
    expect(() => builder.addWorkflow(forked(), { prefix: 'f', exits: ['f/left', 'nope'] })).toThrow(
      /Exits "f\/left", "nope" are not executors of "forked"/,
    );
    expect(() => builder.get('f/left')).toThrow();
    expect(() => forked().asConnection({ exits: ['nope'] })).toThrow(/"nope"/);
  });

  it("a ConcurrentBuilder's exit is its aggregator, a SequentialBuilder's its last step", () => {
    const builder = new WorkflowBuilder({ name: 'parent', start: tag('go') });
    const concurrent = builder.addWorkflow(new ConcurrentBuilder({ name: 'c', participants: [tag('x'), tag('y')] }), { prefix: 'c' });
    expect([concurrent.entry.id, concurrent.exit.id]).toEqual(['c/dispatcher', 'c/aggregator']);
    const sequential = builder.addWorkflow(new SequentialBuilder({ name: 's', participants: [tag('x'), tag('y')] }), { prefix: 's' });
    expect([sequential.entry.id, sequential.exit.id]).toEqual(['s/x', 's/y']);
  });

  it("inlines a built workflow, and the prefixed ids are part of the parent's signature", () => {
    const inner = scoring().build();
    const build = (prefix: string): Workflow<any, any, any> => {
      const builder = new WorkflowBuilder({ name: 'parent', start: tag('go') });
      const handle = builder.addWorkflow(inner, { prefix });
      return builder.addEdge('go', handle.entry).build();
    };
    expect(build('a').signature).toBe(build('a').signature);
    expect(build('a').signature).not.toBe(build('b').signature);
  });
});
