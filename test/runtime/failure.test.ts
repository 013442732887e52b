// See docs/concepts/errors.md — failure: executor.failed then run.failed, nothing of the failed superstep committed (nor checkpointed), retry and timeoutMs.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  ExecutorError,
  MemoryCheckpointStore,
  RunCancelledError,
  WorkflowBuilder,
  executor,
  isWeftError,
  loadCheckpoint,
  type WorkflowEvent,
} from 'weft';
import { Gates, aborted, caught, ofType, record, settled, tick, types, until } from './helpers.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await tick();
};

/** Fakes only setTimeout: setImmediate stays real, so `until`/`tick` keep turning the event loop. */
const useFakeTimeouts = (): void => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
};

afterEach(() => {
  vi.useRealTimers();
});

function failingWorkflow(handle: (message: string) => void | Promise<void>) {
  const start = executor({ id: 'start', input: z.string(), output: z.string(), handle: (m, ctx) => ctx.send(m) });
  const broken = executor({ id: 'broken', input: z.string(), handle: (m) => handle(m) });
  return new WorkflowBuilder({ name: 'failing', start }).addEdge(start, broken).build();
}

describe('a throwing handler', () => {
  it('emits executor.failed then run.failed, and errors the stream with an ExecutorError whose cause is the original error', async () => {
    const original = new Error('disk full');
    const workflow = failingWorkflow(() => {
      throw original;
    });

    const { events, error, completed } = await record(workflow.stream('go'));

    expect(completed).toBe(false);
    expect(error).toBeInstanceOf(ExecutorError);
    const failure = error as ExecutorError;
    expect(isWeftError(failure)).toBe(true);
    expect(failure.code).toBe('executor_failed');
    expect(failure.cause).toBe(original);
    expect(failure.executorId).toBe('broken');
    expect(failure.superstep).toBe(2);
    expect(failure.runId).toBe(events[0]?.runId);
    expect(failure.attempts).toBe(1);
    expect(failure.message).toContain('"broken"');
    expect(failure.message).toContain('disk full');

    expect(types(events).slice(-2)).toEqual(['executor.failed', 'run.failed']);
    const [executorFailed, runFailed] = events.slice(-2);
    expect(executorFailed).toMatchObject({
      type: 'executor.failed',
      executorId: 'broken',
      attempt: 1,
      error: failure,
      superstep: 2,
      path: ['broken'],
    });
    expect(runFailed).toMatchObject({ type: 'run.failed', error: failure, superstep: 2, path: [] });
    expect(ofType(events, 'executor.completed').map((e) => e.executorId)).toEqual(['start']);
  });

  it('rejects run() the same way when an async handler rejects', async () => {
    const original = new TypeError('bad shape');
    const workflow = failingWorkflow(async () => {
      await Promise.resolve();
      throw original;
    });

    const error = await caught(() => workflow.run('go'));

    expect(error).toBeInstanceOf(ExecutorError);
    expect((error as ExecutorError).cause).toBe(original);
  });

  it('keeps a thrown non-Error value as the cause', async () => {
    const workflow = failingWorkflow(() => {
      throw 'plain string';
    });

    const error = await caught(() => workflow.run('go'));

    expect(error).toBeInstanceOf(ExecutorError);
    expect((error as ExecutorError).cause).toBe('plain string');
    expect((error as ExecutorError).message).toContain('plain string');
  });

  it('commits nothing staged in the failed superstep: no output, no send, no state of the other executors', async () => {
    const gates = new Gates();
    const log: string[] = [];
    const start = executor({
      id: 'start',
      input: z.string(),
      output: z.string(),
      handle: (m, ctx) => {
        ctx.shared.set('committed', true);
        ctx.send(m);
      },
    });
    // `before` finishes before `bad` throws; `after` finishes after it.
    const before = executor({
      id: 'before',
      input: z.string(),
      output: z.string(),
      initialState: 0,
      handle: (m, ctx) => {
        ctx.output('before output');
        ctx.setState(() => 1);
        ctx.shared.set('staged', 'before');
        ctx.send(m);
        log.push('before done');
      },
    });
    const bad = executor({
      id: 'bad',
      input: z.string(),
      handle: async () => {
        await gates.wait('bad');
        throw new Error('bad failed');
      },
    });
    const after = executor({
      id: 'after',
      input: z.string(),
      output: z.string(),
      handle: async (m, ctx) => {
        await gates.wait('after');
        ctx.output('after output');
        ctx.send(m);
        log.push('after done');
      },
    });
    const next = executor({
      id: 'next',
      input: z.string(),
      handle: () => {
        log.push('next ran');
      },
    });
    const workflow = new WorkflowBuilder({ name: 'rollback', start })
      .addFanOut(start, [before, bad, after])
      .addEdge(before, next)
      .addEdge(after, next)
      .build();

    const recorded = record(workflow.stream('go'));
    await until(() => log.includes('before done'));
    gates.open('bad');
    const { events, error } = await recorded;
    gates.open('after');
    await settle();

    expect(error).toBeInstanceOf(ExecutorError);
    expect(ofType(events, 'output')).toEqual([]);
    expect(ofType(events, 'superstep.completed').map((e) => e.superstep)).toEqual([1]);
    expect(ofType(events, 'executor.invoked').map((e) => e.executorId)).not.toContain('next');
    expect(log).not.toContain('next ran');
    expect(types(events).at(-1)).toBe('run.failed');
  });
});

