// See docs/concepts/supersteps.md — how a run ends: completed, waiting, failed on maxSupersteps, cancelled (unsubscribe, cancel(), AbortSignal).
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RunCancelledError, SuperstepLimitError, WorkflowBuilder, executor, type Executor } from 'weft';
import { Gates, aborted, caught, ofType, record, settled, tick, types, until } from './helpers.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await tick();
};

/** Two executors sending a counter back and forth until it reaches `until` (never, by default). */
function pingPong(options: { maxSupersteps?: number; until?: number } = {}) {
  const limit = options.until ?? Infinity;
  const make = (id: string) =>
    executor({
      id,
      input: z.number(),
      output: z.number(),
      handle: (n, ctx) => {
        if (n + 1 < limit) ctx.send(n + 1);
        else ctx.output(n + 1);
      },
    });
  const [ping, pong] = [make('ping'), make('pong')];
  return new WorkflowBuilder({
    name: 'ping-pong',
    start: ping,
    ...(options.maxSupersteps === undefined ? {} : { maxSupersteps: options.maxSupersteps }),
  })
    .addEdge(ping, pong)
    .addEdge(pong, ping)
    .build();
}

describe('completed', () => {
  it('completes when no message is left, with run.completed as the last event', async () => {
    const workflow = pingPong({ until: 3 });

    const result = await workflow.run(0);
    const { events, error, completed } = await record(workflow.stream(0));

    expect(result).toMatchObject({ status: 'completed', outputs: [3], supersteps: 3 });
    expect(error).toBeUndefined();
    expect(completed).toBe(true);
    const last = events.at(-1);
    expect(last?.type).toBe('run.completed');
    expect(last?.type === 'run.completed' && last.outputs).toEqual([3]);
    expect(types(events).filter((type) => type.startsWith('run.'))).toEqual(['run.started', 'run.completed']);
  });
});

describe('maxSupersteps', () => {
  it('fails a run that still has messages after the builder limit with a SuperstepLimitError', async () => {
    const workflow = pingPong({ maxSupersteps: 5 });

    const { events, error } = await record(workflow.stream(0));

    expect(error).toBeInstanceOf(SuperstepLimitError);
    const limit = error as SuperstepLimitError;
    expect(limit.code).toBe('superstep_limit');
    expect(limit.maxSupersteps).toBe(5);
    expect(limit.message).toContain('maxSupersteps');
    expect(ofType(events, 'superstep.started')).toHaveLength(5);
    expect(events.at(-1)).toMatchObject({ type: 'run.failed', error: limit });
    await expect(workflow.run(0)).rejects.toBeInstanceOf(SuperstepLimitError);
  });

  it('lets a run that needs exactly maxSupersteps supersteps complete', async () => {
    await expect(pingPong({ maxSupersteps: 4, until: 4 }).run(0)).resolves.toMatchObject({ status: 'completed', supersteps: 4 });
    await expect(pingPong({ maxSupersteps: 4, until: 5 }).run(0)).rejects.toBeInstanceOf(SuperstepLimitError);
  });

  it('defaults to 100', async () => {
    const error = await caught(() => pingPong().run(0));
    expect(error).toBeInstanceOf(SuperstepLimitError);
    expect((error as SuperstepLimitError).maxSupersteps).toBe(100);
    await expect(pingPong({ until: 100 }).run(0)).resolves.toMatchObject({ supersteps: 100 });
  });

  it('is overridden by the maxSupersteps run option, lower or higher', async () => {
    const error = await caught(() => pingPong({ maxSupersteps: 50 }).run(0, { maxSupersteps: 3 }));
    expect((error as SuperstepLimitError).maxSupersteps).toBe(3);

    await expect(pingPong({ maxSupersteps: 3, until: 8 }).run(0, { maxSupersteps: 10 })).resolves.toMatchObject({ outputs: [8], supersteps: 8 });
  });
});

