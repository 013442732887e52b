// The placement seam: with jsonPlacement every invocation crosses a JSON boundary and runs through executeInvocation;
// the same workflows must give the same outputs, state and events as in process.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ExecutorError,
  MemoryCheckpointStore,
  WorkflowBuilder,
  executeInvocation,
  executor,
  fromWorkflow,
  loop,
  parallel,
  type Invocation,
  type RunOptions,
  type RunResult,
  type StoredInvocation,
  type Workflow,
  type WorkflowEvent,
} from 'weft';
import { jsonPlacement } from 'weft/testing';
import { caught, deferred, until } from '../support/async.js';

const num = z.number();
const text = z.string();
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * An event without what differs between two equal runs: times, sequence numbers, random ids. Errors by message: a
 * placement's failed attempt is the worker's ExecutorError (same message), not the handler's own error object.
 */
function canonical(event: WorkflowEvent): string {
  const { at: _at, seq: _seq, ...rest } = event as WorkflowEvent & Record<string, unknown>;
  return JSON.stringify(rest, (key, value: unknown) => {
    if (key === 'durationMs' || key === 'bytes' || key === 'checkpointId') return undefined;
    if (value instanceof Error) return { message: value.message };
    return value;
  }).replace(UUID, 'ID');
}

interface Observed {
  readonly result: RunResult;
  /** Canonical events, sorted within each superstep (handlers on a placement finish in another order). */
  readonly events: string[];
}

async function observe(workflow: Workflow<any, any>, input: unknown, options: RunOptions = {}): Promise<Observed> {
  const events: WorkflowEvent[] = [];
  const result = await workflow.run(input, { runId: 'r', ...options, onEvent: (event) => events.push(event) });
  const bySuperstep = new Map<number, string[]>();
  for (const event of events) {
    const list = bySuperstep.get(event.superstep) ?? [];
    list.push(canonical(event));
    bySuperstep.set(event.superstep, list);
  }
  return { result, events: [...bySuperstep.values()].flatMap((list) => list.sort()) };
}

/** Runs `workflow` in process and through jsonPlacement and expects the same result and events. */
async function expectSame(workflow: Workflow<any, any>, input: unknown, options: RunOptions = {}): Promise<Observed> {
  const here = await observe(workflow, input, options);
  const placement = jsonPlacement(workflow);
  const placed = await observe(workflow, input, { ...options, placement });
  expect(placed.result).toEqual(here.result);
  expect(placed.events).toEqual(here.events);
  expect(placement.invocations.length).toBeGreaterThan(0);
  return placed;
}

