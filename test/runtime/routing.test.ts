// See docs/concepts/edges.md — routing: conditional edges, switch, fan-out (broadcast / select), fan-in, drops, send({ to }).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ExecutorError, RoutingError, WeftError, WorkflowBuilder, executor } from 'weft';
import { caught, ofType, record, types } from './helpers.js';

/** An executor that records what it receives, tagged with its id and superstep. */
function recorder(id: string, log: string[]) {
  return executor({
    id,
    input: z.unknown(),
    handle: (message, ctx) => {
      log.push(`${id}:${JSON.stringify(message)}@${ctx.superstep}`);
    },
  });
}

const numbers = (id = 'start') =>
  executor({
    id,
    input: z.array(z.number()),
    output: z.number(),
    handle: (items, ctx) => {
      for (const item of items) ctx.send(item);
    },
  });

describe('direct edges with `when`', () => {
  it('delivers only the messages for which the predicate holds', async () => {
    const log: string[] = [];
    const start = numbers();
    const workflow = new WorkflowBuilder({ name: 'when', start })
      .addEdge(start, recorder('positive', log), { when: (n) => n > 0 })
      .addEdge(start, recorder('other', log), { when: (n) => n <= 0 })
      .build();

    await workflow.run([5, -1, 7]);

    expect(log).toEqual(['positive:5@2', 'positive:7@2', 'other:-1@2']);
  });

  it('reports a message that every edge rejects as message.dropped with reason "not-accepted"', async () => {
    const log: string[] = [];
    const start = numbers();
    const workflow = new WorkflowBuilder({ name: 'when-drop', start }).addEdge(start, recorder('big', log), { when: (n) => n > 100 }).build();

    const { events } = await record(workflow.stream([1, 200]));

    expect(log).toEqual(['big:200@2']);
    const dropped = ofType(events, 'message.dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ sourceId: 'start', message: 1, reason: 'not-accepted', superstep: 1, path: ['start'] });
    expect(dropped[0]).not.toHaveProperty('to');
  });

  it('fails the run with a RoutingError when a predicate throws', async () => {
    const start = numbers();
    const workflow = new WorkflowBuilder({ name: 'when-throws', start })
      .addEdge(start, recorder('never', []), {
        when: () => {
          throw new Error('predicate broke');
        },
      })
      .build();

    const error = await caught(() => workflow.run([1]));

    expect(error).toBeInstanceOf(RoutingError);
    expect((error as RoutingError).code).toBe('routing_failed');
    expect((error as RoutingError).message).toContain('predicate broke');
    expect(((error as RoutingError).cause as Error).message).toBe('predicate broke');
  });
});

describe('switch', () => {
  it('sends each message to the first case that holds, else to otherwise', async () => {
    const log: string[] = [];
    const start = numbers();
    const workflow = new WorkflowBuilder({ name: 'switch', start })
      .addSwitch(start, [
        { when: (n) => n > 10, to: recorder('big', log) },
        { when: (n) => n > 0, to: recorder('small', log) },
        { otherwise: recorder('rest', log) },
      ])
      .build();

    await workflow.run([15, 5, -3, 0]);

    // 15 matches both cases: only the first wins.
    expect(log.sort()).toEqual(['big:15@2', 'rest:-3@2', 'rest:0@2', 'small:5@2']);
  });
});

describe('fan-out', () => {
  it('broadcasts every message to every target', async () => {
    const log: string[] = [];
    const start = numbers();
    const workflow = new WorkflowBuilder({ name: 'broadcast', start })
      .addFanOut(start, [recorder('a', log), recorder('b', log), recorder('c', log)])
      .build();

    await workflow.run([1, 2]);

    expect(log).toEqual(['a:1@2', 'a:2@2', 'b:1@2', 'b:2@2', 'c:1@2', 'c:2@2']);
  });

  it('delivers only to the targets `select` picks, by id (one id or several)', async () => {
    const log: string[] = [];
    const start = numbers();
    const offered: (readonly string[])[] = [];
    const workflow = new WorkflowBuilder({ name: 'select', start })
      .addFanOut(start, [recorder('a', log), recorder('b', log), recorder('c', log)], {
        select: (n, targets) => {
          offered.push(targets);
          return n === 1 ? 'b' : ['a', 'c'];
        },
      })
      .build();

    await workflow.run([1, 2]);

    expect(log).toEqual(['a:2@2', 'b:1@2', 'c:2@2']);
    expect(offered[0]).toEqual(['a', 'b', 'c']);
  });

  it('fails the run with a RoutingError naming the unknown id when `select` returns one', async () => {
    const log: string[] = [];
    const start = numbers();
    const workflow = new WorkflowBuilder({ name: 'select-unknown', start })
      .addFanOut(start, [recorder('a', log), recorder('b', log)], { select: () => 'nope' })
      .build();

    const { events, error } = await record(workflow.stream([1]));

    expect(error).toBeInstanceOf(RoutingError);
    const routingError = error as RoutingError;
    expect(routingError.code).toBe('routing_failed');
    expect(routingError.edgeId).toContain('fan-out');
    expect(routingError.message).toContain('"nope"');
    expect(log).toEqual([]);
    expect(types(events).at(-1)).toBe('run.failed');
    await expect(workflow.run([1])).rejects.toBeInstanceOf(RoutingError);
  });

  it('fails with a RoutingError when one id of several picks is unknown, or the pick is not a list, delivering none', async () => {
    for (const [name, pick, named] of [
      ['select-unknown-many', ['a', 'nope'], '"nope"'],
      ['select-not-a-list', 42, 'its selector threw'],
    ] as const) {
      const log: string[] = [];
      const start = numbers();
      const workflow = new WorkflowBuilder({ name, start })
        .addFanOut(start, [recorder('a', log), recorder('b', log)], { select: () => pick as unknown as string[] })
        .build();

      const error = await workflow.run([1]).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(RoutingError);
      expect((error as RoutingError).message).toContain(named);
      expect(log).toEqual([]);
    }
  });
});

describe('fan-in', () => {
  it('delivers one array, in source order, once every source has sent, keeping the buffer across supersteps', async () => {
    const received: [unknown, number][] = [];
    const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(m) });
    const early = executor({ id: 'early', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(`early(${m})`) });
    const relay = executor({ id: 'relay', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(m) });
    const late = executor({ id: 'late', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(`late(${m})`) });
    const join = executor({
      id: 'join',
      input: z.tuple([z.string(), z.string()]),
      handle: (batch, ctx) => {
        received.push([batch, ctx.superstep]);
      },
    });
    // early sends in superstep 2, late in superstep 3; the fan-in lists late first.
    const workflow = new WorkflowBuilder({ name: 'fan-in', start })
      .addFanOut(start, [early, relay])
      .addEdge(relay, late)
      .addFanIn([late, early], join)
      .build();

    const { events } = await record(workflow.stream('x'));

    expect(received).toEqual([[['late(x)', 'early(x)'], 4]]);
    expect(ofType(events, 'superstep.started').map((e) => e.executorIds)).toEqual([['start'], ['early', 'relay'], ['late'], ['join']]);
    expect(ofType(events, 'message.dropped')).toEqual([]);
  });

  it('pairs repeated messages first-in first-out, one batch per complete round', async () => {
    const received: unknown[] = [];
    const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(m) });
    const twice = executor({
      id: 'twice',
      input: z.string(),
      output: z.string(),
      handle: (_, ctx) => {
        ctx.send('t1');
        ctx.send('t2');
      },
    });
    const once = executor({ id: 'once', input: z.string(), output: z.string(), handle: (_, ctx) => ctx.send('o1') });
    const again = executor({ id: 'again', input: z.string(), output: z.string(), handle: (_, ctx) => ctx.send('o2') });
    const join = executor({
      id: 'join',
      input: z.array(z.string()),
      handle: (batch) => {
        received.push(batch);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'fan-in-fifo', start })
      .addFanOut(start, [twice, once])
      .addEdge(once, again)
      .addFanIn([twice, once, again], join)
      .build();

    await workflow.run('x');

    // Round 1 completes when `again` sends (superstep 3); round 2 still waits for second messages of once/again.
    expect(received).toEqual([['t1', 'o1', 'o2']]);
  });
});