/** An executor that asks for approval and outputs the answer; a sibling keeps working meanwhile. */
function approvalWorkflow() {
  const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(m) });
  const asker = executor({
    id: 'asker',
    input: z.string(),
    response: z.boolean(),
    handle: (m, ctx) => {
      ctx.request({ question: `ship ${m}?` });
    },
    onResponse: (approved, request, ctx) => {
      ctx.output({ approved, asked: request.payload });
    },
  });
  const worker = executor({ id: 'worker', input: z.string(), handle: (m, ctx) => ctx.output(`worked on ${m}`) });
  return new WorkflowBuilder({ name: 'approval', start }).addFanOut(start, [asker, worker]).build();
}

describe('waiting', () => {
  it('ends run() as waiting, not completed, when no message is left but a request is pending', async () => {
    const workflow = approvalWorkflow();

    const result = await workflow.run('v1');
    const { events, completed } = await record(workflow.stream('v1'));

    expect(result.status).toBe('waiting');
    expect(result.outputs).toEqual(['worked on v1']);
    expect(result.pendingRequests).toEqual([expect.objectContaining({ executorId: 'asker', payload: { question: 'ship v1?' }, superstep: 2 })]);
    expect(completed).toBe(true);
    expect(types(events)).toContain('request.created');
    expect(types(events)).not.toContain('run.completed');
    expect(events.at(-1)).toMatchObject({ type: 'run.waiting', requests: [expect.objectContaining({ executorId: 'asker' })] });
  });

  it('completes a started run only once its pending request is answered', async () => {
    const handle = approvalWorkflow().start('v2');
    const result = settled(handle.result);

    await until(() => handle.pendingRequests.length === 1);
    await settle();
    expect(result.done).toBe(false);

    const request = handle.pendingRequests[0];
    await handle.respond(request?.id ?? '', true);

    await expect(handle.result).resolves.toMatchObject({
      status: 'completed',
      outputs: ['worked on v2', { approved: true, asked: { question: 'ship v2?' } }],
      pendingRequests: [],
    });
  });
});