describe('jsonPlacement gives the same run as in process', () => {
  it('for a chain with schemas that transform', async () => {
    const a = executor({ id: 'a', input: z.string().transform((s) => s.trim()), output: text, handle: (s, ctx) => ctx.send(`${s}!`) });
    const b = executor({ id: 'b', input: text, output: num, handle: (s, ctx) => ctx.send(s.length) });
    const c = executor({ id: 'c', input: num.default(0), handle: (n, ctx) => ctx.output(n * 2) });
    const workflow = new WorkflowBuilder({ name: 'chain', start: a }).addEdge(a, b).addEdge(b, c).build();
    const { result } = await expectSame(workflow, '  hey ');
    expect(result.outputs).toEqual([8]);
  });

  it('for fan-out, fan-in, conditional edges and a switch', async () => {
    const start = executor({ id: 'start', input: z.array(num), output: num, handle: (ns, ctx) => ns.forEach((n) => ctx.send(n)) });
    const workers = ['w1', 'w2', 'w3'].map((id) => executor({ id, input: num, output: text, handle: async (n, ctx) => ctx.send(`${id}:${n}`) }));
    const join = executor({ id: 'join', input: z.array(text), output: text, handle: (all, ctx) => ctx.send(all.join(',')) });
    const long = executor({ id: 'long', input: text, handle: (s, ctx) => ctx.output(`long ${s}`) });
    const short = executor({ id: 'short', input: text, handle: (s, ctx) => ctx.output(`short ${s}`) });
    const never = executor({ id: 'never', input: text, handle: (s, ctx) => ctx.output(`never ${s}`) });
    const workflow = new WorkflowBuilder({ name: 'routes', start })
      .addFanOut(start, workers)
      .addFanIn(workers, join)
      .addSwitch(join, [{ when: (s) => s.length > 20, to: long }, { otherwise: short }])
      .addEdge(join, never, { when: (s) => s.length > 1000 })
      .build();
    const { result } = await expectSame(workflow, [1, 2]);
    expect(result.outputs).toHaveLength(2);
  });

  it('for executor state and shared state (set and update) across supersteps', async () => {
    const counter = executor({
      id: 'counter',
      input: num,
      output: num,
      initialState: { seen: [] as number[] },
      handle: (n, ctx) => {
        ctx.setState((state) => void state.seen.push(n));
        ctx.shared.update<number>('total', (total) => (total ?? 0) + n);
        if (n > 0) ctx.send(n - 1);
        else ctx.output(ctx.state.seen);
      },
    });
    const tagger = executor({
      id: 'tagger',
      input: num,
      handle: (n, ctx) => ctx.shared.set(`tag${n}`, { n, read: ctx.shared.get('total') ?? null }),
    });
    const workflow = new WorkflowBuilder({ name: 'state', start: counter }).addEdge(counter, counter).addEdge(counter, tagger).build();
    const { result } = await expectSame(workflow, 3);
    expect(result.outputs).toEqual([[3, 2, 1, 0]]);
    expect(result.shared['total']).toBe(6);
  });

  it('for requests answered through onResponse', async () => {
    const ask = executor({
      id: 'ask',
      input: text,
      response: z.object({ ok: z.boolean() }),
      initialState: { asked: 0 },
      handle: (question, ctx) => {
        ctx.setState((state) => void (state.asked += 1));
        ctx.request({ question });
      },
      onResponse: (answer, request, ctx) => ctx.output({ answer, asked: ctx.state.asked, payload: request.payload }),
    });
    const workflow = new WorkflowBuilder({ name: 'ask', start: ask }).build();
    const runBoth = async (placement?: ReturnType<typeof jsonPlacement>) => {
      const run = workflow.start('why?', { runId: 'r', ...(placement === undefined ? {} : { placement }) });
      await until(() => run.pendingRequests.length === 1);
      await run.respond((run.pendingRequests[0] as { id: string }).id, { ok: true });
      return run.result;
    };
    const placement = jsonPlacement(workflow);
    const [here, placed] = [await runBoth(), await runBoth(placement)];
    expect(placed.outputs).toEqual(here.outputs);
    expect(placed.outputs).toEqual([{ answer: { ok: true }, asked: 1, payload: { question: 'why?' } }]);
    expect(placement.invocations.map((i) => [i.executorId, i.response !== undefined])).toEqual([
      ['ask', false],
      ['ask', true],
    ]);
  });

  it('for a nested workflow whose executors emit custom events and phases', async () => {
    const inner = executor({
      id: 'inner',
      input: num,
      output: num,
      handle: async (n, ctx) => {
        ctx.emit('progress', { n });
        const doubled = await ctx.phase('double', () => n * 2);
        ctx.output(doubled);
      },
    });
    const child = new WorkflowBuilder({ name: 'child', start: inner }).build();
    const start = executor({ id: 'start', input: num, output: num, handle: (n, ctx) => (ctx.send(n), ctx.send(n + 1)) });
    const nested = fromWorkflow(child, { id: 'nested', outputs: 'output' });
    const workflow = new WorkflowBuilder({ name: 'outer', start }).addEdge(start, nested).build();
    const placement = jsonPlacement(workflow);
    const here = await observe(workflow, 1);
    const placed = await observe(workflow, 1, { placement });
    expect(placed.result).toEqual(here.result);
    expect(placed.events).toEqual(here.events);
    expect(here.result.outputs).toEqual([2, 4]);
    expect(placement.invocations.map((i) => [i.path, i.invocationId])).toEqual([
      [['start'], 'r/1:start:0'],
      [['nested', 'inner'], 'r/2:nested:0/1:inner:0'],
      [['nested', 'inner'], 'r/2:nested:1/1:inner:0'],
    ]);
  });

  it('for the parallel and loop helpers', async () => {
    const fan = parallel([(s: string) => s.length, (s: string) => s.toUpperCase(), async (s: string) => [...s].reverse().join('')], { id: 'fan' });
    const grow = loop((n: number) => n + 3, { id: 'grow', until: (n) => n >= 10, maxIterations: 10 });
    const length = executor({ id: 'length', input: z.tuple([num, text, text]), output: num, handle: (t, ctx) => ctx.send(t[0]) });
    const sink = executor({ id: 'sink', input: z.unknown(), handle: (value, ctx) => ctx.output(value) });
    const workflow = new WorkflowBuilder({ name: 'helpers', start: fan }).addEdge(fan, length).addEdge(length, grow).addEdge(grow, sink).build();
    const { result } = await expectSame(workflow, 'abc');
    expect(result.outputs).toEqual([{ value: 12, iterations: 3, reason: 'until' }]);
  });

  it('for retries: a failed attempt is retried by the run, with the same invocation id', async () => {
    const attempts: [string, number][] = [];
    let failures = 0;
    const flaky = executor({
      id: 'flaky',
      input: num,
      retry: { attempts: 3 },
      handle: (n, ctx) => {
        attempts.push([ctx.invocationId, failures]);
        if (failures++ % 2 === 0) throw new Error('transient');
        ctx.output(n);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'retry', start: flaky }).build();
    await expectSame(workflow, 7);
    expect(attempts.map(([id]) => id)).toEqual(['r/1:flaky:0', 'r/1:flaky:0', 'r/1:flaky:0', 'r/1:flaky:0']);
  });

  it('for a handler that keeps failing: the same ExecutorError', async () => {
    const broken = executor({ id: 'broken', input: num, retry: { attempts: 2 }, handle: () => Promise.reject(new Error('nope')) });
    const workflow = new WorkflowBuilder({ name: 'broken', start: broken }).build();
    const here = await caught(() => workflow.run(1));
    const placed = await caught(() => workflow.run(1, { placement: jsonPlacement(workflow) }));
    expect(placed).toBeInstanceOf(ExecutorError);
    expect((placed as ExecutorError).message).toBe((here as ExecutorError).message);
    expect((placed as ExecutorError).attempts).toBe(2);
  });

  it('for token budgets: charges reach the run ledger and budget.exceeded is emitted', async () => {
    const spend = executor({
      id: 'spend',
      input: num,
      output: num,
      handle: (n, ctx) => {
        ctx.budget.charge({ tokens: 40 });
        ctx.emit('left', { remaining: ctx.budget.remaining });
        if (n > 0) ctx.send(n - 1);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'budget', start: spend }).addEdge(spend, spend).build();
    const { result } = await expectSame(workflow, 2, { budget: { tokens: 100 } });
    expect(result.budget).toEqual({ limit: 100, spent: 120 });
  });
});

describe('a placement', () => {
  const echo = executor({ id: 'echo', input: num, handle: (n, ctx) => ctx.output(n) });
  const workflow = new WorkflowBuilder({ name: 'echo', start: echo }).build();

  it('must have an invoke method', async () => {
    await expect(workflow.run(1, { placement: {} as never })).rejects.toThrow(
      /placement must be an object with an invoke\(invocation, signal\) method/,
    );
  });

  it('that answers with something other than the invocation’s record fails the run, naming the invocation', async () => {
    await expect(workflow.run(1, { runId: 'r', placement: { invoke: async () => ({ executorId: 'other', index: 0 }) } })).rejects.toThrow(
      /returned the record of another invocation for invocation "r\/1:echo:0"/,
    );
  });

  it('that does not know the workflow fails the run with a clear error after the retries', async () => {
    const other = new WorkflowBuilder({ name: 'other', start: executor({ id: 'x', input: num, handle: () => undefined }) }).build();
    const error = await caught(() => workflow.run(1, { placement: jsonPlacement(other) }));
    expect(error).toBeInstanceOf(ExecutorError);
    expect((error as Error).message).toMatch(/jsonPlacement has no workflow named "echo" \(it knows "other"\)/);
  });

  it('gets a signal that aborts when the run is cancelled', async () => {
    const seen = deferred<AbortSignal>();
    const controller = new AbortController();
    const running = workflow.run(1, {
      signal: controller.signal,
      placement: { invoke: (_invocation, signal) => (seen.resolve(signal), new Promise(() => undefined)) },
    });
    const signal = await seen.promise;
    expect(signal.aborted).toBe(false);
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: 'run_cancelled' });
    expect(signal.aborted).toBe(true);
  });
});