describe('checkpoints of a failed run', () => {
  it('keeps the last good superstep as the last checkpoint; nothing of the failed superstep is saved', async () => {
    const store = new MemoryCheckpointStore();
    const counter = executor({
      id: 'counter',
      input: z.number(),
      output: z.number(),
      initialState: 0,
      handle: (n, ctx) => {
        ctx.setState(() => n);
        ctx.shared.set('last', n);
        ctx.output(n);
        if (n === 3) throw new Error('superstep 3 fails');
        ctx.send(n + 1);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'checkpointed', start: counter }).addEdge(counter, counter).build();

    const error = await caught(() => workflow.run(1, { checkpoints: store, runId: 'failing-run' }));

    expect(error).toBeInstanceOf(ExecutorError);
    const saved = await store.list('failing-run');
    expect(saved.map((checkpoint) => checkpoint.superstep)).toEqual([0, 1, 2]);
    const latest = await store.latest('failing-run');
    const checkpoint = await loadCheckpoint(store, latest?.id ?? '');
    expect(checkpoint.superstep).toBe(2);
    expect(checkpoint.outputs).toEqual([1, 2]);
    expect(checkpoint.executorStates).toEqual({ counter: 2 });
    expect(checkpoint.shared).toEqual({ last: 2 });
    expect(checkpoint.queue.map((message) => message.payload)).toEqual([3]);
  });
});

describe('retry', () => {
  it('retries with backoff, emitting executor.retried, and succeeds on the third try', async () => {
    useFakeTimeouts();
    let calls = 0;
    const flaky = executor({
      id: 'flaky',
      input: z.string(),
      retry: { attempts: 3, backoff: { initialMs: 1_000, factor: 3 } },
      handle: (m, ctx) => {
        calls++;
        if (calls < 3) throw new Error(`try ${calls} failed`);
        ctx.output(`${m} after ${calls} tries`);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'flaky', start: flaky }).build();
    const handle = workflow.start('done');
    const all: WorkflowEvent[] = [];
    handle.events$.subscribe((event) => all.push(event));

    await until(() => calls === 1);
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    const result = await handle.result;

    expect(calls).toBe(3);
    expect(result.outputs).toEqual(['done after 3 tries']);
    expect(ofType(all, 'executor.invoked').map((e) => e.attempt)).toEqual([1, 2, 3]);
    const retried = ofType(all, 'executor.retried');
    expect(retried.map((e) => [e.attempt, e.delayMs])).toEqual([
      [1, 1_000],
      [2, 3_000],
    ]);
    expect(retried.map((e) => (e.error as Error).message)).toEqual(['try 1 failed', 'try 2 failed']);
    expect(retried.every((e) => e.executorId === 'flaky' && e.path.join('/') === 'flaky')).toBe(true);
    expect(ofType(all, 'executor.completed').map((e) => e.attempt)).toEqual([3]);
    expect(types(all)).not.toContain('executor.failed');
  });

  it('fails with the last error after the last attempt', async () => {
    let calls = 0;
    const workflow = failingWorkflow(() => {
      calls++;
      throw new Error(`failure ${calls}`);
    });
    const retrying = new WorkflowBuilder({
      name: 'retrying',
      start: executor({
        id: 'always',
        input: z.string(),
        retry: { attempts: 2, backoff: 0 },
        handle: () => {
          calls++;
          throw new Error(`failure ${calls}`);
        },
      }),
    }).build();

    const { events, error } = await record(retrying.stream('go'));

    expect(error).toBeInstanceOf(ExecutorError);
    expect((error as ExecutorError).attempts).toBe(2);
    expect(((error as ExecutorError).cause as Error).message).toBe('failure 2');
    expect((error as ExecutorError).message).toContain('2 attempts');
    expect(types(events).filter((type) => type.startsWith('executor.'))).toEqual([
      'executor.invoked',
      'executor.retried',
      'executor.invoked',
      'executor.failed',
    ]);
    expect(ofType(events, 'executor.failed')[0]?.attempt).toBe(2);
    // Without a retry policy there is one attempt only.
    calls = 0;
    await expect(workflow.run('go')).rejects.toBeInstanceOf(ExecutorError);
    expect(calls).toBe(1);
  });

  it('discards every write of a failed attempt', async () => {
    const seen: unknown[] = [];
    let calls = 0;
    const start = executor({
      id: 'start',
      input: z.string(),
      output: z.string(),
      initialState: { tries: [] as number[] },
      retry: { attempts: 2, backoff: 0 },
      handle: (_m, ctx) => {
        calls++;
        ctx.setState((draft) => {
          draft.tries.push(calls);
        });
        ctx.shared.set(`attempt-${calls}`, true);
        ctx.output(`output of attempt ${calls}`);
        ctx.send(`message of attempt ${calls}`);
        if (calls === 1) throw new Error('first attempt fails');
        seen.push(['state in attempt 2', ctx.state]);
      },
    });
    const next = executor({
      id: 'next',
      input: z.string(),
      handle: (m, ctx) => {
        seen.push(['next', m, ctx.shared.has('attempt-1'), ctx.shared.has('attempt-2')]);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'discard', start }).addEdge(start, next).build();

    const result = await workflow.run('go');

    expect(seen).toEqual([
      ['state in attempt 2', { tries: [2] }],
      ['next', 'message of attempt 2', false, true],
    ]);
    expect(result.outputs).toEqual(['output of attempt 2']);
    expect(result.shared).toEqual({ 'attempt-2': true });
  });

  it('stops waiting for a backoff when the run is cancelled', async () => {
    useFakeTimeouts();
    let calls = 0;
    const workflow = new WorkflowBuilder({
      name: 'backoff-cancel',
      start: executor({
        id: 'flaky',
        input: z.string(),
        retry: { attempts: 2, backoff: 60_000 },
        handle: () => {
          calls++;
          throw new Error('fails');
        },
      }),
    }).build();
    const handle = workflow.start('go');
    const result = settled(handle.result);

    await until(() => calls === 1);
    handle.cancel();
    await until(() => result.done);

    await expect(handle.result).rejects.toBeInstanceOf(RunCancelledError);
    expect(calls).toBe(1);
  });
});

describe('timeoutMs', () => {
  it('fails a hanging handler after timeoutMs with a timeout error, and aborts its ctx.signal', async () => {
    useFakeTimeouts();
    const reasons: unknown[] = [];
    const hanging = executor({
      id: 'hanging',
      input: z.string(),
      timeoutMs: 5_000,
      handle: async (_, ctx) => {
        reasons.push(await aborted(ctx.signal));
        await new Promise<void>(() => undefined);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'timeout', start: hanging }).build();
    const handle = workflow.start('go');
    const recorded = record(handle.events$);
    const result = settled(handle.result);

    await settle();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(result.done).toBe(false);
    expect(reasons).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);

    const error = await caught(() => handle.result);
    expect(error).toBeInstanceOf(ExecutorError);
    expect((error as ExecutorError).executorId).toBe('hanging');
    const cause = (error as ExecutorError).cause as Error;
    expect(cause).toBeInstanceOf(Error);
    expect(cause.name).toBe('TimeoutError');
    expect(cause.message).toContain('5000');
    expect((error as ExecutorError).message).toContain('timed out');
    expect(reasons).toEqual([cause]);
    expect(types((await recorded).events).slice(-2)).toEqual(['executor.failed', 'run.failed']);
  });

  it('retries an attempt that timed out', async () => {
    useFakeTimeouts();
    let calls = 0;
    const slowOnce = executor({
      id: 'slow-once',
      input: z.string(),
      timeoutMs: 1_000,
      retry: { attempts: 2, backoff: 0 },
      handle: async (m, ctx) => {
        calls++;
        if (calls === 1) await new Promise<void>(() => undefined);
        ctx.output(`${m} on try ${calls}`);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'timeout-retry', start: slowOnce }).build();

    const run = workflow.run('done');
    await until(() => calls === 1);
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    // The zero backoff is a (fake) timeout too: let it fire.
    for (let i = 0; i < 10 && calls < 2; i++) {
      await tick();
      await vi.advanceTimersToNextTimerAsync();
    }

    await expect(run).resolves.toMatchObject({ outputs: ['done on try 2'] });
  });

  it('leaves no timer behind when the handler finishes in time', async () => {
    useFakeTimeouts();
    const quick = executor({
      id: 'quick',
      input: z.string(),
      timeoutMs: 10_000,
      handle: async (m, ctx) => {
        await Promise.resolve();
        ctx.output(m);
      },
    });
    const workflow = new WorkflowBuilder({ name: 'quick', start: quick }).build();

    await expect(workflow.run('ok')).resolves.toMatchObject({ outputs: ['ok'] });
    expect(vi.getTimerCount()).toBe(0);
  });
});