/** start → slow (waits for the gate or the abort) → after; records what happens. */
function cancellable() {
  const gates = new Gates();
  const log: string[] = [];
  const signals: AbortSignal[] = [];
  const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(m) });
  const slow = executor({
    id: 'slow',
    input: z.string(),
    output: z.string(),
    handle: async (m, ctx) => {
      signals.push(ctx.signal);
      log.push('slow started');
      await Promise.race([gates.wait('slow'), aborted(ctx.signal)]);
      log.push(ctx.signal.aborted ? 'slow saw abort' : 'slow finished');
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
  const workflow = new WorkflowBuilder({ name: 'cancellable', start }).addChain([start, slow, after]).build();
  return { workflow, gates, log, signals };
}

describe('cancelled', () => {
  it('by unsubscribing from stream(): the handler sees ctx.signal abort and nothing runs after', async () => {
    const { workflow, log, signals } = cancellable();
    const events: string[] = [];

    const subscription = workflow.stream('go').subscribe((event) => events.push(event.type));
    await until(() => log.includes('slow started'));
    subscription.unsubscribe();
    await until(() => log.includes('slow saw abort'));
    await settle();

    expect(signals[0]?.aborted).toBe(true);
    expect(log).toEqual(['slow started', 'slow saw abort']);
    expect(events).not.toContain('run.completed');
  });

  it('by handle.cancel(): the result rejects with RunCancelledError and events$ ends with run.cancelled', async () => {
    const { workflow, log, signals } = cancellable();
    const handle = workflow.start('go');
    const recorded = record(handle.events$);

    await until(() => log.includes('slow started'));
    handle.cancel('user pressed stop');
    const error = await caught(() => handle.result);
    const { events, completed } = await recorded;

    expect(error).toBeInstanceOf(RunCancelledError);
    expect((error as RunCancelledError).code).toBe('run_cancelled');
    expect((error as RunCancelledError).runId).toBe(handle.runId);
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toBe('user pressed stop');
    expect(completed).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'run.cancelled', reason: 'user pressed stop', runId: handle.runId });
    expect(ofType(events, 'run.cancelled')).toHaveLength(1);
    await settle();
    expect(log).not.toContain('after ran');
  });

  it('by handle.cancel() even when the handler ignores its signal and never settles', async () => {
    const never = executor({ id: 'never', input: z.string(), handle: () => new Promise<void>(() => undefined) });
    const workflow = new WorkflowBuilder({ name: 'stuck', start: never }).build();
    const handle = workflow.start('go');
    const recorded = record(handle.events$);

    await settle();
    handle.cancel();

    await expect(handle.result).rejects.toBeInstanceOf(RunCancelledError);
    expect(types((await recorded).events).at(-1)).toBe('run.cancelled');
  });

  it('by handle.cancel() called at once: the start handler never runs', async () => {
    const { workflow, log } = cancellable();
    const handle = workflow.start('go');
    handle.cancel();

    await expect(handle.result).rejects.toBeInstanceOf(RunCancelledError);
    await settle();
    expect(log).toEqual([]);
  });

  it('by the caller’s AbortSignal, for run() and stream()', async () => {
    const first = cancellable();
    const controller = new AbortController();
    const run = first.workflow.run('go', { signal: controller.signal });
    await until(() => first.log.includes('slow started'));
    controller.abort('caller gave up');

    const error = await caught(() => run);
    expect(error).toBeInstanceOf(RunCancelledError);
    expect((error as RunCancelledError).cause).toBe('caller gave up');
    expect(first.signals[0]?.aborted).toBe(true);

    const second = cancellable();
    const streamController = new AbortController();
    const recorded = record(second.workflow.stream('go', { signal: streamController.signal }));
    await until(() => second.log.includes('slow started'));
    streamController.abort();
    const { events, error: streamError, completed } = await recorded;
    expect(streamError).toBeUndefined();
    expect(completed).toBe(true);
    expect(events.at(-1)?.type).toBe('run.cancelled');
    await settle();
    expect(second.log).toEqual(['slow started', 'slow saw abort']);
  });

  it('by an AbortSignal that is already aborted: no handler runs and the caller gets RunCancelledError', async () => {
    const { workflow, log } = cancellable();

    await expect(workflow.run('go', { signal: AbortSignal.abort('too late') })).rejects.toBeInstanceOf(RunCancelledError);
    const { events, error } = await record(workflow.stream('go', { signal: AbortSignal.abort() }));
    expect(error).toBeUndefined();
    expect(ofType(events, 'executor.invoked')).toEqual([]);
    await settle();
    expect(log).toEqual([]);
  });

  // Regression: an invocation queued on the maxConcurrency semaphore used to run its handler once a slot freed,
  // even after the run had been cancelled.
  it('starts no handler after the run was cancelled, even one that was waiting for a maxConcurrency slot', async () => {
    const gates = new Gates();
    const log: string[] = [];
    const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(m) });
    const first = executor({
      id: 'first',
      input: z.string(),
      handle: async () => {
        log.push('first started');
        await gates.wait('first');
      },
    });
    const second = executor({
      id: 'second',
      input: z.string(),
      handle: () => {
        log.push('second started');
      },
    });
    const workflow = new WorkflowBuilder({ name: 'queued', start, maxConcurrency: 1 }).addFanOut(start, [first, second]).build();

    const handle = workflow.start('go');
    await until(() => log.includes('first started'));
    handle.cancel();
    await expect(handle.result).rejects.toBeInstanceOf(RunCancelledError);
    gates.open('first'); // the slot frees only now, after the run ended
    await settle();

    expect(log).toEqual(['first started']);
  });
});

