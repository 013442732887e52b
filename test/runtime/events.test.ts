// The event stream: the envelope every event carries, custom events, stream() as Observable and async iterable, start().
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ExecutorError, WorkflowBuilder, executor, type WorkflowEvent } from 'weft';
import { Gates, aborted, ofType, record, tick, types, until } from './helpers.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await tick();
};

const EXECUTOR_EVENTS = new Set([
  'executor.invoked',
  'executor.completed',
  'executor.failed',
  'executor.retried',
  'output',
  'custom',
  'message.dropped',
]);
const RUN_EVENTS = new Set(['run.started', 'superstep.started', 'superstep.completed', 'run.completed', 'run.failed', 'run.cancelled']);

/** start → (fan-out) left, right → join; left emits a custom event, right sends a message nobody takes. */
function sampleWorkflow() {
  const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(m) });
  const left = executor({
    id: 'left',
    input: z.string(),
    output: z.string(),
    handle: async (m, ctx) => {
      await Promise.resolve();
      ctx.emit('progress', { done: 0.5, superstep: ctx.superstep });
      ctx.send(`${m}-left`);
    },
  });
  const right = executor({ id: 'right', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(`${m}-right`, { to: 'join' }) });
  const join = executor({ id: 'join', input: z.string(), handle: (m, ctx) => ctx.output(m) });
  return new WorkflowBuilder({ name: 'sample', start })
    .addFanOut(start, [left, right])
    .addEdge(left, join)
    .addEdge(right, join, { when: () => false })
    .build();
}

describe('event envelope', () => {
  it('gives every event runId, seq 0,1,2…, superstep, path and at', async () => {
    const workflow = sampleWorkflow();
    const before = Date.now();

    const { events, error } = await record(workflow.stream('x', { runId: 'run-42' }));

    expect(error).toBeUndefined();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, index) => index));
    for (const event of events) {
      expect(event.runId).toBe('run-42');
      expect(event.at).toBeGreaterThanOrEqual(before);
      expect(event.at).toBeLessThanOrEqual(Date.now());
      if (RUN_EVENTS.has(event.type)) expect(event.path).toEqual([]);
      else {
        expect(EXECUTOR_EVENTS.has(event.type)).toBe(true);
        const id = 'executorId' in event ? event.executorId : event.type === 'message.dropped' ? event.sourceId : undefined;
        expect(event.path).toEqual([id]);
      }
    }
    expect(types(events)).toContain('custom');
    expect(types(events)).toContain('message.dropped');
    expect(types(events)).toContain('output');
  });

  it('stamps events with their superstep: 0 for run.started, the handler’s superstep for executor events', async () => {
    const workflow = sampleWorkflow();

    const { events } = await record(workflow.stream('x'));

    expect(events[0]).toMatchObject({ type: 'run.started', superstep: 0, workflow: 'sample', signature: workflow.signature, input: 'x' });
    let current = 0;
    for (const event of events.slice(1)) {
      if (event.type === 'superstep.started') {
        expect(event.superstep).toBe(current + 1);
        current = event.superstep;
      } else expect(event.superstep).toBe(current);
    }
    const superstepOf = (type: string, id: string): number | undefined =>
      events.find((e) => e.type === type && (('executorId' in e && e.executorId === id) || (e.type === 'message.dropped' && e.sourceId === id)))
        ?.superstep;
    expect(superstepOf('executor.invoked', 'start')).toBe(1);
    expect(superstepOf('executor.invoked', 'left')).toBe(2);
    expect(superstepOf('custom', 'left')).toBe(2);
    expect(superstepOf('message.dropped', 'right')).toBe(2);
    expect(superstepOf('output', 'join')).toBe(3);
    expect(events.at(-1)).toMatchObject({ type: 'run.completed', superstep: 3, outputs: ['x-left'] });
  });

  it('emits custom events from ctx.emit at once, with name and data', async () => {
    const gates = new Gates();
    const seen: WorkflowEvent[] = [];
    const chatty = executor({
      id: 'chatty',
      input: z.string(),
      handle: async (_, ctx) => {
        ctx.emit('step', { n: 1 });
        await gates.wait('continue');
        ctx.emit('step', { n: 2 });
      },
    });
    const workflow = new WorkflowBuilder({ name: 'chatty', start: chatty }).build();

    const subscription = workflow.stream('go').subscribe((event) => seen.push(event));
    await until(() => ofType(seen, 'custom').length === 1);
    expect(ofType(seen, 'executor.completed')).toEqual([]);
    gates.open('continue');
    await until(() => types(seen).includes('run.completed'));
    subscription.unsubscribe();

    expect(ofType(seen, 'custom').map((e) => [e.executorId, e.name, e.data, e.path])).toEqual([
      ['chatty', 'step', { n: 1 }, ['chatty']],
      ['chatty', 'step', { n: 2 }, ['chatty']],
    ]);
  });

  it('uses one random runId per run, the same in ctx.runId, events and result', async () => {
    const ids: string[] = [];
    const start = executor({
      id: 'start',
      input: z.string(),
      handle: (_, ctx) => {
        ids.push(ctx.runId);
        expect(ctx.executorId).toBe('start');
        expect(ctx.path).toEqual(['start']);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'ids', start }).build();

    const first = await workflow.run('a');
    const second = await record(workflow.stream('b'));

    expect(ids[0]).toBe(first.runId);
    expect(ids[1]).toBe(second.events[0]?.runId);
    expect(first.runId).not.toBe(ids[1]);
  });
});