describe('executeInvocation', () => {
  const inner = executor({ id: 'inner', input: num, output: num, initialState: 0, handle: (n, ctx) => (ctx.setState((s) => s + n), ctx.send(n)) });
  const child = new WorkflowBuilder({ name: 'child', start: inner }).build();
  const start = executor({ id: 'start', input: num, output: num, handle: (n, ctx) => ctx.send(n) });
  const workflow = new WorkflowBuilder({ name: 'outer', start }).addEdge(start, fromWorkflow(child, { id: 'nested' })).build();
  const base: Invocation = {
    runId: 'r',
    workflow: 'outer',
    signature: workflow.signature,
    path: ['nested', 'inner'],
    executorId: 'inner',
    invocationId: 'r/2:nested:0/1:inner:0',
    superstep: 1,
    index: 0,
    attempt: 1,
    message: 5,
    state: 1,
    shared: {},
    budget: { limit: null, spent: 0 },
  };

  it('resolves an executor inside a nested workflow and returns its record', async () => {
    expect(await executeInvocation(workflow, base)).toEqual({
      executorId: 'inner',
      index: 0,
      sends: [{ source: 'inner', payload: 5 }],
      state: [{ op: 'replace', path: [], value: 6 }],
    });
  });

  it('refuses another workflow, an unknown path, a nested node as the target, and a bad id', async () => {
    await expect(executeInvocation(workflow, { ...base, workflow: 'elsewhere' })).rejects.toThrow(
      /is for workflow "elsewhere", but executeInvocation was given "outer"/,
    );
    await expect(executeInvocation(workflow, { ...base, path: ['nested', 'gone'], executorId: 'gone' })).rejects.toThrow(
      /names "gone", which is not in nested workflow "nested" of "outer"/,
    );
    await expect(executeInvocation(workflow, { ...base, path: ['missing', 'inner'] })).rejects.toThrow(
      /names "missing", which is not in workflow "outer"/,
    );
    await expect(executeInvocation(workflow, { ...base, path: ['nested'], executorId: 'nested' })).rejects.toThrow(
      /nested workflows run in the run's own process/,
    );
    await expect(executeInvocation(workflow, { ...base, path: ['start'] })).rejects.toThrow(
      /must be a non-empty list of ids ending with its executorId "inner"/,
    );
    await expect(executeInvocation(workflow, { ...base, invocationId: 'r/1:inner:3' })).rejects.toThrow(/does not end with "1:inner:0"/);
  });

  it('checks sends against the graph the executor is in', async () => {
    const bad = executor({ id: 'bad', input: num, output: num, handle: (n, ctx) => ctx.send(n, { to: 'start' as never }) });
    const graph = new WorkflowBuilder({ name: 'g', start }).addEdge(start, bad).build();
    await expect(
      executeInvocation(graph, { ...base, workflow: 'g', path: ['bad'], executorId: 'bad', invocationId: 'r/1:bad:0', state: undefined }),
    ).rejects.toMatchObject({
      code: 'routing_failed',
    });
  });
});

