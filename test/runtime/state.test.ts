// See docs/concepts/state.md — executor and shared state: immer recipes, staged writes visible at the end of the superstep, no leaks between runs.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { WorkflowBuilder, executor } from 'weft';
import { Gates, tick } from './helpers.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await tick();
};

/** Calls `mutate` and reports whether it threw a TypeError (what writing to a frozen object does in strict mode). */
function throwsOnWrite(mutate: () => void): boolean {
  try {
    mutate();
    return false;
  } catch (error) {
    return error instanceof TypeError;
  }
}

describe('executor state', () => {
  it('is changed with immer recipes (mutating the draft or returning a value), and the handler sees its own writes', async () => {
    const seen: unknown[] = [];
    const start = executor({
      id: 'start',
      input: z.string(),
      initialState: { items: [] as string[], count: 0 },
      handle: (m, ctx) => {
        seen.push(ctx.state);
        ctx.setState((draft) => {
          draft.items.push(m);
          draft.count += 1;
        });
        seen.push(ctx.state);
        ctx.setState((draft) => ({ items: [...draft.items, 'replaced'], count: draft.count * 10 }));
        seen.push(ctx.state);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'recipes', start }).build();

    await workflow.run('a');

    expect(seen).toEqual([
      { items: [], count: 0 },
      { items: ['a'], count: 1 },
      { items: ['a', 'replaced'], count: 10 },
    ]);
  });

  it('persists across supersteps within a run, and across the messages of one superstep', async () => {
    const seen: [number, number][] = [];
    const counter = executor({
      id: 'counter',
      input: z.number(),
      output: z.number(),
      initialState: 0,
      handle: (n, ctx) => {
        ctx.setState((count) => count + 1);
        seen.push([ctx.superstep, ctx.state]);
        if (n === 0) {
          // Three messages for the next superstep, to the same executor.
          ctx.send(1);
          ctx.send(1);
          ctx.send(1);
        } else if (n === 1 && ctx.state === 4) ctx.send(2);
        else if (n === 2) ctx.output(ctx.state);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'persist', start: counter }).addEdge(counter, counter).build();

    const result = await workflow.run(0);

    expect(seen).toEqual([
      [1, 1],
      [2, 2],
      [2, 3],
      [2, 4],
      [3, 5],
    ]);
    expect(result.outputs).toEqual([5]);
  });

  it('starts every run from the initial state, sequentially and concurrently', async () => {
    const gates = new Gates();
    const counter = executor({
      id: 'counter',
      input: z.string(),
      output: z.string(),
      initialState: { visits: [] as string[] },
      handle: async (tag, ctx) => {
        ctx.setState((draft) => {
          draft.visits.push(tag);
        });
        await gates.wait(tag);
        ctx.shared.update<string[]>('tags', (tags) => [...(tags ?? []), tag]);
        if (ctx.superstep < 3) ctx.send(tag);
        else ctx.output({ state: ctx.state.visits, shared: ctx.shared.get('tags') });
      },
    });
    const workflow = new WorkflowBuilder({ name: 'isolated', start: counter }).addEdge(counter, counter).build();
    const expected = (tag: string) => [{ state: [tag, tag, tag], shared: [tag, tag, tag] }];

    gates.open('seq');
    expect((await workflow.run('seq')).outputs).toEqual(expected('seq'));
    expect((await workflow.run('seq')).outputs).toEqual(expected('seq'));

    const runs = Promise.all([workflow.run('x'), workflow.run('y')]);
    await settle();
    // Interleave the two runs' supersteps.
    gates.open('y');
    await settle();
    gates.open('x');
    const [x, y] = await runs;
    expect(x.outputs).toEqual(expected('x'));
    expect(y.outputs).toEqual(expected('y'));
    expect(x.shared).toEqual({ tags: ['x', 'x', 'x'] });
  });

  it('loses no update when invocations of a concurrent executor finish out of order', async () => {
    const gates = new Gates();
    const seen: unknown[] = [];
    const start = executor({
      id: 'start',
      input: z.number(),
      output: z.string(),
      handle: (n, ctx) => {
        for (let i = 1; i <= n; i++) ctx.send(`inc${i}`, { to: 'worker' });
        ctx.send('go', { to: 'relay' });
      },
    });
    const relay = executor({ id: 'relay', input: z.string(), output: z.string(), handle: (_, ctx) => ctx.send('report') });
    const worker = executor({
      id: 'worker',
      input: z.string(),
      concurrency: 3,
      initialState: { count: 0, seen: [] as string[] },
      handle: async (m, ctx) => {
        if (m === 'report') {
          seen.push({ state: ctx.state, shared: ctx.shared.get('n') });
          return;
        }
        await gates.wait(m);
        ctx.setState((draft) => {
          draft.count += 1;
          draft.seen.push(m);
        });
        ctx.shared.update<number>('n', (n) => (n ?? 0) + 1);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'no-lost-updates', start })
      .addEdge(start, worker)
      .addEdge(start, relay)
      .addEdge(relay, worker)
      .build();

    const run = workflow.run(3);
    await settle();
    gates.open('inc3');
    await settle();
    gates.open('inc1');
    await settle();
    gates.open('inc2');
    const result = await run;

    expect(seen).toHaveLength(1);
    const report = seen[0] as { state: { count: number; seen: string[] }; shared: unknown };
    expect(report.state.count).toBe(3);
    expect([...report.state.seen].sort()).toEqual(['inc1', 'inc2', 'inc3']);
    expect(report.shared).toBe(3);
    expect(result.shared).toEqual({ n: 3 });
  });

  it('is frozen: writing to it outside a recipe throws', async () => {
    const checks: Record<string, boolean> = {};
    const start = executor({
      id: 'start',
      input: z.string(),
      initialState: { nested: { value: 1 }, list: [1] },
      handle: (_, ctx) => {
        const initial = ctx.state;
        checks['initial'] = throwsOnWrite(() => {
          initial.nested.value = 2;
        });
        checks['initial list'] = throwsOnWrite(() => {
          initial.list.push(2);
        });
        ctx.setState((draft) => {
          draft.nested.value = 3;
        });
        const updated = ctx.state;
        checks['after setState'] = throwsOnWrite(() => {
          updated.nested.value = 4;
        });
        checks['untouched by writes'] = initial.nested.value === 1 && updated.nested.value === 3;
      },
    });
    const workflow = new WorkflowBuilder({ name: 'frozen', start }).build();

    await workflow.run('go');

    expect(checks).toEqual({ initial: true, 'initial list': true, 'after setState': true, 'untouched by writes': true });
  });
});

describe('shared state', () => {
  it('stages writes: other executors do not see them in the same superstep, everyone sees them in the next', async () => {
    const gates = new Gates();
    const views: Record<string, unknown> = {};
    const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(m) });
    const writer = executor({
      id: 'writer',
      input: z.string(),
      output: z.string(),
      handle: (_, ctx) => {
        ctx.shared.set('key', { value: 1 });
        ctx.shared.update<number[]>('list', () => [1]);
        ctx.send('next');
      },
    });
    const readerBefore = executor({
      id: 'reader-before',
      input: z.string(),
      output: z.string(),
      handle: (_, ctx) => {
        views['before, same superstep'] = [ctx.shared.get('key'), ctx.shared.has('key'), ctx.shared.get('list')];
        ctx.send('next');
      },
    });
    const readerAfter = executor({
      id: 'reader-after',
      input: z.string(),
      output: z.string(),
      handle: async (_, ctx) => {
        await gates.wait('writer finished');
        views['after, same superstep'] = [ctx.shared.get('key'), ctx.shared.has('key'), ctx.shared.get('list')];
        ctx.send('next');
      },
    });
    const next = executor({
      id: 'next',
      input: z.array(z.string()),
      handle: (_, ctx) => {
        views['next superstep'] = [ctx.shared.get('key'), ctx.shared.has('key'), ctx.shared.get('list')];
      },
    });
    // reader-before runs before writer (graph order), reader-after reads once writer has returned.
    const workflow = new WorkflowBuilder({ name: 'staged', start })
      .addFanOut(start, [readerBefore, writer, readerAfter])
      .addFanIn([readerBefore, writer, readerAfter], next)
      .build();

    const handle = workflow.start('go');
    handle.events$.subscribe((event) => {
      if (event.type === 'executor.completed' && event.executorId === 'writer') gates.open('writer finished');
    });
    const result = await handle.result;

    expect(views).toEqual({
      'before, same superstep': [undefined, false, undefined],
      'after, same superstep': [undefined, false, undefined],
      'next superstep': [{ value: 1 }, true, [1]],
    });
    expect(result.shared).toEqual({ key: { value: 1 }, list: [1] });
  });

  it("lets an executor read its own staged writes (get, has, update from its own set) and later invocations' in the same superstep", async () => {
    const views: unknown[] = [];
    const start = executor({
      id: 'start',
      input: z.array(z.number()),
      output: z.number(),
      handle: (items, ctx) => {
        ctx.shared.set('total', 0);
        views.push(['start', ctx.shared.get('total'), ctx.shared.has('total')]);
        ctx.shared.update<number>('total', (total) => (total ?? 0) + 100);
        views.push(['start', ctx.shared.get('total')]);
        for (const item of items) ctx.send(item);
      },
    });
    const adder = executor({
      id: 'adder',
      input: z.number(),
      handle: (n, ctx) => {
        ctx.shared.update<number>('total', (total) => (total ?? 0) + n);
        views.push(['adder', ctx.shared.get('total')]);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'own-writes', start }).addEdge(start, adder).build();

    const result = await workflow.run([1, 2]);

    expect(views).toEqual([
      ['start', 0, true],
      ['start', 100],
      ['adder', 101],
      ['adder', 103],
    ]);
    expect(result.shared).toEqual({ total: 103 });
  });

  it('holds frozen values: writing to what get() returns throws, and so does writing to the result', async () => {
    const checks: Record<string, boolean> = {};
    const start = executor({
      id: 'start',
      input: z.string(),
      output: z.string(),
      handle: (m, ctx) => {
        ctx.shared.set('set', { list: [1] });
        ctx.shared.update<{ list: number[] }>('updated', () => ({ list: [1] }));
        const set = ctx.shared.get<{ list: number[] }>('set');
        const updated = ctx.shared.get<{ list: number[] }>('updated');
        checks['set, staged'] = throwsOnWrite(() => set?.list.push(2));
        checks['updated, staged'] = throwsOnWrite(() => updated?.list.push(2));
        ctx.send(m);
      },
    });
    const reader = executor({
      id: 'reader',
      input: z.string(),
      handle: (_, ctx) => {
        const committed = ctx.shared.get<{ list: number[] }>('set');
        checks['committed'] = throwsOnWrite(() => committed?.list.push(2));
      },
    });
    const workflow = new WorkflowBuilder({ name: 'frozen-shared', start }).addEdge(start, reader).build();

    const result = await workflow.run('go');

    expect(checks).toEqual({ 'set, staged': true, 'updated, staged': true, committed: true });
    expect(throwsOnWrite(() => ((result.shared as Record<string, unknown>)['extra'] = 1))).toBe(true);
  });
});

describe('state isolation under concurrency', () => {
  it('keeps many concurrent runs of one workflow apart', async () => {
    const gates = new Gates();
    const step = executor({
      id: 'step',
      input: z.number(),
      output: z.number(),
      initialState: 0,
      handle: async (n, ctx) => {
        await gates.wait(`${n % 3}`);
        ctx.setState((total) => total + n);
        ctx.shared.update<number[]>('seen', (seen) => [...(seen ?? []), n]);
        if (ctx.superstep < 2) ctx.send(n);
        else ctx.output(ctx.state);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'many', start: step }).addEdge(step, step).build();

    const inputs = Array.from({ length: 30 }, (_, i) => i);
    const runs = Promise.all(inputs.map((n) => workflow.run(n)));
    await settle();
    for (const gate of ['2', '0', '1']) {
      gates.open(gate);
      await settle();
    }
    const results = await runs;

    expect(results.map((r) => r.outputs)).toEqual(inputs.map((n) => [2 * n]));
    expect(results.map((r) => r.shared)).toEqual(inputs.map((n) => ({ seen: [n, n] })));
    expect(new Set(results.map((r) => r.runId)).size).toBe(inputs.length);
  });
});
