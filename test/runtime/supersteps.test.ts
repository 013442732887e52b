// See docs/concepts/supersteps.md — BSP: superstep k delivers what was sent in k−1; the first superstep delivers the input to the start.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { WorkflowBuilder, executor } from 'weft';
import { Gates, ofType, record, tick, until } from './helpers.js';

describe('supersteps', () => {
  it('delivers a message sent in superstep k in superstep k+1 (ctx.superstep and event superstep agree)', async () => {
    const seen: [string, number, string][] = [];
    const step = (id: string) =>
      executor({
        id,
        input: z.string(),
        output: z.string(),
        handle: (message, ctx) => {
          seen.push([id, ctx.superstep, message]);
          ctx.send(`${message}>${id}`);
        },
      });
    const [a, b, c] = [step('a'), step('b'), step('c')];
    const workflow = new WorkflowBuilder({ name: 'chain', start: a }).addChain([a, b, c]).build();

    const { events } = await record(workflow.stream('in'));

    expect(seen).toEqual([
      ['a', 1, 'in'],
      ['b', 2, 'in>a'],
      ['c', 3, 'in>a>b'],
    ]);
    expect(ofType(events, 'superstep.started').map((e) => [e.superstep, e.executorIds])).toEqual([
      [1, ['a']],
      [2, ['b']],
      [3, ['c']],
    ]);
    expect(ofType(events, 'executor.invoked').map((e) => [e.executorId, e.superstep])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    // c's send goes nowhere: it is reported in superstep 3, and nothing is queued for a 4th.
    expect(ofType(events, 'superstep.completed').map((e) => [e.superstep, e.queued])).toEqual([
      [1, 1],
      [2, 1],
      [3, 0],
    ]);
    const completed = ofType(events, 'run.completed')[0];
    expect(completed?.superstep).toBe(3);
  });

  it('the first superstep delivers exactly the input, to the start executor only', async () => {
    const seen: [string, number, unknown][] = [];
    const start = executor({
      id: 'start',
      input: z.number(),
      output: z.number(),
      handle: (n, ctx) => {
        seen.push(['start', ctx.superstep, n]);
        ctx.send(n + 1);
      },
    });
    const other = executor({
      id: 'other',
      input: z.number(),
      handle: (n, ctx) => {
        seen.push(['other', ctx.superstep, n]);
      },
    });
    // `other` is registered before the start and could take input: it still gets nothing in superstep 1.
    const workflow = new WorkflowBuilder({ name: 'seed', start: 'start' }).addExecutor(other).addExecutor(start).addEdge(start, other).build();

    const result = await workflow.run(10);

    expect(seen).toEqual([
      ['start', 1, 10],
      ['other', 2, 11],
    ]);
    expect(result.supersteps).toBe(2);
  });

  it('does not deliver a message in the superstep it was sent, even to an executor that runs later in that superstep', async () => {
    const seen: [string, number][] = [];
    const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(m) });
    const first = executor({ id: 'first', input: z.string(), output: z.string(), handle: (_, ctx) => ctx.send('from first') });
    const second = executor({
      id: 'second',
      input: z.string(),
      handle: (m, ctx) => {
        seen.push([m, ctx.superstep]);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'bsp', start }).addFanOut(start, [first, second]).addEdge(first, second).build();

    await workflow.run('from start');

    expect(seen).toEqual([
      ['from start', 2],
      ['from first', 3],
    ]);
  });

  it('waits for every handler of superstep k (a barrier) before starting k+1', async () => {
    const gates = new Gates();
    const log: string[] = [];
    const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(m) });
    const fast = executor({
      id: 'fast',
      input: z.string(),
      output: z.string(),
      handle: (_, ctx) => {
        log.push('fast done');
        ctx.send('fast');
      },
    });
    const slow = executor({
      id: 'slow',
      input: z.string(),
      output: z.string(),
      handle: async (_, ctx) => {
        await gates.wait('slow');
        log.push('slow done');
        ctx.send('slow');
      },
    });
    const sink = executor({
      id: 'sink',
      input: z.string(),
      handle: (m, ctx) => {
        log.push(`sink ${m} @${ctx.superstep}`);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'barrier', start }).addFanOut(start, [fast, slow]).addEdge(fast, sink).addEdge(slow, sink).build();

    const run = workflow.run('go');
    await until(() => log.includes('fast done'));
    for (let i = 0; i < 5; i++) await tick();
    expect(log).toEqual(['fast done']);

    gates.open('slow');
    await run;
    expect(log).toEqual(['fast done', 'slow done', 'sink fast @3', 'sink slow @3']);
  });

  it('loops through supersteps until no message is left', async () => {
    const visits: number[] = [];
    const counter = executor({
      id: 'counter',
      input: z.number(),
      output: z.number(),
      handle: (n, ctx) => {
        visits.push(ctx.superstep);
        if (n < 4) ctx.send(n + 1);
        else ctx.output(n);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'self-loop', start: counter }).addEdge(counter, counter).build();

    const result = await workflow.run(0);

    expect(visits).toEqual([1, 2, 3, 4, 5]);
    expect(result).toMatchObject({ status: 'completed', outputs: [4], supersteps: 5 });
  });
});