describe('recovery with a placement', () => {
  it('replays the records of the invocations that finished and hands only the others to the placement', async () => {
    let saved = 0;
    const store = new (class extends MemoryCheckpointStore {
      override async saveInvocation(record: StoredInvocation): Promise<void> {
        await super.saveInvocation(record);
        saved++;
      }
    })();
    const start = executor({ id: 'start', input: num, output: num, handle: (n, ctx) => ctx.send(n) });
    const stuck = deferred();
    let blockW3 = true;
    const workers = ['w1', 'w2', 'w3', 'w4'].map((id) =>
      executor({
        id,
        input: num,
        output: text,
        initialState: 0,
        handle: async (n, ctx) => {
          if (id === 'w3' && blockW3) await stuck.promise;
          ctx.setState((runs) => runs + 1);
          ctx.shared.set(id, n);
          ctx.send(id);
        },
      }),
    );
    const join = executor({ id: 'join', input: z.array(text), handle: (ids, ctx) => ctx.output(ids) });
    const workflow = new WorkflowBuilder({ name: 'four', start }).addFanOut(start, workers).addFanIn(workers, join).build();

    const first = jsonPlacement(workflow);
    const controller = new AbortController();
    const running = workflow.run(5, { runId: 'run', checkpoints: store, signal: controller.signal, placement: first });
    await until(() => saved === 3);
    controller.abort(); // the coordinator "dies" with w3 in flight
    await expect(running).rejects.toMatchObject({ code: 'run_cancelled' });

    blockW3 = false;
    const second = jsonPlacement(workflow);
    const latest = await store.latest('run');
    const result = await workflow.resume(latest?.id as string, { checkpoints: store, placement: second });
    expect(second.invocations.map((i) => i.invocationId)).toEqual(['run/2:w3:0', 'run/3:join:0']);
    const reference = await workflow.run(5);
    expect(result.outputs).toEqual(reference.outputs);
    expect(result.shared).toEqual(reference.shared);
  });
});