describe('stream()', () => {
  it('is cold: every subscription starts its own run', async () => {
    let runs = 0;
    const start = executor({
      id: 'start',
      input: z.string(),
      handle: () => {
        runs++;
      },
    });
    const stream = new WorkflowBuilder({ name: 'cold', start }).build().stream('x');
    await settle();
    expect(runs).toBe(0);

    const [a, b] = await Promise.all([record(stream), record(stream)]);

    expect(runs).toBe(2);
    expect(a.events[0]?.runId).not.toBe(b.events[0]?.runId);
  });

  it('works with for await, yielding the same events as subscribe()', async () => {
    const workflow = sampleWorkflow();
    const iterated: string[] = [];

    for await (const event of workflow.stream('x')) iterated.push(event.type);

    expect(iterated).toEqual(types((await record(workflow.stream('x'))).events));
    expect(iterated.at(-1)).toBe('run.completed');
  });

  it('throws the run error from for await', async () => {
    const broken = executor({
      id: 'broken',
      input: z.string(),
      handle: () => {
        throw new Error('nope');
      },
    });
    const workflow = new WorkflowBuilder({ name: 'broken', start: broken }).build();
    const iterated: string[] = [];

    const error = await (async () => {
      try {
        for await (const event of workflow.stream('x')) iterated.push(event.type);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();

    expect(error).toBeInstanceOf(ExecutorError);
    expect(iterated.slice(-2)).toEqual(['executor.failed', 'run.failed']);
  });

  it('cancels the run when a for await loop breaks', async () => {
    const log: string[] = [];
    const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(m) });
    const waiting = executor({
      id: 'waiting',
      input: z.string(),
      output: z.string(),
      handle: async (m, ctx) => {
        log.push('waiting started');
        await aborted(ctx.signal);
        log.push('waiting saw abort');
        ctx.send(m);
      },
    });
    const after = executor({
      id: 'after',
      input: z.string(),
      handle: () => {
        log.push('after ran');
      },
    });
    const workflow = new WorkflowBuilder({ name: 'break', start }).addChain([start, waiting, after]).build();

    for await (const event of workflow.stream('x')) {
      if (event.type === 'executor.invoked' && event.executorId === 'waiting') break;
    }
    await until(() => log.includes('waiting saw abort'));
    await settle();

    expect(log).toEqual(['waiting started', 'waiting saw abort']);
  });
});

describe('start()', () => {
  it('returns a handle at once; subscribing synchronously after start() sees every event from run.started', async () => {
    const workflow = sampleWorkflow();

    const handle = workflow.start('x');
    const recorded = record(handle.events$);
    const late: string[] = [];
    const result = await handle.result;
    handle.events$.subscribe({ next: (event) => late.push(event.type) });
    const { events, completed } = await recorded;

    expect(events[0]?.type).toBe('run.started');
    expect(events.every((event) => event.runId === handle.runId)).toBe(true);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, index) => index));
    expect(events.at(-1)?.type).toBe('run.completed');
    expect(completed).toBe(true);
    expect(result).toMatchObject({ runId: handle.runId, status: 'completed', outputs: ['x-left'] });
    expect(late).toEqual([]);
  });

  it('ends events$ with run.failed (and completes it) while result rejects', async () => {
    const broken = executor({
      id: 'broken',
      input: z.string(),
      handle: () => {
        throw new Error('nope');
      },
    });
    const handle = new WorkflowBuilder({ name: 'broken', start: broken }).build().start('x');
    const recorded = record(handle.events$);

    await expect(handle.result).rejects.toBeInstanceOf(ExecutorError);
    const { events, completed } = await recorded;
    expect(completed).toBe(true);
    expect(types(events).slice(-2)).toEqual(['executor.failed', 'run.failed']);
  });
});