describe('abort listeners', () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(warning);
  };
  beforeEach(() => {
    warnings.length = 0;
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
  });
  const maxListenerWarnings = async (): Promise<Error[]> => {
    await settle(); // process warnings are emitted on a later tick
    return warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning');
  };

  it('puts at most one listener on the caller’s signal and removes it however the run ends', async () => {
    const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

    const done = new AbortController();
    const { workflow, gates, log } = cancellable();
    const run = workflow.run('go', { signal: done.signal });
    await until(() => log.includes('slow started'));
    expect(listeners(done.signal)).toBeLessThanOrEqual(1);
    gates.open('slow');
    await run;
    expect(listeners(done.signal)).toBe(0);

    const failing = new AbortController();
    const boom = executor({
      id: 'boom',
      input: z.string(),
      handle: () => {
        throw new Error('boom');
      },
    });
    await expect(new WorkflowBuilder({ name: 'boom', start: boom }).build().run('go', { signal: failing.signal })).rejects.toThrow('boom');
    expect(listeners(failing.signal)).toBe(0);

    const invalid = new AbortController();
    await expect(workflow.run(42 as never, { signal: invalid.signal })).rejects.toThrow();
    expect(listeners(invalid.signal)).toBe(0);

    const cancelled = cancellable();
    const unused = new AbortController();
    const handle = cancelled.workflow.start('go', { signal: unused.signal });
    await until(() => cancelled.log.includes('slow started'));
    handle.cancel();
    await expect(handle.result).rejects.toBeInstanceOf(RunCancelledError);
    expect(listeners(unused.signal)).toBe(0);

    const shared = new AbortController();
    const twice = Promise.all([
      cancellable().workflow.run('go', { signal: shared.signal }),
      cancellable().workflow.run('go', { signal: shared.signal }),
    ]);
    shared.abort();
    await expect(twice).rejects.toBeInstanceOf(RunCancelledError);
    expect(listeners(shared.signal)).toBe(0);
  });

  it('adds no listener per invocation: a 10,000-way fan-out with timeoutMs warns about nothing and leaves nothing behind', async () => {
    const gates = new Gates();
    const start = executor({ id: 'start', input: z.number(), output: z.number(), handle: (n, ctx) => ctx.send(n) });
    let running = 0;
    let abortedSeen = 0;
    const branches: Executor<number>[] = Array.from({ length: 10_000 }, (_, index) =>
      executor({
        id: `branch-${index}`,
        input: z.number(),
        timeoutMs: 60_000,
        handle: async (n, ctx) => {
          running++;
          await gates.wait('all');
          if (ctx.signal.aborted) abortedSeen++;
          if (index === 0) ctx.output(n);
        },
      }),
    );
    const workflow = new WorkflowBuilder({ name: 'wide', start }).addFanOut(start, branches).build();
    const controller = new AbortController();

    const run = workflow.run(7, { signal: controller.signal });
    await until(() => running === 10_000);
    expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
    gates.open('all');
    const result = await run;

    expect(result.outputs).toEqual([7]);
    expect(abortedSeen).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
    expect(await maxListenerWarnings()).toEqual([]);
  });

  it('adds no listener per invocation: one concurrent executor handling 10,000 messages with timeoutMs', async () => {
    const start = executor({
      id: 'start',
      input: z.number(),
      output: z.number(),
      handle: (n, ctx) => {
        for (let i = 0; i < n; i++) ctx.send(i);
      },
    });
    let handled = 0;
    const worker = executor({
      id: 'worker',
      input: z.number(),
      concurrency: 10_000,
      timeoutMs: 60_000,
      handle: async () => {
        await Promise.resolve();
        handled++;
      },
    });
    const workflow = new WorkflowBuilder({ name: 'busy', start }).addEdge(start, worker).build();
    const controller = new AbortController();

    await workflow.run(10_000, { signal: controller.signal });

    expect(handled).toBe(10_000);
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
    expect(await maxListenerWarnings()).toEqual([]);
  });

  // Regression: every retry backoff used to add its own 'abort' listener to the run's signal, so many invocations
  // retrying at once tripped Node's MaxListenersExceededWarning.
  it('adds no listener per retrying invocation: 1,000 concurrent retries warn about nothing', async () => {
    const start = executor({
      id: 'start',
      input: z.number(),
      output: z.number(),
      handle: (n, ctx) => {
        for (let i = 0; i < n; i++) ctx.send(i);
      },
    });
    const tries = new Map<number, number>();
    const flaky = executor({
      id: 'flaky',
      input: z.number(),
      concurrency: 1_000,
      retry: { attempts: 2, backoff: 0 },
      handle: (n) => {
        const attempt = (tries.get(n) ?? 0) + 1;
        tries.set(n, attempt);
        if (attempt === 1) throw new Error('first try fails');
      },
    });
    const workflow = new WorkflowBuilder({ name: 'flaky', start }).addEdge(start, flaky).build();

    await workflow.run(1_000);

    expect([...tries.values()].every((attempts) => attempts === 2)).toBe(true);
    expect(await maxListenerWarnings()).toEqual([]);
  });
});