describe('message.dropped', () => {
  it('reports a message from an executor with no outgoing edge with reason "no-edge"', async () => {
    const start = executor({
      id: 'start',
      input: z.string(),
      output: z.string(),
      handle: (m, ctx) => {
        ctx.send(`${m}!`);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'dead-end', start }).build();

    const { events, error } = await record(workflow.stream('hi'));

    expect(error).toBeUndefined();
    const dropped = ofType(events, 'message.dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ sourceId: 'start', message: 'hi!', reason: 'no-edge', path: ['start'], superstep: 1 });
  });
});

describe('ctx.send(message, { to })', () => {
  it('restricts delivery to the named target, by id or by object, on any edge kind', async () => {
    const log: string[] = [];
    const [a, b, c, d] = [recorder('a', log), recorder('b', log), recorder('c', log), recorder('d', log)];
    const start = executor({
      id: 'start',
      input: z.string(),
      output: z.string(),
      handle: (_, ctx) => {
        ctx.send('to-b', { to: 'b' });
        ctx.send('to-c', { to: c });
        ctx.send('to-d', { to: 'd' });
        ctx.send('all');
      },
    });
    const workflow = new WorkflowBuilder({ name: 'to', start }).addFanOut(start, [a, b]).addEdge(start, c).addEdge(start, d).build();

    await workflow.run('go');

    expect(log).toEqual(['a:"all"@2', 'b:"to-b"@2', 'b:"all"@2', 'c:"to-c"@2', 'c:"all"@2', 'd:"to-d"@2', 'd:"all"@2']);
  });

  it('reports a targeted message whose edge condition rejects it as dropped, with its `to`', async () => {
    const log: string[] = [];
    const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (_, ctx) => ctx.send('nope', { to: 'picky' }) });
    const workflow = new WorkflowBuilder({ name: 'to-drop', start })
      .addEdge(start, recorder('picky', log), { when: (m) => m === 'yes' })
      .addEdge(start, recorder('other', log))
      .build();

    const { events } = await record(workflow.stream('go'));

    expect(log).toEqual([]);
    expect(ofType(events, 'message.dropped')).toEqual([
      expect.objectContaining({ sourceId: 'start', message: 'nope', reason: 'not-accepted', to: 'picky' }),
    ]);
  });

  it('fails the handler with a clear error when `to` is not an executor of the workflow', async () => {
    const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (_, ctx) => ctx.send('x', { to: 'ghost' }) });
    const workflow = new WorkflowBuilder({ name: 'to-unknown', start }).addEdge(start, recorder('real', [])).build();

    const { events, error } = await record(workflow.stream('go'));

    expect(error).toBeInstanceOf(ExecutorError);
    const cause = (error as ExecutorError).cause;
    expect(cause).toBeInstanceOf(WeftError);
    expect((cause as WeftError).code).toBe('unknown_executor');
    expect((cause as WeftError).message).toContain('"ghost"');
    expect((cause as WeftError).message).toContain('"start"');
    expect(ofType(events, 'executor.failed').map((e) => e.executorId)).toEqual(['start']);
  });

  it('fails the handler with a clear error when `to` is an executor no edge from the sender reaches', async () => {
    const log: string[] = [];
    const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(m) });
    const middle = executor({ id: 'middle', input: z.string(), output: z.string(), handle: (_, ctx) => ctx.send('skip', { to: 'start' }) });
    const workflow = new WorkflowBuilder({ name: 'to-unconnected', start }).addEdge(start, middle).addEdge(middle, recorder('end', log)).build();

    const error = await caught(() => workflow.run('go'));

    expect(error).toBeInstanceOf(ExecutorError);
    expect((error as ExecutorError).executorId).toBe('middle');
    const cause = (error as ExecutorError).cause;
    expect(cause).toBeInstanceOf(RoutingError);
    expect((cause as RoutingError).message).toContain('"middle"');
    expect((cause as RoutingError).message).toContain('"start"');
    expect(log).toEqual([]);
  });
});
